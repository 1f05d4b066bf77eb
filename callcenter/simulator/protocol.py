"""AMI wire format as the *server* side sees it: pure framing, encoding and event-class masks.

Theory of operation. A client sends actions as ``Key: Value`` lines; an empty line ends the action.
Asterisk reads line by line and accepts a bare LF as well as CRLF, so :class:`FrameParser` splits on LF
and strips one trailing CR. It returns every complete frame and keeps the unfinished rest for the next
``feed``. A frame is a tuple of ``(key, value)`` pairs in the order sent (``Variable`` may repeat); bytes
that are not UTF-8 are replaced, never fatal. Lines without a colon are kept as a key with no value, so
the frame still gets an answer ("Missing action in request" when there is no ``Action``).

Everything Asterisk writes back is a list of pairs encoded by :func:`encode` with CRLF and a blank line.
Events carry a class (``call``, ``agent``, ``system`` ...); a session receives an event only when that
class is in its mask, set by ``Events:`` on Login or by the ``Events`` action (``EventMask``), with
manager.c's rules: digits are a bitmask, a "false" word is none, a "true" word is all, otherwise a
comma-separated list of class names (unknown names count for nothing).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

Pairs = tuple[tuple[str, str], ...]

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
MAX_LINE = 8192            # a longer line without LF is garbage; the frame is answered and dropped

# manager.c's permission classes, in bit order.
CLASSES: tuple[str, ...] = ("system", "call", "log", "verbose", "command", "agent", "user", "config",
                            "dtmf", "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc",
                            "test", "security", "message")
CLASS_BITS = {name: 1 << i for i, name in enumerate(CLASSES)}
ALL_CLASSES = (1 << len(CLASSES)) - 1
_TRUE_WORDS = frozenset({"yes", "true", "y", "t", "1", "on"})
_FALSE_WORDS = frozenset({"no", "false", "n", "f", "0", "off"})


class FrameParser:
    """Bytes in, complete frames out; the rest is kept for the next call."""

    def __init__(self) -> None:
        self._buffer = b""
        self._lines: list[tuple[str, str]] = []

    def feed(self, data: bytes) -> list[Pairs]:
        self._buffer += data
        frames: list[Pairs] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_LINE:          # never ends: answer it as a frame and drop it
                    self._buffer = b""
                    self._lines.append(("", ""))
                    frames.append(self._take())
                return frames
            raw, self._buffer = self._buffer[:end], self._buffer[end + 1:]
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line:
                if self._lines:
                    frames.append(self._take())
                continue
            text = line.decode("utf-8", "replace")
            key, sep, value = text.partition(":")
            self._lines.append((key.strip(), value.strip() if sep else ""))

    def _take(self) -> Pairs:
        frame, self._lines = tuple(self._lines), []
        return frame


def header(frame: Pairs, name: str, default: str = "") -> str:
    """First value of header *name* (case-insensitive); *default* when absent."""
    wanted = name.lower()
    for key, value in frame:
        if key.lower() == wanted:
            return value
    return default


def headers(frame: Pairs, name: str) -> list[str]:
    """Every value of a repeated header such as ``Variable``."""
    wanted = name.lower()
    return [value for key, value in frame if key.lower() == wanted]


def encode(pairs: Iterable[tuple[str, str]]) -> bytes:
    return ("".join(f"{key}: {value}\r\n" for key, value in pairs) + "\r\n").encode("utf-8")


def with_action_id(frame: Pairs) -> list[tuple[str, str]]:
    """``ActionID`` echoed the way Asterisk does: only when the client sent one."""
    action_id = header(frame, "ActionID")
    return [("ActionID", action_id)] if action_id else []


def response(frame: Pairs, status: str, message: str | None = None,
             extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """``Response: <status>``, ``ActionID``, ``Message`` (if any), then *extra* headers."""
    pairs = [("Response", status), *with_action_id(frame)]
    if message is not None:
        pairs.append(("Message", message))
    pairs.extend(extra)
    return pairs


def success(frame: Pairs, message: str | None = None, extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    return response(frame, "Success", message, extra)


def error(frame: Pairs, message: str) -> list[tuple[str, str]]:
    return response(frame, "Error", message)


def list_start(frame: Pairs, message: str) -> list[tuple[str, str]]:
    """First response of a list action: ``EventList: start`` before the message."""
    return [("Response", "Success"), *with_action_id(frame), ("EventList", "start"), ("Message", message)]


def parse_event_mask(text: str) -> int | None:
    """manager.c ``strings_to_mask``: ``None`` for an empty (invalid) mask, else the class bits."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text) & ALL_CLASSES
    lowered = text.lower()
    if lowered in _FALSE_WORDS:
        return 0
    if lowered in _TRUE_WORDS:
        return ALL_CLASSES
    mask = 0
    for word in lowered.split(","):
        word = word.strip()
        if word == "all":
            mask |= ALL_CLASSES
        else:
            mask |= CLASS_BITS.get(word, 0)
    return mask


def privilege(event_class: str) -> str:
    return f"{event_class},all"

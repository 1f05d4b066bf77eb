"""AMI framing, pure: bytes in, header dicts out, the unparsed rest returned.

Theory of operation. Asterisk sends frames of ``Key: Value`` lines ended by CRLF, a frame ended by an
empty line. With the classes we subscribe to, and even more with ``Events: on``, most frames are events
we never use (a queue call with ``Events: on`` is ~190 events, three quarters ``VarSet``/``Newexten``).
So the splitter looks at a frame's first line only and drops unwanted events *before* parsing their
headers; the few frames we keep are parsed into plain dicts; the translation matches header names
case-insensitively (casing varies between events: ``HoldTime`` vs ``Holdtime``).

Frames that are not events we translate (responses, list events carrying an ``ActionID``,
``FullyBooted``/``Shutdown``) are handed back whole so the panoramisk side can match them to pending
actions and callbacks.
"""
from __future__ import annotations

EOL = "\r\n"
FRAME_END = "\r\n\r\n"
BANNER_PREFIX = "Asterisk Call Manager/"


def split_frames(buffer: str) -> tuple[list[str], str]:
    """Split complete frames off *buffer*; returns (frames, rest still waiting for its end)."""
    if FRAME_END not in buffer:
        return [], buffer
    frames = buffer.split(FRAME_END)
    rest = frames.pop()
    return frames, rest


def event_name(frame: str) -> str | None:
    """The event name of a frame whose first line is ``Event: X``; ``None`` for anything else."""
    if not frame.startswith("Event: "):
        return None
    end = frame.find(EOL)
    return frame[7:] if end < 0 else frame[7:end]


def parse_headers(frame: str) -> dict[str, str]:
    """Headers of one frame, keys as Asterisk spells them (``translate`` matches them
    case-insensitively); lines without ``': '`` are skipped as malformed."""
    headers: dict[str, str] = {}
    for line in frame.split(EOL):
        key, sep, value = line.partition(": ")
        if sep:
            headers[key] = value
        elif line.endswith(":"):            # "AccountCode: " arrives as "AccountCode:" once stripped
            headers[line[:-1]] = ""
    return headers


def strip_banner(buffer: str) -> tuple[str | None, str]:
    """Split the ``Asterisk Call Manager/x.y.z`` greeting (one CRLF, not a frame) off the stream."""
    if not buffer.startswith(BANNER_PREFIX):
        return None, buffer
    end = buffer.find(EOL)
    if end < 0:
        return None, buffer
    return buffer[len(BANNER_PREFIX):end].strip(), buffer[end + len(EOL):]

"""FastAGI wire format: pure parsing and formatting, no sockets.

Theory of operation. A FastAGI session starts with Asterisk sending the channel's environment, one
``agi_key: value`` line each, ended by a blank line. After that the server writes one command per line
and Asterisk answers each with one response line::

    200 result=1 (hello world)      success; ``result`` is the command's value, ``(...)`` its data
    200 result=53 endpos=13600      extra ``key=value`` pairs (STREAM FILE's end position)
    200 result= (timeout)           GET DATA timed out (digits typed so far stand before the data)
    510 Invalid or unknown command
    511 Command Not Permitted on a dead channel or intercept routine
    520 Invalid command syntax.  Proper usage not available.
    520-Invalid command syntax.  Proper usage follows:   (usage text lines, then)
    520 End of proper usage.

and, once per session, a bare ``HANGUP`` notification line. It is *not* a response: after a real
hang-up it can arrive between a command and that command's response, so a reader must note it and keep
reading. :class:`ResponseAssembler` turns lines into responses and notifications; :func:`quote` and
:func:`arg` format arguments the way Asterisk's ``parse_args`` (res_agi.c) reads them back, which
:func:`split_args` mirrors.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Values Asterisk puts in an ``agi_*`` header when it has nothing to say.
_UNKNOWN = "unknown"

_RESPONSE = re.compile(r"^(?P<code>\d{3})(?:(?P<sep>[ -])(?P<rest>.*))?$")
_RESULT = re.compile(r"^result=(?P<value>\S*)")
_ENV_LINE = re.compile(r"^(?P<key>agi_\w+):[ \t]?(?P<value>.*)$")
_BARE_SAFE = re.compile(r'^[^\s"\\]+$')


class AgiParseError(ValueError):
    """A line that is not FastAGI (garbage, or a stream out of step)."""


@dataclass(frozen=True, slots=True)
class HangupNotice:
    """The ``HANGUP`` line: the channel is gone (or the session ends). Not a command's response."""


HANGUP = HangupNotice()


@dataclass(frozen=True, slots=True)
class AgiResponse:
    """One command's response.

    ``result`` is the raw text after ``result=`` (``""`` for GET DATA's timeout, ``"-1"`` for a failure
    or hang-up); ``data`` the text in parentheses, ``None`` when there were none; ``extra`` other
    ``key=value`` pairs; ``message`` the text of a non-200 response (usage lines joined with ``\\n``).
    ``more`` is true only for the opening ``520-`` line of a multi-line usage message.
    """
    code: int
    result: str = ""
    data: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    message: str = ""
    more: bool = False

    @property
    def ok(self) -> bool:
        return self.code == 200

    @property
    def value(self) -> int | None:
        """``result`` as an int, ``None`` when it is empty or not a number."""
        try:
            return int(self.result)
        except ValueError:
            return None


def parse_line(line: str) -> AgiResponse | HangupNotice:
    """Parse one response line (without its line terminator)."""
    line = line.rstrip("\r\n")
    if line.strip() == "HANGUP":
        return HANGUP
    m = _RESPONSE.match(line)
    if m is None:
        raise AgiParseError(f"not a FastAGI response: {line[:80]!r}")
    code = int(m["code"])
    rest = m["rest"] or ""
    if code != 200:
        return AgiResponse(code, message=rest.strip(), more=m["sep"] == "-")
    return _parse_success(rest, line)


def _parse_success(rest: str, line: str) -> AgiResponse:
    m = _RESULT.match(rest)
    if m is None:
        raise AgiParseError(f"200 response without result=: {line[:80]!r}")
    tail = rest[m.end():].strip()
    data: str | None = None
    if tail.startswith("("):
        # Variable values may hold parentheses themselves: the data runs to the last ')'.
        close = tail.rfind(")")
        if close == -1:
            data, tail = tail[1:], ""
        else:
            data, tail = tail[1:close], tail[close + 1:]
    extra = {}
    for token in tail.split():
        key, sep, value = token.partition("=")
        if sep:
            extra[key] = value
    return AgiResponse(200, m["value"], data, extra)


class ResponseAssembler:
    """Lines in, responses out; joins the multi-line ``520-`` usage form into one response.

    ``feed`` returns an :class:`AgiResponse`, :data:`HANGUP`, or ``None`` while a usage message is
    still being collected. ``100 Trying...`` comes back as a response with code 100: the caller keeps
    reading for the real one.
    """

    def __init__(self) -> None:
        self._usage: list[str] | None = None

    def feed(self, line: str) -> AgiResponse | HangupNotice | None:
        line = line.rstrip("\r\n")
        if self._usage is not None:
            if line.strip() == "HANGUP":
                return HANGUP
            if line.startswith("520 "):
                usage, self._usage = self._usage, None
                return AgiResponse(520, message="\n".join([*usage, line[4:].strip()]))
            self._usage.append(line)
            return None
        if not line.strip():
            return None
        parsed = parse_line(line)
        if isinstance(parsed, AgiResponse) and parsed.more:
            self._usage = [parsed.message]
            return None
        return parsed


# --------------------------------------------------------------------------- commands
def _check(value: str) -> str:
    if "\n" in value or "\r" in value:
        # A line break would end the command early and let the rest run as a second command.
        raise ValueError(f"AGI argument with a line break: {value[:40]!r}")
    return value


def quote(value: object) -> str:
    """Always-quoted argument: ``"hello world"``, ``""``, with ``"`` and ``\\`` escaped."""
    text = _check(str(value))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arg(value: object) -> str:
    """Bare argument when Asterisk would read it back unchanged, else :func:`quote`."""
    text = _check(str(value))
    return text if _BARE_SAFE.match(text) else quote(text)


def command(verb: str, *args: str) -> str:
    """One command line, without the line terminator. ``args`` must already be formatted."""
    return " ".join([_check(verb), *(_check(a) for a in args)])


def split_args(line: str) -> list[str]:
    """Split a command line the way Asterisk's ``parse_args`` does (quotes, backslash escapes)."""
    words: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    in_word = False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped, in_word = False, True
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
            in_word = True
        elif ch in " \t" and not quoted:
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        else:
            current.append(ch)
            in_word = True
    if in_word:
        words.append("".join(current))
    return words


# --------------------------------------------------------------------------- environment
def parse_env_line(line: str) -> tuple[str, str]:
    """One ``agi_key: value`` header line; :class:`AgiParseError` for anything else."""
    m = _ENV_LINE.match(line.rstrip("\r\n"))
    if m is None:
        raise AgiParseError(f"not an AGI environment line: {line[:80]!r}")
    return m["key"], m["value"]


@dataclass(frozen=True, slots=True)
class CallInfo:
    """The parts of the AGI environment the scripts use, in domain words."""
    call_id: str
    caller_number: str
    caller_name: str
    dialled: str
    language: str
    channel: str
    script: str


def call_info(env: Mapping[str, str]) -> CallInfo:
    def known(key: str) -> str:
        value = env.get(key, "").strip()
        return "" if value.lower() == _UNKNOWN else value

    return CallInfo(
        call_id=env.get("agi_uniqueid", "").strip(),
        caller_number=known("agi_callerid"),
        caller_name=known("agi_calleridname"),
        dialled=known("agi_dnid"),
        language=known("agi_language"),
        channel=env.get("agi_channel", "").strip(),
        script=env.get("agi_network_script", "").strip(),
    )

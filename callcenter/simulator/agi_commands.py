"""FastAGI command lines as res_agi.c reads them: argument splitting and the command table.

Pure. ``split_args`` follows res_agi's ``parse_args``: whitespace separates arguments, double quotes
group (and are removed), a backslash takes the next character literally, so ``SET VARIABLE X ""``
has an empty fourth argument. :func:`lookup` finds the longest known command at the start of the
argument list, case-insensitively, and says whether it may run on a dead channel (after a hang-up
only VERBOSE, GET/SET VARIABLE, GET FULL VARIABLE, EXEC, NOOP and DATABASE still work).
"""
from __future__ import annotations

from dataclasses import dataclass

RESULT_INVALID = "510 Invalid or unknown command"
RESULT_DEAD = "511 Command Not Permitted on a dead channel or intercept routine"
RESULT_USAGE = "520 Invalid command syntax.  Proper usage not available."
SAMPLE_RATE = 8000       # endpos is counted in samples of 8 kHz audio


@dataclass(frozen=True)
class Command:
    name: str              # the handler's name: words joined by "_" ("get_data")
    words: int             # how many argv entries the command name takes
    dead_ok: bool


_TABLE: dict[tuple[str, ...], bool] = {
    ("answer",): False, ("asyncagi", "break"): True, ("channel", "status"): False,
    ("control", "stream", "file"): False, ("database", "del"): True, ("database", "deltree"): True,
    ("database", "get"): True, ("database", "put"): True, ("exec",): True, ("get", "data"): False,
    ("get", "full", "variable"): True, ("get", "option"): False, ("get", "variable"): True, ("gosub",): False,
    ("hangup",): False, ("noop",): True, ("receive", "char"): False, ("receive", "text"): False,
    ("record", "file"): False, ("say", "alpha"): False, ("say", "date"): False, ("say", "datetime"): False,
    ("say", "digits"): False, ("say", "number"): False, ("say", "phonetic"): False, ("say", "time"): False,
    ("send", "image"): False, ("send", "text"): False, ("set", "autohangup"): False,
    ("set", "callerid"): False, ("set", "context"): False, ("set", "extension"): False,
    ("set", "music"): False, ("set", "priority"): False, ("set", "variable"): True, ("stream", "file"): False,
    ("tdd", "mode"): False, ("verbose",): True, ("wait", "for", "digit"): False,
}

# Dialplan applications EXEC knows; anything else answers ``200 result=-2`` (no such application).
KNOWN_APPS = frozenset(a.lower() for a in (
    "Answer", "Background", "Busy", "Congestion", "Dial", "Echo", "ExecIf", "Gosub", "Goto", "GotoIf",
    "Hangup", "Log", "MixMonitor", "MusicOnHold", "NoOp", "Playback", "PlayTones", "Progress", "Queue",
    "QueueLog", "Read", "Return", "Ringing", "SayAlpha", "SayDigits", "SayNumber", "Set", "SendDTMF",
    "StartMusicOnHold", "StopMixMonitor", "StopMusicOnHold", "StopPlayTones", "System", "UserEvent",
    "Verbose", "Wait", "WaitExten"))


def split_args(line: str) -> list[str]:
    args: list[str] = []
    current: list[str] = []
    in_quotes = escaped = started = False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = started = True
            continue
        if ch == '"':
            in_quotes = not in_quotes
            started = True
            continue
        if ch in " \t" and not in_quotes:
            if started:
                args.append("".join(current))
                current, started = [], False
            continue
        current.append(ch)
        started = True
    if started:
        args.append("".join(current))
    return args


def lookup(argv: list[str]) -> Command | None:
    lowered = tuple(a.lower() for a in argv)
    for size in (3, 2, 1):
        words = lowered[:size]
        if len(words) == size and words in _TABLE:
            return Command("_".join(words), size, _TABLE[words])
    return None


def samples(seconds: float) -> int:
    return int(round(seconds * SAMPLE_RATE))


def to_int(text: str) -> int | None:
    """``sscanf("%d")``: a leading integer, else ``None``."""
    text = text.strip()
    sign = 1
    if text and text[0] in "+-":
        sign, text = (-1 if text[0] == "-" else 1), text[1:]
    digits = ""
    for ch in text:
        if not ch.isdigit():
            break
        digits += ch
    return sign * int(digits) if digits else None

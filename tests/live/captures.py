"""Real captures, and the simulator held to them.

A scenario that ends with ``matches_capture(pbx, name, caller)`` compares the AMI events of its call
(the events the server translates, ``callcenter/ami/translate.py``) with ``captures/<name>.ami.txt``,
recorded from a real Asterisk 22.10.1 by the same scenario (``CC_LIVE_RECORD=1`` on the asterisk
backend writes it). Compared per event: its name, the channel it concerns (with the per-call sequence
number taken out: ``Local/1005@agent-phones;1``), and its key headers; and their order. Member events
(``QueueMember*``) are left out: their timing against the call's events follows the server's own
actions. On the asterisk backend the comparison also checks that Asterisk still does what was recorded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from callcenter.ami.translate import TRANSLATIONS
from callcenter.simulator.testing import AmiFrame, parse_ami_stream

CAPTURES = Path(__file__).parent / "captures"
CALL_EVENTS = frozenset(TRANSLATIONS) - {"QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause",
                                         "QueueMemberPaused", "QueueMemberStatus", "Shutdown"}
KEY_HEADERS = ("Queue", "Interface", "Reason", "DialStatus", "Cause")
_TEARDOWN = frozenset({"Hangup", "HangupRequest"})
_SEQUENCE = re.compile(r"-[0-9a-f]{8}(;[12])$")


def channel(name: str) -> str:
    return _SEQUENCE.sub(r"\1", name)


def call_frames(frames: list[AmiFrame], call_id: str) -> list[AmiFrame]:
    """The call's events (everything linked to its caller channel) that the server translates."""
    linked = next((f.get("Linkedid") for f in frames if f.get("Uniqueid") == call_id and f.get("Linkedid")), call_id)
    return [f for f in frames if f.event in CALL_EVENTS and not f.get("ActionID")
            and (f.get("Linkedid") == linked or f.get("Uniqueid") == call_id)]


def _line(f: AmiFrame) -> str:
    parts = [f.event, channel(f.get("Channel"))]
    if f.get("DestChannel"):
        parts.append("-> " + channel(f.get("DestChannel")))
    parts += [f"{k}={f.get(k)}" for k in KEY_HEADERS if f.get(k)]
    return " ".join(parts)


def signature(frames: list[AmiFrame]) -> list[str]:
    """The call's own channel's events in order, then the other legs' hang-ups in any order: Asterisk
    itself tears the other legs down in a different order from run to run (each Local half has its own
    thread), so only what is ordered on the real PBX is compared as ordered."""
    call_id = next((f.get("Uniqueid") for f in frames if f.event == "QueueCallerJoin" or f.event == "DialBegin"), "")
    ordered = [_line(f) for f in frames if f.get("Uniqueid") == call_id or f.event not in _TEARDOWN]
    others = sorted(_line(f) for f in frames if f.get("Uniqueid") != call_id and f.event in _TEARDOWN)
    return ordered + ["-- other legs' hang-ups, any order --"] + others


async def matches_capture(pbx, name: str, caller) -> None:  # type: ignore[no-untyped-def]
    """Once the caller's channel is gone, its events match the real capture *name*."""
    await pbx.event("Hangup", Uniqueid=caller.call_id, timeout=30)
    await _all_legs_gone(pbx, caller.call_id)
    frames = call_frames(pbx.observer.frames, caller.call_id)
    path = CAPTURES / f"{name}.ami.txt"
    if pbx.kind == "asterisk" and os.environ.get("CC_LIVE_RECORD"):
        CAPTURES.mkdir(exist_ok=True)
        path.write_bytes(b"".join(f.raw + b"\r\n\r\n" for f in frames))
        return
    expected = signature(parse_ami_stream(path.read_bytes()))
    got = signature(frames)
    assert got == expected, f"{pbx.kind} differs from the real capture {path.name}:\n" + _diff(expected, got)


async def _all_legs_gone(pbx, call_id: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Every channel linked to the call has hung up (the legs' teardown trails the caller's)."""
    frames = pbx.observer.frames
    linked = next((f.get("Linkedid") for f in frames if f.get("Uniqueid") == call_id and f.get("Linkedid")), call_id)
    legs = {f.get("Uniqueid") for f in frames if f.event == "Newchannel" and f.get("Linkedid") == linked}

    def all_gone(_: AmiFrame) -> bool:
        return legs <= {f.get("Uniqueid") for f in pbx.observer.frames if f.event == "Hangup"}
    await pbx.observer.wait_for(all_gone, timeout=timeout)


def _diff(expected: list[str], got: list[str]) -> str:
    import difflib
    return "\n".join(difflib.unified_diff(expected, got, "asterisk (capture)", "this run", lineterm="", n=2))

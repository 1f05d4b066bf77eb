"""How a simulated caller's walk through the dialplan ends or jumps, shared by every context
(:mod:`.dialplan` for ``[inbound]``/``[queue-direct]``, :mod:`.call_control` for ``[transfer]`` and
``[cc-hold]``): ``Hangup()`` with the caller still on the line, a channel already hung up finished off,
a ``Redirect`` taken (the next location), and what follows ``Queue()``."""
from __future__ import annotations

import asyncio

from . import events as ev
from .app_queue import CONTINUE, REDIRECTED, UNKNOWN
from .calls import COMPLETED, LEFT_DIALPLAN, SimCall
from .pbx import Pbx

Location = tuple[str, str, int]


def after_queue(pbx: Pbx, call: SimCall, result: str, hangup_at: Location) -> Location | None:
    if result == REDIRECTED:
        return take_redirect(call)
    if result in (CONTINUE, UNKNOWN):
        assert call.chan is not None
        call.chan.at(*hangup_at, "Hangup")
        dialplan_hangup(pbx, call)
    return None                              # otherwise the call already ended in the queue


def take_redirect(call: SimCall) -> Location:
    location = call.redirect.result()
    call.redirect = asyncio.get_running_loop().create_future()
    return location


def _deferred(call: SimCall) -> None:
    """The caller leaves the dialplan: app_queue's AgentComplete owed since a Redirect (``Reason: caller``)."""
    complete, call.pending_complete = call.pending_complete, None
    if complete is not None:
        complete("caller")


def end_dead(pbx: Pbx, call: SimCall, outcome: str) -> None:
    """The channel is already hung up (caller, or the AGI): finish the ;2 half."""
    chan = call.chan
    assert chan is not None
    if call.hung_up:
        pbx.caller_hangup_requests(call)
        _deferred(call)
        pbx.drop_front(call)
        pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
        pbx.hangup_channel(chan, call.cause)
    else:
        _deferred(call)
        _hang_up_from_dialplan(pbx, call)
    call.finish(COMPLETED if call.answered.is_set() else outcome)


def dialplan_hangup(pbx: Pbx, call: SimCall, unanswered: str = LEFT_DIALPLAN) -> None:
    """The dialplan ends (Hangup()) with the caller still on the line."""
    _deferred(call)
    _hang_up_from_dialplan(pbx, call)
    call.finish(COMPLETED if call.answered.is_set() else unanswered)


def _hang_up_from_dialplan(pbx: Pbx, call: SimCall) -> None:
    assert call.chan is not None and call.front is not None
    pbx.hangup_channel(call.chan, 16)
    if pbx.channels.get(call.front.name) is call.front:
        pbx.emit(ev.hangup_request(call.front.snapshot(), 16))
        pbx.hangup_channel(call.front, 16)

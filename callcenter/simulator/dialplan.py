"""The dialplan a simulated caller runs: the contexts of ``callcenter/data/extensions.conf``.

Theory of operation. A caller is a Local pair created as an Originate of ``Local/<dnid>@inbound/n``
would create it; its ``;2`` half executes the dialplan. ``[inbound]``, priority by priority:

    1 NoOp   2 Answer   3 Set(CC_QUEUE=<default queue>)   4 Set(CC_PRIORITY=0)
    5 AGI(agi://host:port/inbound,${EXTEN})   6 GotoIf(CC_ACTION = closed ? closed)
    7 Set(QUEUE_PRIO=${CC_PRIORITY})   8 Queue(${CC_QUEUE})   9 GotoIf(QUEUESTATUS != UNKNOWN ? done)
    10 Queue(<default queue>)   11 (done) Hangup()   12 (closed) Playback(vm-goodbye)   13 Hangup()

The defaults are set *before* the AGI so that a dead FastAGI server (``AGISTATUS=FAILURE``) still routes
the caller; app_queue reads the caller's queue priority from ``QUEUE_PRIO``. An out-of-hours caller
(``CC_ACTION=closed``, set only by the IVR) hears the goodbye and is hung up: outcome ``ivr_hangup``. ``[queue-direct]``
(``Local/<queue>@queue-direct/n``: 1 NoOp, 2 Answer, 3 Queue(${EXTEN}), 4 Hangup) puts a caller straight
into a queue, as transfers and tests do. A caller redirected to any other context just waits there
(the simulator has no dialplan for it) until it hangs up or is redirected again.
"""
from __future__ import annotations

import asyncio
import logging

from ivr import variables as dv

from . import events as ev
from .agi_client import AgiSession
from .app_queue import CONTINUE, REDIRECTED, UNKNOWN, queue_exec
from .calls import COMPLETED, FAILED, IVR_HANGUP, LEFT_DIALPLAN, STOPPED, SimCall, wait_any
from .channels import STATE_UP
from .pbx import Pbx

log = logging.getLogger(__name__)
INBOUND, QUEUE_DIRECT, CALLER_CONTEXT = "inbound", "queue-direct", "caller-sim"
(P_NOOP, P_ANSWER, P_SET_QUEUE, P_SET_PRIORITY, P_AGI, P_CLOSED_CHECK, P_QUEUE_PRIO, P_QUEUE, P_CHECK,
 P_FALLBACK, P_HANGUP, P_CLOSED, P_CLOSED_HANGUP) = range(1, 14)
GOODBYE = "vm-goodbye"
QD_ANSWER, QD_QUEUE, QD_HANGUP = 2, 3, 4
Location = tuple[str, str, int]


def create_caller(pbx: Pbx, call: SimCall, context: str, exten: str, dial_string: str) -> None:
    """The caller's Local pair appears (Newchannel ... LocalBridge) and is dialled (DialBegin)."""
    front, chan = pbx.channels.new_local_pair(exten, context)
    call.front, call.chan, call.call_id = front, chan, chan.uniqueid
    front.owner = chan.owner = call
    front.application, front.app_data = "AppDial2", "(Outgoing Line)"
    pbx.register_call(call)
    pbx.announce_local_pair(front, chan, (call.number, call.name))
    pbx.emit(ev.dial_begin(None, front.snapshot(), dial_string))


async def run_caller(pbx: Pbx, call: SimCall, context: str, exten: str, priority: int = 1) -> None:
    location: Location | None = (context, exten, priority)
    try:
        while location is not None:
            location = await _execute(pbx, call, *location)
    except asyncio.CancelledError:
        call.finish(STOPPED)
        raise
    except Exception:                        # a simulator bug: log it, free the channels, end the call
        log.exception("simulated call %s failed", call.call_id)
        _clean_up_after_failure(pbx, call)


def _clean_up_after_failure(pbx: Pbx, call: SimCall) -> None:
    for queue in pbx.queues.values():
        queue.entries = [e for e in queue.entries if e.owner is not call]
    for chan in (call.chan, call.front):
        if chan is not None and pbx.channels.get(chan.name) is chan:
            pbx.hangup_channel(chan, 16)
    pbx.queue_changed()
    call.finish(FAILED)


async def _execute(pbx: Pbx, call: SimCall, context: str, exten: str, priority: int) -> Location | None:
    if call.hung_up:
        return _end_dead(pbx, call, IVR_HANGUP)
    if context == INBOUND:
        return await _inbound(pbx, call, exten, priority)
    if context == QUEUE_DIRECT:
        return await _queue_direct(pbx, call, exten, priority)
    return await _elsewhere(pbx, call, context, exten, priority)


def _answer(pbx: Pbx, call: SimCall, context: str, exten: str, priority: int) -> None:
    assert call.chan is not None and call.front is not None
    call.chan.at(context, exten, priority, "Answer")
    if call.chan.state != STATE_UP:
        pbx.answer_originated_pair(call.front, call.chan)
        call.front.at(CALLER_CONTEXT, "s", 1, "Wait", "")
        if call.on_answer is not None:
            call.on_answer()


async def _inbound(pbx: Pbx, call: SimCall, exten: str, priority: int) -> Location | None:
    chan = call.chan
    assert chan is not None
    default = pbx.config.default_queue
    if priority <= P_ANSWER:
        _answer(pbx, call, INBOUND, exten, P_ANSWER)
    if priority <= P_SET_PRIORITY:
        chan.variables[dv.QUEUE] = default
        chan.variables[dv.PRIORITY] = "0"
    if priority <= P_AGI:
        session = AgiSession(pbx, call, pbx.config.agi_script, [exten], P_AGI)
        chan.at(INBOUND, exten, P_AGI, "AGI", f"{session.url},{exten}")
        call.phase = "ivr"
        call.agi_status = await session.run()
        chan.variables[dv.ASTERISK_AGI_STATUS] = call.agi_status
    if call.hung_up or call.dead_by_agi:
        return _end_dead(pbx, call, IVR_HANGUP)
    if call.redirect.done():
        return _take_redirect(call)
    if priority >= P_CLOSED or (priority <= P_CLOSED_CHECK
                                and pbx.get_var(chan, dv.ACTION) == dv.ACTION_CLOSED):
        return await _closed(pbx, call, exten)
    if priority <= P_QUEUE_PRIO:
        chan.variables[dv.ASTERISK_QUEUE_PRIORITY] = pbx.get_var(chan, dv.PRIORITY) or ""
    result = CONTINUE
    if priority <= P_QUEUE:
        queue = pbx.get_var(chan, dv.QUEUE) or ""
        chan.at(INBOUND, exten, P_QUEUE, "Queue", queue)
        result = await queue_exec(pbx, call, queue)
    if result == UNKNOWN or priority in (P_CHECK, P_FALLBACK):
        chan.at(INBOUND, exten, P_FALLBACK, "Queue", default)
        result = await queue_exec(pbx, call, default)
    return _after_queue(pbx, call, result, (INBOUND, exten, P_HANGUP))


async def _closed(pbx: Pbx, call: SimCall, exten: str) -> Location | None:
    """Out of hours: Playback(goodbye), then Hangup() -- the caller never reaches a queue."""
    chan = call.chan
    assert chan is not None
    chan.at(INBOUND, exten, P_CLOSED, "Playback", GOODBYE)
    await wait_any([call.caller_gone, call.redirect], pbx.timing.prompt_seconds)
    if call.redirect.done():
        return _take_redirect(call)
    if not call.hung_up:
        chan.at(INBOUND, exten, P_CLOSED_HANGUP, "Hangup")
    return _end_dead(pbx, call, IVR_HANGUP)


async def _queue_direct(pbx: Pbx, call: SimCall, exten: str, priority: int) -> Location | None:
    if priority <= QD_ANSWER:
        _answer(pbx, call, QUEUE_DIRECT, exten, QD_ANSWER)
    result = CONTINUE
    if priority <= QD_QUEUE:
        assert call.chan is not None
        call.chan.at(QUEUE_DIRECT, exten, QD_QUEUE, "Queue", exten)
        result = await queue_exec(pbx, call, exten)
    return _after_queue(pbx, call, result, (QUEUE_DIRECT, exten, QD_HANGUP))


def _after_queue(pbx: Pbx, call: SimCall, result: str, hangup_at: Location) -> Location | None:
    if result == REDIRECTED:
        return _take_redirect(call)
    if result in (CONTINUE, UNKNOWN):
        assert call.chan is not None
        call.chan.at(*hangup_at, "Hangup")
        _dialplan_hangup(pbx, call)
    return None                              # otherwise the call already ended in the queue


async def _elsewhere(pbx: Pbx, call: SimCall, context: str, exten: str, priority: int) -> Location | None:
    assert call.chan is not None
    call.chan.at(context, exten, priority)
    call.phase = "elsewhere"
    await wait_any([call.caller_gone, call.redirect], None)
    if call.redirect.done():
        return _take_redirect(call)
    return _end_dead(pbx, call, LEFT_DIALPLAN)


def _take_redirect(call: SimCall) -> Location:
    location = call.redirect.result()
    call.redirect = asyncio.get_running_loop().create_future()
    return location


def _deferred(call: SimCall) -> None:
    callbacks, call.on_final_hangup = call.on_final_hangup, []
    for callback in callbacks:
        callback()


def _end_dead(pbx: Pbx, call: SimCall, outcome: str) -> None:
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


def _dialplan_hangup(pbx: Pbx, call: SimCall) -> None:
    """The dialplan ends (Hangup()) with the caller still on the line."""
    _deferred(call)
    _hang_up_from_dialplan(pbx, call)
    call.finish(COMPLETED if call.answered.is_set() else LEFT_DIALPLAN)


def _hang_up_from_dialplan(pbx: Pbx, call: SimCall) -> None:
    assert call.chan is not None and call.front is not None
    pbx.hangup_channel(call.chan, 16)
    if pbx.channels.get(call.front.name) is call.front:
        pbx.emit(ev.hangup_request(call.front.snapshot(), 16))
        pbx.hangup_channel(call.front, 16)

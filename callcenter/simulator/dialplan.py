"""The dialplan a simulated caller runs: the contexts of extensions.conf (``callcenter asterisk-config``,
template ``callcenter/pbx/templates/extensions.conf.j2``).

Theory of operation. A caller is a Local pair created as an Originate of ``Local/<dnid>@inbound/n``
would create it; its ``;2`` half executes the dialplan. ``[inbound]`` is interpreted priority by
priority, with its labels, exactly as the sample ``extensions.conf`` lists them:

    1 NoOp  2 Answer  3 Set(CC_QUEUE=<default>)  4 Set(CC_PRIORITY=0)  5 AGI(inbound)
    6 GotoIf(CC_ACTION = closed ? closed)  7 GotoIf(CC_ACTION != "" ? bye)  8 Set(CC_STEP=1)
    9 (step) GotoIf(CC_STEP > CC_STEPS ? queue)  10 GotoIf(step kind = queue ? wait)
    11 Dial(CC_STEP_i_DIAL, CC_STEP_i_SECONDS, g)  12 GotoIf(DIALSTATUS = ANSWER ? after)  13 Goto(next)
    14 (wait) Set(QUEUE_PRIO=CC_STEP_i_PRIORITY)  15 Queue(CC_STEP_i_TARGET, c,,, CC_STEP_i_SECONDS)
    16 GotoIf(QUEUESTATUS = CONTINUE ? after)  17 (next) Set(CC_STEP += 1)  18 Goto(step)
    19 (queue) Set(QUEUE_PRIO=CC_PRIORITY)  20 Queue(CC_QUEUE, c)  21 GotoIf(CONTINUE ? after)
    22 GotoIf(QUEUESTATUS != UNKNOWN ? bye)  23 Queue(<default>, c)  24 GotoIf(!= CONTINUE ? bye)
    25 (after) GotoIf(CC_SURVEY != yes ? bye)  26 AGI(survey)  27 (bye) Hangup()
    28 (closed) Hangup()

The defaults are set *before* the AGI so that a dead FastAGI server (``AGISTATUS=FAILURE``) still routes
the caller; app_queue reads the caller's queue priority from ``QUEUE_PRIO``. The IVR's plan (``CC_STEPS``)
rings agents with ``Dial()`` (:mod:`.dial`) and waits in queues with a timeout (overflow). When the agent
hangs up first the caller goes on to the survey. An out-of-hours caller (``CC_ACTION=closed``) hears the
goodbye from the IVR (``ivr.closed_prompt``) and is hung up; any other ``CC_ACTION`` hangs up at once. ``[queue-direct]``
(``Local/<queue>@queue-direct/n``: 1 NoOp, 2 Answer, 3 Queue(${EXTEN}), 4 Hangup) puts a caller straight
into a queue, as transfers and tests do. A caller redirected to any other context just waits there
(the simulator has no dialplan for it) until it hangs up or is redirected again.
"""
from __future__ import annotations

import asyncio
import logging

from ivr import variables as dv

from . import call_control
from . import events as ev
from .agi_client import AgiSession
from .app_queue import CONTINUE, TIMEOUT, UNKNOWN, queue_exec
from .calls import FAILED, IVR_HANGUP, LEFT_DIALPLAN, STOPPED, SimCall, wait_any
from .channels import STATE_UP
from .dial import ANSWER, BUSY, CHANUNAVAIL, NOANSWER, dial_exec
from .dialplan_exits import Location, after_queue, dialplan_hangup, end_dead, take_redirect
from .pbx import Pbx

log = logging.getLogger(__name__)
INBOUND, QUEUE_DIRECT, CALLER_CONTEXT = "inbound", "queue-direct", "caller-sim"
(P_NOOP, P_ANSWER, P_SET_QUEUE, P_SET_PRIORITY, P_AGI, P_CLOSED_CHECK, P_ACTION_CHECK, P_STEP_INIT, P_STEP,
 P_KIND, P_DIAL, P_DIAL_CHECK, P_DIAL_NEXT, P_WAIT, P_STEP_QUEUE, P_STEP_CHECK, P_NEXT, P_LOOP, P_QUEUE_PRIO,
 P_QUEUE, P_QUEUE_CHECK, P_CHECK, P_FALLBACK, P_FALLBACK_CHECK, P_AFTER, P_SURVEY, P_HANGUP,
 P_CLOSED) = range(1, 29)
QD_ANSWER, QD_QUEUE, QD_HANGUP = 2, 3, 4


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
        return end_dead(pbx, call, IVR_HANGUP)
    if context == INBOUND:
        return await _inbound(pbx, call, exten, priority)
    if context == QUEUE_DIRECT:
        return await _queue_direct(pbx, call, exten, priority)
    if context in call_control.CONTEXTS:
        return await call_control.run_context(pbx, call, context, exten, priority)
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
    p = priority

    def var(name: str) -> str:
        return pbx.get_var(chan, name) or ""

    def step(field: str) -> str:
        return var(dv.step(_int(var(dv.STEP)), field))

    while True:
        if call.hung_up or call.dead_by_agi:
            return end_dead(pbx, call, IVR_HANGUP)
        if call.redirect.done():
            return take_redirect(call)
        if p in (P_NOOP, P_SET_QUEUE, P_SET_PRIORITY, P_STEP_INIT, P_NEXT, P_LOOP, P_DIAL_NEXT):
            chan.at(INBOUND, exten, p, "Set" if p != P_NOOP else "NoOp")
            if p == P_SET_QUEUE:
                chan.variables[dv.QUEUE] = default
            elif p == P_SET_PRIORITY:
                chan.variables[dv.PRIORITY] = "0"
            elif p == P_STEP_INIT:
                chan.variables[dv.STEP] = "1"
            elif p == P_NEXT:
                chan.variables[dv.STEP] = str(_int(var(dv.STEP)) + 1)
            p = {P_LOOP: P_STEP, P_DIAL_NEXT: P_NEXT}.get(p, p + 1)
        elif p == P_ANSWER:
            _answer(pbx, call, INBOUND, exten, P_ANSWER)
            p += 1
        elif p == P_AGI:
            session = AgiSession(pbx, call, pbx.config.agi_script, [exten], P_AGI)
            chan.at(INBOUND, exten, P_AGI, "AGI", f"{session.url},{exten}")
            call.phase = "ivr"
            call.agi_status = await session.run()
            chan.variables[dv.ASTERISK_AGI_STATUS] = call.agi_status
            p += 1
        elif p == P_CLOSED_CHECK:
            p = P_CLOSED if var(dv.ACTION) == dv.ACTION_CLOSED else p + 1
        elif p == P_ACTION_CHECK:
            p = P_HANGUP if var(dv.ACTION) else p + 1
        elif p == P_STEP:
            p = P_QUEUE_PRIO if _int(var(dv.STEP)) > _int(var(dv.STEPS)) else p + 1
        elif p == P_KIND:
            p = P_WAIT if step("KIND") == "queue" else p + 1
        elif p == P_DIAL:
            chan.at(INBOUND, exten, P_DIAL, "Dial", f"{step('DIAL')},{step('SECONDS')},g")
            result = await dial_exec(pbx, call, step("DIAL"), _seconds(step("SECONDS")))
            if result not in (ANSWER, NOANSWER, BUSY, CHANUNAVAIL):
                return after_queue(pbx, call, result, (INBOUND, exten, P_HANGUP))
            p += 1
        elif p == P_DIAL_CHECK:
            p = P_AFTER if var("DIALSTATUS") == ANSWER else p + 1
        elif p in (P_WAIT, P_QUEUE_PRIO):
            source = step("PRIORITY") if p == P_WAIT else var(dv.PRIORITY)
            chan.variables[dv.ASTERISK_QUEUE_PRIORITY] = source
            p += 1
        elif p in (P_STEP_QUEUE, P_QUEUE, P_FALLBACK):
            queue = {P_STEP_QUEUE: step("TARGET"), P_QUEUE: var(dv.QUEUE), P_FALLBACK: default}[p]
            timeout = _seconds(step("SECONDS")) if p == P_STEP_QUEUE else None
            chan.at(INBOUND, exten, p, "Queue", f"{queue},ct,,,{'' if timeout is None else timeout}")
            result = await queue_exec(pbx, call, queue, timeout=timeout)
            if result not in (CONTINUE, UNKNOWN, TIMEOUT):
                return after_queue(pbx, call, result, (INBOUND, exten, P_HANGUP))
            p += 1
        elif p in (P_STEP_CHECK, P_QUEUE_CHECK):
            p = P_AFTER if var("QUEUESTATUS") == "CONTINUE" else p + 1
        elif p == P_CHECK:
            p = P_HANGUP if var("QUEUESTATUS") != "UNKNOWN" else p + 1
        elif p == P_FALLBACK_CHECK:
            p = P_HANGUP if var("QUEUESTATUS") != "CONTINUE" else p + 1
        elif p == P_AFTER:
            p = P_HANGUP if var(dv.SURVEY) != "yes" else p + 1
        elif p == P_SURVEY:
            session = AgiSession(pbx, call, dv.SURVEY_SCRIPT, [], P_SURVEY)
            chan.at(INBOUND, exten, P_SURVEY, "AGI", session.url)
            call.phase = "survey"
            await session.run()
            p += 1
        elif p == P_HANGUP:
            chan.at(INBOUND, exten, P_HANGUP, "Hangup")
            # Sent away by the IVR (a callback, a blocked number) before any queue: ended in the IVR.
            dialplan_hangup(pbx, call, LEFT_DIALPLAN if call.joined.is_set() else IVR_HANGUP)
            return None
        elif p >= P_CLOSED:
            return _closed(pbx, call, exten)
        else:                                   # a priority the context does not have
            chan.at(INBOUND, exten, p)
            dialplan_hangup(pbx, call)
            return None


def _int(text: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError:
        return 0


def _seconds(text: str) -> float | None:
    """A Dial()/Queue() timeout argument: empty or not a positive number = none."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _closed(pbx: Pbx, call: SimCall, exten: str) -> None:
    """Out of hours: Hangup() -- the IVR already said goodbye; the caller never reaches a queue."""
    chan = call.chan
    assert chan is not None
    chan.at(INBOUND, exten, P_CLOSED, "Hangup")
    return end_dead(pbx, call, IVR_HANGUP)


async def _queue_direct(pbx: Pbx, call: SimCall, exten: str, priority: int) -> Location | None:
    if priority <= QD_ANSWER:
        _answer(pbx, call, QUEUE_DIRECT, exten, QD_ANSWER)
    result = CONTINUE
    if priority <= QD_QUEUE:
        assert call.chan is not None
        call.chan.at(QUEUE_DIRECT, exten, QD_QUEUE, "Queue", exten)
        result = await queue_exec(pbx, call, exten)
    return after_queue(pbx, call, result, (QUEUE_DIRECT, exten, QD_HANGUP))


async def _elsewhere(pbx: Pbx, call: SimCall, context: str, exten: str, priority: int) -> Location | None:
    assert call.chan is not None
    call.chan.at(context, exten, priority)
    call.phase = "elsewhere"
    await wait_any([call.caller_gone, call.redirect], None)
    if call.redirect.done():
        return take_redirect(call)
    return end_dead(pbx, call, LEFT_DIALPLAN)

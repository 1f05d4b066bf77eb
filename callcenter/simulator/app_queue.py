"""``Queue(name)`` for one caller: join, wait, ring members, connect, talk, complete or abandon.

Theory of operation. The caller's task joins the queue (``QueueCallerJoin``, music on hold) and loops:
when it is its turn (see :mod:`.queues`) it rings the members the strategy picks and waits for the first
of: a phone answering, the member timeout (``AgentRingNoAnswer`` with ``RingTime`` in ms, then ``retry``
seconds of pause), the caller hanging up (``QueueCallerAbandon``), the step's timeout
(``QueueCallerAbandon`` too, then ``QueueCallerLeave``: app_queue reports both the same way), a ``Redirect``. An answer ends the
wait: ``DialEnd ANSWER``, ``QueueCallerLeave``, ``AgentConnect`` (``HoldTime``/``RingTime`` in seconds),
a basic bridge, ``QueueMemberStatus`` in use; then the conversation lasts until one side hangs up and
``AgentComplete`` says who (``Reason: caller|agent``). Event order follows ``queue_call.ami.txt``,
``queue_abandon.ami.txt`` and ``ring_no_answer.ami.txt``.

``queue_exec`` returns what the dialplan needs next: :data:`UNKNOWN` (no such queue, nothing happened),
:data:`CONTINUE` (Queue() returned with the caller still up), :data:`REDIRECTED`, or a final outcome.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from . import events as ev
from . import queue_events as qev
from .calls import ABANDONED, CONTINUE, REDIRECTED, TIMEOUT, UNKNOWN, SimCall, wait_any
from .channels import Bridge, new_bridge
from .pbx import Pbx
from .queues import DEVICE_INUSE, DEVICE_NOT_INUSE, Entry, Member, QueueState
from .ringing import MemberLeg, abort, answer, caller_left_the_bridge, hang_up_agent_side, start_ring
from .atxfer import attended_hook
from .transfer_events import blind_transferred



async def queue_exec(pbx: Pbx, call: SimCall, name: str, *, timeout: float | None = None,
                     position: int | None = None) -> str:
    """``Queue(name,c,,,timeout,,,,position)``: *timeout* seconds at most (checked between ring
    cycles, as app_queue does: a ringing phone is never cut off), *position* the place asked for."""
    queue = pbx.queues.get(name)
    chan = call.chan
    assert chan is not None
    if queue is None:
        chan.variables["QUEUESTATUS"] = "UNKNOWN"
        return UNKNOWN
    priority = _to_int(pbx.get_var(chan, "QUEUE_PRIO"))
    entry = Entry(call.call_id, priority, pbx.now(), owner=call)
    position = queue.join(entry, position)
    call.queue, call.queue_priority, call.phase = name, priority, "queued"
    chan.application, chan.app_data = "Queue", name
    pbx.emit(qev.queue_caller_join(chan.snapshot(), name, position, len(queue.entries)))
    hooks, call.on_join = call.on_join, []
    for hook in hooks:                  # a blind transfer's agent side leaves the old bridge now
        hook()
    pbx.emit(ev.moh_start(chan.snapshot()))
    call.joined.set()
    deadline = pbx.now() + call.patience if call.patience is not None else math.inf
    overflow_at = pbx.now() + timeout if timeout is not None else math.inf
    while True:
        if call.hung_up:
            return _abandon(pbx, call, queue, entry, [])
        if call.redirect.done():
            return _leave(pbx, call, queue, entry)
        if pbx.now() >= deadline:
            call.hang_up(16)
            continue
        if pbx.now() >= overflow_at:
            return _time_out(pbx, call, queue, entry)
        members = queue.choose(pbx.rng) if queue.is_our_turn(entry) else []
        if not members:
            await wait_any([call.caller_gone, call.redirect, pbx.queue_change_future()],
                           min(1.0, deadline - pbx.now(), max(overflow_at - pbx.now(), 0.0)))
            continue
        result = await _ring(pbx, call, queue, entry, members, deadline)
        if result is not None:
            return result
        await wait_any([call.caller_gone, call.redirect], min(pbx.config.retry(name), deadline - pbx.now()))


async def _ring(pbx: Pbx, call: SimCall, queue: QueueState, entry: Entry, members: list[Member],
                deadline: float) -> str | None:
    """Ring *members*; ``None`` when nobody answered in time, else what queue_exec returns."""
    chan = call.chan
    assert chan is not None
    legs = [start_ring(pbx, chan, queue.name, m, call.call_id) for m in members]
    queue.rr_last = members[-1].interface
    entry.ringing = True
    timeout = pbx.config.member_timeout(queue.name)
    start = pbx.now()
    try:
        while True:
            now = pbx.now()
            if call.hung_up:
                return _abandon(pbx, call, queue, entry, legs)
            if call.redirect.done():
                for leg in legs:
                    abort(pbx, chan, leg, ("CANCEL",))
                return _leave(pbx, call, queue, entry)
            answers = [(leg.started + after, i) for i, leg in enumerate(legs)
                       if (after := leg.answer_after(pbx.timing.answer_after)) is not None]
            first = min(answers) if answers else None
            if first is not None and first[0] <= min(now, start + timeout):
                winner = legs[first[1]]
                return await _connect(pbx, call, queue, entry, winner, [leg for leg in legs if leg is not winner])
            for leg in [leg for leg in legs if leg.gone.done()]:      # the phone rejected the call
                pbx.emit(qev.agent_ring_no_answer(chan.snapshot(), leg.dial.snapshot(), queue.name,
                                                  leg.member.interface, leg.member.name, int((now - start) * 1000)))
                abort(pbx, chan, leg, ("BUSY",))
                legs.remove(leg)
            if not legs:
                return None
            if now >= start + timeout:
                for leg in legs:
                    pbx.emit(qev.agent_ring_no_answer(chan.snapshot(), leg.dial.snapshot(), queue.name,
                                                      leg.member.interface, leg.member.name, int(timeout * 1000)))
                    abort(pbx, chan, leg, ("NOANSWER", "CANCEL"))
                return None
            if now >= deadline:
                call.hang_up(16)
                continue
            wake = min(start + timeout, first[0] if first else math.inf, deadline) - now
            await wait_any([call.caller_gone, call.redirect, *(leg.gone for leg in legs)], wake)
    finally:
        entry.ringing = False


async def _connect(pbx: Pbx, call: SimCall, queue: QueueState, entry: Entry, winner: MemberLeg,
                   others: list[MemberLeg]) -> str:
    chan = call.chan
    assert chan is not None
    answer(pbx, chan, winner)
    for leg in others:
        abort(pbx, chan, leg, ("CANCEL",))
    pbx.emit(ev.moh_stop(chan.snapshot()))
    position = queue.leave(entry)
    pbx.emit(qev.queue_caller_leave(chan.snapshot(), queue.name, position, len(queue.entries)))
    now = pbx.now()
    holdtime, ringtime = int(now - entry.joined), int(now - winner.started)
    member = winner.member
    member.in_call = True
    pbx.emit(qev.agent_connect(chan.snapshot(), winner.dial.snapshot(), queue.name, member.interface,
                               member.name, holdtime, ringtime))
    queue.record_connect(holdtime)
    bridge = new_bridge()
    pbx.emit(ev.bridge_create(bridge))
    winner.dial.bridge_id = chan.bridge_id = bridge.uniqueid
    pbx.emit(ev.bridge_enter(bridge, 1, winner.dial.snapshot()))
    pbx.emit(ev.bridge_enter(bridge, 2, chan.snapshot()))
    call.bridge, call.leg = bridge, winner
    pbx.set_device(member.state_interface, DEVICE_INUSE)
    call.agent_interface, call.phase = member.interface, "connected"
    call.answered.set()
    pbx.queue_changed()

    settings = winner.settings
    talk = next(t for t in (call.talk_seconds, settings.talk_seconds, pbx.timing.talk_seconds) if t is not None)
    side = call.hangup_by or settings.hangup_by or "caller"
    if not await wait_any([call.caller_gone, winner.gone, call.redirect], talk):
        if side == "agent":
            winner.hang_up(16)
        else:
            call.hang_up(16)

    def complete(reason: str) -> None:
        talktime = int(pbx.now() - now)      # when sent: a late AgentComplete has an inflated TalkTime
        pbx.emit(qev.agent_complete(chan.snapshot(), winner.dial.snapshot(), queue.name, member.interface,
                                    member.name, holdtime, talktime, reason))
        member.in_call = False
        member.calls_taken += 1
        member.last_call = pbx.wall()
        queue.record_complete(holdtime, talktime)

    outcome = await attended_hook(pbx, call, bridge, winner, complete, CONTINUE)
    if outcome is not None:                            # an Atxfer completed, or the caller left while held
        return outcome
    if call.hung_up:                                   # order of queue_call.ami.txt
        return caller_left_the_bridge(pbx, call, bridge, winner, complete)
    call.bridge = call.leg = None
    if call.redirect.done() and call.transfer is not None:     # BlindTransfer: AgentComplete at once
        return blind_transferred(pbx, call, bridge, winner, complete)
    if call.redirect.done():                           # AgentComplete only when the caller hangs up
        call.pending_complete = complete
        _break_bridge(pbx, call, bridge, winner)
        if call.parked_leg is not winner:              # not kept by a Redirect's ExtraChannel (hold)
            hang_up_agent_side(pbx, winner, 16)
        chan.bridge_id = ""
        return REDIRECTED
    cause = winner.gone.result()
    if winner.dial_half_hung_up:
        return _dial_half_hung_up(pbx, call, bridge, winner, complete, cause)
    if winner.is_local:
        pbx.emit(ev.soft_hangup_request(winner.phone.snapshot(), 16))
        pbx.emit(ev.hangup_request(winner.dial.snapshot(), cause))
        pbx.hangup_channel(winner.phone, cause)
    else:
        pbx.emit(ev.hangup_request(winner.dial.snapshot(), cause))
    pbx.emit(ev.bridge_leave(bridge, 1, winner.dial.snapshot()))
    complete("agent")
    pbx.hangup_channel(winner.dial, cause)
    pbx.set_device(member.state_interface, DEVICE_NOT_INUSE)
    pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    chan.bridge_id = ""
    chan.variables["QUEUESTATUS"] = "CONTINUE"          # option c: the agent hung up, the caller goes on
    return CONTINUE


def _dial_half_hung_up(pbx: Pbx, call: SimCall, bridge: Bridge, winner: MemberLeg,
                       complete: Callable[[str], None], cause: int) -> str:
    """AMI ``Hangup`` of the member's ``;1`` half (the channel app_queue dialled). Evidence: STYLE.md's
    traps (issue 9 failure 2), and a live Asterisk 22.10.1 (``Hangup`` of ``Local/1001@agent-phones-..;1``
    with the caller in ``Queue(vip,ct)``): no ``AgentComplete`` until the caller leaves the dialplan,
    then ``Reason: caller`` with the talk time up to then; the order of events below is the one seen.
    The source agrees: AMI Hangup is a soft hang-up that publishes no hangup request, and app_queue's
    handle_hangup only listens for those (the ``;2`` half's hang-up queues one on ``;1``)."""
    chan = call.chan
    assert chan is not None
    member = winner.member
    call.pending_complete = complete
    pbx.emit(ev.bridge_leave(bridge, 1, winner.dial.snapshot()))
    pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    chan.bridge_id = ""
    pbx.emit(ev.hangup_request(winner.phone.snapshot(), cause))
    pbx.hangup_channel(winner.dial, cause)
    pbx.set_device(member.state_interface, DEVICE_NOT_INUSE)
    pbx.emit(ev.soft_hangup_request(winner.phone.snapshot(), 16))
    pbx.hangup_channel(winner.phone, cause)
    chan.variables["QUEUESTATUS"] = "CONTINUE"          # option c: the caller goes on (to the survey)
    return CONTINUE


def _break_bridge(pbx: Pbx, call: SimCall, bridge: Bridge, winner: MemberLeg) -> None:
    chan = call.chan
    assert chan is not None
    pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
    pbx.emit(ev.bridge_leave(bridge, 0, winner.dial.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))


def _abandon(pbx: Pbx, call: SimCall, queue: QueueState, entry: Entry, legs: list[MemberLeg]) -> str:
    """The caller hung up while waiting (order of queue_abandon.ami.txt)."""
    chan = call.chan
    assert chan is not None
    pbx.caller_hangup_requests(call)
    pbx.drop_front(call)
    for leg in legs:
        abort(pbx, chan, leg, ("CANCEL",))
    pbx.emit(ev.moh_stop(chan.snapshot()))
    holdtime = int(pbx.now() - entry.joined)
    position = queue.position(entry)
    queue.leave(entry)
    pbx.emit(qev.queue_caller_abandon(chan.snapshot(), queue.name, position, entry.original_position, holdtime))
    pbx.emit(qev.queue_caller_leave(chan.snapshot(), queue.name, position, len(queue.entries)))
    queue.record_abandon(holdtime)
    pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
    pbx.hangup_channel(chan, call.cause)
    pbx.queue_changed()
    call.finish(ABANDONED)
    return ABANDONED


def _time_out(pbx: Pbx, call: SimCall, queue: QueueState, entry: Entry) -> str:
    """Queue()'s timeout ended the wait; the caller goes on in the dialplan (the next step: overflow).

    From app_queue.c QUEUE_TIMEOUT path; verified live in tests/live: ``record_abandoned`` publishes
    ``QueueCallerAbandon`` (Position, OriginalPosition, HoldTime: the same headers as a hang-up) and
    counts an abandon in the queue's statistics, queue_log ``EXITWITHTIMEOUT``; then, at ``stop:``,
    music on hold stops and ``leave_queue`` publishes ``QueueCallerLeave``. No Hangup: the channel lives on.
    """
    chan = call.chan
    assert chan is not None
    holdtime = int(pbx.now() - entry.joined)
    position = queue.position(entry)
    pbx.emit(qev.queue_caller_abandon(chan.snapshot(), queue.name, position, entry.original_position, holdtime))
    queue.record_abandon(holdtime)
    pbx.emit(ev.moh_stop(chan.snapshot()))
    queue.leave(entry)
    pbx.emit(qev.queue_caller_leave(chan.snapshot(), queue.name, position, len(queue.entries)))
    chan.variables["QUEUESTATUS"] = "TIMEOUT"
    pbx.queue_changed()
    return TIMEOUT


def _leave(pbx: Pbx, call: SimCall, queue: QueueState, entry: Entry) -> str:
    """Redirected out of the queue: it leaves without abandoning."""
    chan = call.chan
    assert chan is not None
    pbx.emit(ev.moh_stop(chan.snapshot()))
    position = queue.leave(entry)
    pbx.emit(qev.queue_caller_leave(chan.snapshot(), queue.name, position, len(queue.entries)))
    pbx.queue_changed()
    return REDIRECTED


def _to_int(value: str | None) -> int:
    try:
        return int((value or "0").strip())
    except ValueError:
        return 0

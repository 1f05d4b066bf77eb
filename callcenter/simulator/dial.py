"""``Dial(<interface>,<seconds>,g)`` for one caller: a ladder's agent step (the account manager...).

Theory of operation. The dialled interface rings as a queue member's would (:mod:`.ringing`: a Local
pair for ``Local/...``), with ``DialBegin``/``DialEnd`` but no ``Agent*`` events: app_dial is not
app_queue. While it rings or talks the device is in use, so app_queue does not offer the same phone
another call. The first of these decides: the phone answers (its :class:`PhoneSettings`), the ring
time ends (``NOANSWER``), the phone rejects (``BUSY``), the caller hangs up (``CANCEL``, the call ends)
or a ``Redirect``. After an answer the conversation lasts until one side hangs up: the caller (the
call ends, :data:`COMPLETED`) or the agent (option ``g``: the dialplan goes on, ``DIALSTATUS=ANSWER``).
When the caller hangs up, app_dial hangs up the peer it dialled before its own channel leaves the
dialplan: ``Hangup`` of caller ``;1``, agent ``;1``, agent ``;2``, caller ``;2`` (seen on Asterisk 22.10.1,
issue 9), unlike app_queue, whose caller ``;2`` ends before the member's leg (``queue_call.ami.txt``).

``dial_exec`` returns the ``DIALSTATUS`` when the dialplan goes on, :data:`REDIRECTED`, or a final
outcome (:data:`COMPLETED`, :data:`ABANDONED`) when the caller is gone.
"""
from __future__ import annotations

from . import events as ev
from .calls import ABANDONED, COMPLETED, REDIRECTED, SimCall, wait_any
from .channels import Bridge, new_bridge
from .pbx import Pbx
from .queues import DEVICE_INUSE, DEVICE_NOT_INUSE, member_or_phone
from .ringing import MemberLeg, abort, answer, hang_up_agent_side, start_dial
from .atxfer import attended_hook
from .transfer_events import blind_transferred

ANSWER, NOANSWER, BUSY, CHANUNAVAIL = "ANSWER", "NOANSWER", "BUSY", "CHANUNAVAIL"


def _set_in_call(pbx: Pbx, state_interface: str, in_call: bool) -> None:
    for queue in pbx.queues.values():
        for member in queue.members.values():
            if member.state_interface == state_interface:
                member.in_call = in_call


async def dial_exec(pbx: Pbx, call: SimCall, interface: str, seconds: float | None) -> str:
    chan = call.chan
    assert chan is not None
    if not interface:
        chan.variables["DIALSTATUS"] = CHANUNAVAIL
        return CHANUNAVAIL
    member = member_or_phone(pbx.queues.values(), interface)
    chan.application, chan.app_data = "Dial", f"{interface},{seconds or ''},g"
    call.phase = "dialing"
    busy = member.ringing_for is not None or pbx.device(member.state_interface) != DEVICE_NOT_INUSE
    leg = start_dial(pbx, chan, member, call.call_id)
    if busy:                                   # ringinuse=no has no say here, but the phone is busy
        abort(pbx, chan, leg, (BUSY,))
        chan.variables["DIALSTATUS"] = BUSY
        return BUSY
    ring_for = seconds if seconds is not None else float("inf")
    after = leg.answer_after(pbx.timing.answer_after)
    await wait_any([call.caller_gone, call.redirect, leg.gone], min(ring_for, after if after is not None else ring_for))
    if call.hung_up:
        pbx.caller_hangup_requests(call)
        pbx.drop_front(call)
        abort(pbx, chan, leg, ("CANCEL",))
        pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
        pbx.hangup_channel(chan, call.cause)
        call.finish(ABANDONED)
        return ABANDONED
    if call.redirect.done():
        abort(pbx, chan, leg, ("CANCEL",))
        return REDIRECTED
    if leg.gone.done():
        abort(pbx, chan, leg, (BUSY,))
        chan.variables["DIALSTATUS"] = BUSY
        return BUSY
    if after is None or after > ring_for:
        abort(pbx, chan, leg, (NOANSWER,))
        chan.variables["DIALSTATUS"] = NOANSWER
        return NOANSWER
    return await _talk(pbx, call, leg)


async def _talk(pbx: Pbx, call: SimCall, leg: MemberLeg) -> str:
    chan = call.chan
    assert chan is not None
    answer(pbx, chan, leg)
    member = leg.member
    bridge = new_bridge()
    pbx.emit(ev.bridge_create(bridge))
    leg.dial.bridge_id = chan.bridge_id = bridge.uniqueid
    pbx.emit(ev.bridge_enter(bridge, 1, leg.dial.snapshot()))
    pbx.emit(ev.bridge_enter(bridge, 2, chan.snapshot()))
    call.bridge, call.leg = bridge, leg
    pbx.set_device(member.state_interface, DEVICE_INUSE)
    _set_in_call(pbx, member.state_interface, True)
    call.agent_interface, call.phase = member.interface, "connected"
    call.answered.set()
    chan.variables["DIALSTATUS"] = ANSWER
    settings = leg.settings
    talk = next(t for t in (call.talk_seconds, settings.talk_seconds, pbx.timing.talk_seconds) if t is not None)
    side = call.hangup_by or settings.hangup_by or "caller"
    if not await wait_any([call.caller_gone, leg.gone, call.redirect], talk):
        if side == "agent":
            leg.hang_up(16)
        else:
            call.hang_up(16)
    _set_in_call(pbx, member.state_interface, False)
    outcome = await attended_hook(pbx, call, bridge, leg, None, ANSWER)
    if outcome is not None:                            # an Atxfer completed, or the caller left while held
        return outcome
    if call.hung_up:
        return _caller_left(pbx, call, bridge, leg)
    call.bridge = call.leg = None
    if call.redirect.done() and call.transfer is not None:     # BlindTransfer (app_dial: no Agent* events)
        return blind_transferred(pbx, call, bridge, leg, None)
    if call.redirect.done():
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.bridge_destroy(bridge))
        if call.parked_leg is not leg:                 # not kept by a Redirect's ExtraChannel (hold)
            hang_up_agent_side(pbx, leg, 16)
        chan.bridge_id = ""
        return REDIRECTED
    cause = leg.gone.result()
    pbx.emit(ev.bridge_leave(bridge, 1, leg.dial.snapshot()))
    hang_up_agent_side(pbx, leg, cause)
    pbx.set_device(member.state_interface, DEVICE_NOT_INUSE)
    pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    chan.bridge_id = ""
    return ANSWER


def _caller_left(pbx: Pbx, call: SimCall, bridge: Bridge, leg: MemberLeg) -> str:
    """The caller hung up while talking: app_dial ends its peer first, then the caller's channel."""
    chan = call.chan
    assert chan is not None
    pbx.caller_hangup_requests(call)          # SoftHangupRequest ;1, HangupRequest ;2 (queue_call.ami.txt)
    pbx.drop_front(call)                      # Hangup caller ;1
    pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
    pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    hang_up_agent_side(pbx, leg, 16)          # Hangup agent ;1, agent ;2
    pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
    pbx.hangup_channel(chan, call.cause)      # Hangup caller ;2
    call.finish(COMPLETED)
    return COMPLETED

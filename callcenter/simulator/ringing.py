"""Agent legs: ringing a queue member's interface, answering, cancelling and hanging up.

Theory of operation. A member interface ``Local/1001@agent-phones/n`` rings as a new Local pair
``Local/1001@agent-phones-XXXXXXXX;1/;2``; the ``;1`` half is the dialled channel (``DestChannel`` of
``AgentCalled``/``DialBegin``), the ``;2`` half stands for the agent's phone. Any other interface
(``PJSIP/1001``) rings as one channel ``PJSIP/1001-0000000N``. The phone's :class:`PhoneSettings` decide
whether it shows "Ringing" (``Newstate`` 5, ``DialState RINGING`` and the device in use), when it answers
and for how long the agent talks. A leg's ``gone`` future is resolved when the agent side hangs up
(an AMI ``Hangup`` on one of its channels, or the agent ending the conversation).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from . import events as ev
from .calls import COMPLETED, SimCall
from .channels import STATE_RINGING, STATE_UP, Bridge, Channel, parse_local
from .config import PhoneSettings
from .pbx import Pbx
from .queue_events import agent_called
from .queues import DEVICE_INUSE, DEVICE_NOT_INUSE, DEVICE_RINGING, Member

# The [agent-phones] context of extensions.conf: priority 1 NoOp, 2 Dial (the phone answers there).
AGENT_ANSWER_PRIORITY = 2
OTHER_TECH_CONTEXT = "default"


class MemberLeg:
    def __init__(self, pbx: Pbx, queue: str, member: Member, dial: Channel, phone: Channel) -> None:
        self.queue = queue
        self.member = member
        self.dial = dial                 # the channel app_queue dialled (;1 of a Local pair)
        self.phone = phone               # the agent's phone (;2 of a Local pair, or the same channel)
        self.settings: PhoneSettings = pbx.phone(member.interface)
        self.started = pbx.now()
        self.answered_at: float | None = None
        self.gone: asyncio.Future[int] = pbx.loop.create_future()
        self.showed_ringing = False
        self.connected_line_sent = False
        # An AMI Hangup of the ;1 half (``dial`` of a Local pair) rather than of the phone side: app_queue
        # does not see it as the agent ending the call (see app_queue._connect).
        self.dial_half_hung_up = False
        # Resolved when a Bridge action takes the leg out of its Wait() in [cc-hold-agent].
        self.unparked: asyncio.Future[None] | None = None
        dial.owner = phone.owner = self

    @property
    def is_local(self) -> bool:
        return self.dial is not self.phone

    def answer_after(self, default: float) -> float | None:
        """Seconds after the start of ringing at which the phone answers; ``None``: it never does."""
        if not self.settings.answers:
            return None
        return self.settings.answer_after if self.settings.answer_after is not None else default

    def hang_up(self, cause: int = 16) -> None:
        if not self.gone.done():
            self.gone.set_result(cause)

    def hang_up_channel(self, chan: Channel, cause: int = 16) -> None:
        """An AMI ``Hangup`` of one of the leg's channels."""
        if chan is self.dial and self.is_local and not self.gone.done():
            self.dial_half_hung_up = True
        self.hang_up(cause)


def _mark_ringing(pbx: Pbx, state_interface: str, call_id: str | None) -> None:
    for queue in pbx.queues.values():
        for member in queue.members.values():
            if member.state_interface == state_interface:
                member.ringing_for = call_id


def _new_leg(pbx: Pbx, caller: Channel, queue: str, member: Member, app: str) -> MemberLeg:
    cid = (caller.caller_num, caller.caller_name)
    local = parse_local(member.interface)
    if local is not None:
        one, two = pbx.channels.new_local_pair(local[0], local[1], linkedid=caller.linkedid)
        pbx.announce_local_pair(one, two, cid, connected_one=False)
        one.application, one.app_data = app, "(Outgoing Line)"
        two.application, two.app_data = "Dial", f"PJSIP/{local[0]}"
        return MemberLeg(pbx, queue, member, one, two)
    chan = pbx.channels.new_channel(member.interface, OTHER_TECH_CONTEXT, "s", linkedid=caller.linkedid)
    pbx.emit(ev.newchannel(chan.snapshot()))
    chan.caller_num, chan.caller_name = cid
    pbx.emit(ev.newcallerid(chan.snapshot()))
    chan.application, chan.app_data = app, "(Outgoing Line)"
    return MemberLeg(pbx, queue, member, chan, chan)


def start_ring(pbx: Pbx, caller: Channel, queue: str, member: Member, call_id: str) -> MemberLeg:
    """Create the member's leg and emit AgentCalled/DialBegin (and the ringing indication)."""
    cid = (caller.caller_num, caller.caller_name)
    leg = _new_leg(pbx, caller, queue, member, "AppQueue")
    dial_before = leg.dial.snapshot()
    # app_queue copies the caller's extension and connected line onto the outgoing channel before
    # AgentCalled; DialBegin still carries the earlier snapshot (seen in the recordings).
    leg.dial.exten = caller.exten
    leg.dial.connected_num, leg.dial.connected_name = cid
    pbx.emit(agent_called(caller.snapshot(), leg.dial.snapshot(), queue, member.interface, member.name))
    pbx.emit(ev.dial_begin(caller.snapshot(), dial_before, member.interface))
    _signal(pbx, caller, leg, member, call_id)
    return leg


def start_dial(pbx: Pbx, caller: Channel, member: Member, call_id: str) -> MemberLeg:
    """``Dial(<interface>)`` from the dialplan: like a queue ring without the Agent* events. app_dial's
    ``DialString`` is the resource after the technology (``1001@agent-phones/n``)."""
    leg = _new_leg(pbx, caller, "", member, "AppDial")
    pbx.emit(ev.dial_begin(caller.snapshot(), leg.dial.snapshot(), member.interface.split("/", 1)[-1]))
    leg.dial.connected_num, leg.dial.connected_name = caller.caller_num, caller.caller_name
    _signal(pbx, caller, leg, member, call_id)
    return leg


def _signal(pbx: Pbx, caller: Channel, leg: MemberLeg, member: Member, call_id: str) -> None:
    _mark_ringing(pbx, member.state_interface, call_id)
    signals = leg.settings.signals_ringing
    if signals is None:
        signals = not leg.settings.answers
    if signals:
        show_ringing(pbx, caller, leg)


def show_ringing(pbx: Pbx, caller: Channel, leg: MemberLeg) -> None:
    leg.showed_ringing = True
    leg.dial.state = STATE_RINGING
    pbx.emit(ev.newstate(leg.dial.snapshot()))
    pbx.emit(ev.newconnectedline(leg.dial.snapshot()))
    leg.connected_line_sent = True
    pbx.set_device(leg.member.state_interface, DEVICE_INUSE if leg.is_local else DEVICE_RINGING)
    pbx.emit(ev.dial_state(caller.snapshot(), leg.dial.snapshot(), "RINGING"))


def answer(pbx: Pbx, caller: Channel, leg: MemberLeg) -> None:
    """The phone picks up: Newstate Up on both halves, DialEnd ANSWER."""
    leg.answered_at = pbx.now()
    _mark_ringing(pbx, leg.member.state_interface, None)
    if leg.is_local:
        leg.phone.priority = AGENT_ANSWER_PRIORITY
        pbx.set_state(leg.phone, STATE_UP)
    pbx.set_state(leg.dial, STATE_UP)
    if not leg.connected_line_sent:
        pbx.emit(ev.newconnectedline(leg.dial.snapshot()))
        leg.connected_line_sent = True
    pbx.emit(ev.dial_end(caller.snapshot(), leg.dial.snapshot(), "ANSWER"))


def abort(pbx: Pbx, caller: Channel, leg: MemberLeg, statuses: tuple[str, ...]) -> None:
    """Stop ringing: DialEnd with each status (NOANSWER then CANCEL on a timeout), the leg hangs up."""
    for status in statuses:
        pbx.emit(ev.dial_end(caller.snapshot(), leg.dial.snapshot(), status))
    _mark_ringing(pbx, leg.member.state_interface, None)
    if leg.is_local:
        pbx.emit(ev.hangup_request(leg.phone.snapshot(), 0))
        pbx.hangup_channel(leg.dial, 0)
        pbx.emit(ev.soft_hangup_request(leg.phone.snapshot(), 16))
        pbx.hangup_channel(leg.phone, 0)
    else:
        pbx.hangup_channel(leg.dial, 0)
    pbx.set_device(leg.member.state_interface, DEVICE_NOT_INUSE)
    pbx.queue_changed()


def caller_left_the_bridge(pbx: Pbx, call: SimCall, bridge: Bridge, leg: MemberLeg,
                           complete: Callable[[str], None] | None = None) -> str:
    """The caller hung up while talking to the agent (order of ``queue_call.ami.txt``); app_queue's
    ``complete`` emits ``AgentComplete Reason: caller`` at its place (app_dial has none)."""
    chan = call.chan
    assert chan is not None
    pbx.caller_hangup_requests(call)
    if complete is not None:
        complete("caller")
    pbx.drop_front(call)
    pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
    pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
    pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
    pbx.hangup_channel(chan, call.cause)
    pbx.emit(ev.bridge_destroy(bridge))
    hang_up_agent_side(pbx, leg, 16)
    call.finish(COMPLETED)
    return COMPLETED


def hang_up_agent_side(pbx: Pbx, leg: MemberLeg, cause: int = 16) -> None:
    """After the caller left the bridge: the agent's channels hang up, the device becomes free."""
    if pbx.channels.get(leg.dial.name) is not leg.dial and pbx.channels.get(leg.phone.name) is not leg.phone:
        return                                   # already gone (a parked leg hung up twice)
    if leg.is_local:
        pbx.emit(ev.hangup_request(leg.phone.snapshot(), cause))
        pbx.hangup_channel(leg.dial, cause)
        pbx.set_device(leg.member.state_interface, DEVICE_NOT_INUSE)
        pbx.emit(ev.soft_hangup_request(leg.phone.snapshot(), 16))
        pbx.hangup_channel(leg.phone, cause)
    else:
        pbx.emit(ev.hangup_request(leg.dial.snapshot(), cause))
        pbx.hangup_channel(leg.dial, cause)
        pbx.set_device(leg.member.state_interface, DEVICE_NOT_INUSE)

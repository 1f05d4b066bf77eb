"""``Atxfer``: an attended transfer of a connected caller, as ``atxfer.ami.txt`` recorded it.

Theory of operation. ``Atxfer`` on the agent's leg (the ``;1`` half app_queue / app_dial bridged with
the caller) runs the atxfer feature: the feature code and the target's digits arrive on that leg as
``DTMFEnd`` (``Direction: Received``), the agent's leg puts the caller on hold (``Hold`` on the agent's
leg, ``MusicOnHoldStart`` on the caller) and a consultation pair ``Local/<exten>@<context>-XXXXXXXX;1/;2``
is created; its ``;1`` half waits in a new basic bridge, the agent's leg moves there, and the ``;2`` half
runs ``[transfer]`` (an agent login rings ``[agent-phones]``, a ``*``-prefixed number ``[customer-phones]``). The
answer shows as a ``DialEnd`` with no calling channel (there is no ``DialBegin``).

One :class:`Consultation` task drives the consultation; the caller's task (app_queue ``_connect`` or
app_dial ``_talk``) still waits for the caller, the agent's leg or a redirect, and asks
:func:`attended_hook` what happened:

* the agent's leg hangs up (AMI ``Hangup``, the transferer "hangs up"): the transfer completes in the
  recorded order (``BridgeMerge``, the target into the caller's bridge, ``AttendedTransfer``,
  ``AgentComplete Reason: transfer``, the agent's channels hang up); the caller then talks to the
  consultation leg (a :class:`MemberLeg`, so hold / transfer / hang up keep working) until one hangs up;
* the consultation leg hangs up (AMI ``Hangup``, also the ``/regex/`` form), is not answered within
  ``atxfernoanswertimeout`` (15 s), or the phone refuses: Asterisk's *rebridge* -- the agent's leg goes
  back to the caller's bridge, ``Unhold`` on it, ``MusicOnHoldStop`` on the caller, the consultation
  bridge goes away;
* the caller hangs up while held: app_queue's ``AgentComplete Reason: caller``; the agent and the target
  stay together until one of them hangs up (or the default talk time ends).

Simplification (not recorded): the agent's leg hanging up *before* the target answered cancels the
consultation and ends the agent's part like a plain agent hang-up (Asterisk would do a "blond" transfer).
Simplification (not recorded): an extension ``[transfer]`` does not have is refused with an error
(Asterisk acknowledges the action, then the atxfer feature fails after its dial attempts).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import events as ev
from .calls import COMPLETED, SimCall, wait_any
from .channels import STATE_UP, Bridge, Channel, new_bridge
from .pbx import Pbx
from .protocol import Pairs, error, header, success
from .queues import member_or_phone
from .ringing import AGENT_ANSWER_PRIORITY, MemberLeg, _mark_ringing, hang_up_agent_side
from .transfer_context import CUSTOMER_PHONES, phone_destination

ATXFER_NOANSWER_SECONDS = 15.0          # features.conf atxfernoanswertimeout (Asterisk's default)
FEATURE_CODE = "*2"                     # features.conf [featuremap] atxfer, as in the recording


def transfer_event(transferer: Any, second: Any, transferee: Any, target: Any, orig: Bridge, orig_count: int,
                   second_bridge: Bridge) -> ev.Event:
    return ev.Event("AttendedTransfer", "call", (
        ("Result", "Success"), *ev.snapshot_headers(transferer, "OrigTransferer"),
        *[(f"Orig{k}", v) for k, v in ev.bridge_headers(orig, orig_count)],
        *ev.snapshot_headers(second, "SecondTransferer"),
        *[(f"Second{k}", v) for k, v in ev.bridge_headers(second_bridge, 0)],
        *ev.snapshot_headers(transferee, "Transferee"), *ev.snapshot_headers(target, "TransferTarget"),
        ("IsExternal", "No"), ("DestType", "Bridge"), ("DestBridgeUniqueid", orig.uniqueid)))


def bridge_merge(to: Bridge, to_count: int, source: Bridge, source_count: int) -> ev.Event:
    return ev.Event("BridgeMerge", "call", (*[(f"To{k}", v) for k, v in ev.bridge_headers(to, to_count)],
                                            *[(f"From{k}", v) for k, v in ev.bridge_headers(source, source_count)]))


def hold_event(name: str, s: Any) -> ev.Event:
    return ev.Event(name, "call", tuple(ev.snapshot_headers(s)))


def var_set(s: Any, variable: str, value: str) -> ev.Event:
    return ev.Event("VarSet", "dialplan", (*ev.snapshot_headers(s), ("Variable", variable), ("Value", value)))


def dtmf(s: Any, digit: str) -> ev.Event:
    return ev.Event("DTMFEnd", "dtmf", (*ev.snapshot_headers(s), ("Digit", digit), ("DurationMs", "0"),
                                        ("Direction", "Received")))


class Consultation:
    """One attended transfer in progress: the consultation pair, its bridge and what became of it."""

    def __init__(self, pbx: Pbx, call: SimCall, agent: MemberLeg, orig: Bridge, context: str, exten: str) -> None:
        self.pbx, self.call, self.agent, self.orig = pbx, call, agent, orig
        self.context, self.exten = context, exten
        self.bridge = new_bridge()
        self.target: MemberLeg | None = None
        self.answered = False
        self.done = False                 # completed (by the caller's task) or cancelled
        self.orphaned = False             # the caller hung up: agent and target talk on

    # -- setting up (order of atxfer.ami.txt) -----------------------------------------------------------
    def start(self) -> None:
        pbx, call, agent = self.pbx, self.call, self.agent
        caller = call.chan
        assert caller is not None
        pbx.emit(var_set(agent.dial.snapshot(), "TRANSFER_CONTEXT", self.context))
        for digit in FEATURE_CODE:
            pbx.emit(dtmf(agent.dial.snapshot(), digit))
        pbx.emit(hold_event("Hold", agent.dial.snapshot()))
        pbx.emit(ev.moh_start(caller.snapshot()))
        for digit in self.exten:
            pbx.emit(dtmf(agent.dial.snapshot(), digit))
        one, two = pbx.channels.new_local_pair(self.exten, self.context, linkedid=caller.linkedid)
        pbx.emit(ev.newchannel(one.snapshot()))
        pbx.emit(ev.newchannel(two.snapshot()))
        pbx.emit(ev.bridge_create(self.bridge))
        two.caller_num, two.caller_name = caller.caller_num, caller.caller_name
        pbx.emit(ev.newcallerid(two.snapshot()))
        pbx.emit(ev.local_bridge(one.snapshot(), two.snapshot(), self.context, self.exten))
        phones, number = phone_destination(self.exten) or (CUSTOMER_PHONES, self.exten)
        two.at(phones, number, 1, "NoOp", "")
        one.connected_num, one.connected_name = caller.caller_num, caller.caller_name
        pbx.emit(ev.newconnectedline(one.snapshot()))
        self.target = MemberLeg(pbx, "", member_or_phone(pbx.queues.values(), f"Local/{number}@{phones}/n"),
                                one, two)
        _mark_ringing(pbx, self.target.member.state_interface, call.call_id)
        one.bridge_id = self.bridge.uniqueid
        pbx.emit(ev.bridge_enter(self.bridge, 1, one.snapshot()))
        pbx.emit(ev.bridge_leave(self.orig, 1, agent.dial.snapshot()))
        agent.dial.bridge_id = self.bridge.uniqueid
        pbx.emit(ev.bridge_enter(self.bridge, 2, agent.dial.snapshot()))
        pbx.emit(ev.newconnectedline(agent.dial.snapshot()))
        call.consult = self
        pbx.spawn(self.run(), name=f"atxfer-{one.name}")

    # -- the consultation task ---------------------------------------------------------------------------
    async def run(self) -> None:
        pbx, target = self.pbx, self.target
        assert target is not None
        after = target.answer_after(pbx.timing.answer_after)
        give_up = pbx.now() + ATXFER_NOANSWER_SECONDS
        while not self.done:
            if self.orphaned:
                await wait_any([self.agent.gone, target.gone], pbx.timing.talk_seconds)
                self._end_orphaned()
                return
            if self.agent.gone.done():
                return                               # the caller's task completes (attended_hook)
            if target.gone.done():
                self._rebridge(target.gone.result())
                return
            if not self.answered:
                now = pbx.now()
                if after is not None and now >= target.started + after:
                    self._answer()
                    continue
                if now >= give_up:
                    self._rebridge(16)
                    return
                wake = min(give_up, target.started + after if after is not None else give_up) - now
                await wait_any([self.agent.gone, target.gone, self.call.caller_gone], wake)
            else:
                await wait_any([self.agent.gone, target.gone, self.call.caller_gone], None)
            if self.call.hung_up and not self.done:
                self.orphaned = True

    def _answer(self) -> None:
        pbx, target = self.pbx, self.target
        assert target is not None
        self.answered = True
        target.answered_at = pbx.now()
        target.phone.priority = AGENT_ANSWER_PRIORITY + 1
        pbx.set_state(target.phone, STATE_UP)
        pbx.set_state(target.dial, STATE_UP)
        pbx.emit(ev.dial_end(None, target.dial.snapshot(), "ANSWER"))

    def _hang_up_target(self, cause: int) -> None:
        target = self.target
        assert target is not None
        if self.pbx.channels.get(target.dial.name) is target.dial:
            self.pbx.emit(ev.hangup_request(target.dial.snapshot(), cause))
            self.pbx.emit(ev.bridge_leave(self.bridge, 1, target.dial.snapshot()))
            target.dial.bridge_id = ""
            self.pbx.hangup_channel(target.dial, cause)
        if self.pbx.channels.get(target.phone.name) is target.phone:
            self.pbx.emit(ev.soft_hangup_request(target.phone.snapshot(), 16))
            self.pbx.hangup_channel(target.phone, cause)
        _mark_ringing(self.pbx, target.member.state_interface, None)

    def _rebridge(self, cause: int) -> None:
        """Cancelled, not answered, or the target hung up: the agent goes back to the caller."""
        pbx, agent, call = self.pbx, self.agent, self.call
        self.done = True
        self._hang_up_target(cause)
        pbx.emit(ev.bridge_leave(self.bridge, 0, agent.dial.snapshot()))
        agent.dial.bridge_id = self.orig.uniqueid
        pbx.emit(ev.bridge_enter(self.orig, 2, agent.dial.snapshot()))
        pbx.emit(hold_event("Unhold", agent.dial.snapshot()))
        if call.chan is not None:
            pbx.emit(ev.moh_stop(call.chan.snapshot()))
        pbx.emit(ev.bridge_destroy(self.bridge))
        call.consult = None

    def _end_orphaned(self) -> None:
        self.done = True
        pbx = self.pbx
        if pbx.channels.get(self.agent.dial.name) is self.agent.dial:
            pbx.emit(ev.bridge_leave(self.bridge, 1, self.agent.dial.snapshot()))
            hang_up_agent_side(pbx, self.agent, 16)
        self._hang_up_target(16)
        pbx.emit(ev.bridge_destroy(self.bridge))


# ---------------------------------------------------------------------------------- the caller's side
async def attended_hook(pbx: Pbx, call: SimCall, bridge: Bridge, winner: MemberLeg,
                        complete: Callable[[str], None] | None, on_hangup: str) -> str | None:
    """Called by app_queue / app_dial when their wait ends: ``None`` when no consultation is involved
    (or it was undone), else what ``queue_exec`` / ``dial_exec`` return."""
    consult = call.consult
    if not isinstance(consult, Consultation) or consult.done:
        return None
    chan = call.chan
    assert chan is not None
    if call.hung_up:                                   # the caller gave up while held
        consult.orphaned = True
        call.consult = None
        pbx.caller_hangup_requests(call)
        if complete is not None:
            complete("caller")
        pbx.drop_front(call)
        pbx.emit(ev.moh_stop(chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
        pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
        pbx.hangup_channel(chan, call.cause)
        pbx.emit(ev.bridge_destroy(bridge))
        call.finish(COMPLETED)
        return COMPLETED
    if not winner.gone.done():
        return None
    if not consult.answered:                           # simplification: no blond transfer
        consult._rebridge(16)
        return None
    return await _completed(pbx, call, consult, bridge, winner, complete, on_hangup)


async def _completed(pbx: Pbx, call: SimCall, consult: Consultation, bridge: Bridge, winner: MemberLeg,
                     complete: Callable[[str], None] | None, on_hangup: str) -> str:
    chan, target = call.chan, consult.target
    assert chan is not None and target is not None
    consult.done = True
    call.consult = None
    # atxfer.ami.txt: BridgeMerge, the target moves into the caller's bridge, the agent leaves, the
    # caller's hold ends, AttendedTransfer, AgentComplete Reason: transfer, the agent's channels go.
    pbx.emit(bridge_merge(bridge, 1, consult.bridge, 2))
    pbx.emit(ev.bridge_leave(consult.bridge, 1, target.dial.snapshot()))
    target.dial.bridge_id = bridge.uniqueid
    pbx.emit(ev.bridge_enter(bridge, 2, target.dial.snapshot()))
    pbx.emit(ev.bridge_leave(consult.bridge, 0, winner.dial.snapshot()))
    winner.dial.bridge_id = ""
    pbx.emit(ev.moh_stop(chan.snapshot()))
    pbx.emit(transfer_event(winner.dial.snapshot(), winner.dial.snapshot(), chan.snapshot(), target.dial.snapshot(),
                            bridge, 2, consult.bridge))
    if complete is not None:
        complete("transfer")
    pbx.emit(ev.newconnectedline(chan.snapshot()))
    pbx.emit(ev.bridge_destroy(consult.bridge))
    hang_up_agent_side(pbx, winner, 16)
    call.leg, call.bridge = target, bridge
    call.agent_interface = target.member.interface
    return await _talk_on(pbx, call, bridge, target, on_hangup)


async def _talk_on(pbx: Pbx, call: SimCall, bridge: Bridge, leg: MemberLeg, on_hangup: str) -> str:
    """The caller and the transfer target talk until one hangs up (as after app_dial's answer);
    *on_hangup*: what Queue() / Dial() return when the target hangs up first."""
    from .transfer_events import blind_transferred
    chan = call.chan
    assert chan is not None
    settings = leg.settings
    talk = next(t for t in (call.talk_seconds, settings.talk_seconds, pbx.timing.talk_seconds) if t is not None)
    if not await wait_any([call.caller_gone, leg.gone, call.redirect], talk):
        if (call.hangup_by or settings.hangup_by or "caller") == "agent":
            leg.hang_up(16)
        else:
            call.hang_up(16)
    _mark_ringing(pbx, leg.member.state_interface, None)
    call.bridge = call.leg = None
    if call.hung_up:                                   # order of atxfer.ami.txt after the transfer
        pbx.caller_hangup_requests(call)
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.drop_front(call)
        pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
        pbx.hangup_channel(chan, call.cause)
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.bridge_destroy(bridge))
        hang_up_agent_side(pbx, leg, 16)
        call.finish(COMPLETED)
        return COMPLETED
    if call.redirect.done() and call.transfer is not None:
        return blind_transferred(pbx, call, bridge, leg, None)
    if call.redirect.done():
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.bridge_destroy(bridge))
        if call.parked_leg is not leg:
            hang_up_agent_side(pbx, leg, 16)
        chan.bridge_id = ""
        return "redirected"
    cause = leg.gone.result()
    pbx.emit(ev.bridge_leave(bridge, 1, leg.dial.snapshot()))
    hang_up_agent_side(pbx, leg, cause)
    pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    chan.bridge_id = ""
    if call.queue:
        chan.variables["QUEUESTATUS"] = "CONTINUE"      # option c: the caller goes on in the dialplan
    return on_hangup


# ---------------------------------------------------------------------------------- AMI actions
async def action_atxfer(session: Any, frame: Pairs) -> None:
    pbx = session.pbx
    name, context, exten = header(frame, "Channel"), header(frame, "Context"), header(frame, "Exten")
    if not name:
        session.send(error(frame, "No channel specified"))
        return
    if not exten:
        session.send(error(frame, "No extension specified"))
        return
    chan = pbx.channels.get(name)
    if chan is None:
        session.send(error(frame, "Channel specified does not exist"))
        return
    leg = chan.owner if isinstance(chan.owner, MemberLeg) else None
    call = next((c for c in pbx.calls.values() if c.outcome is None and leg is not None and c.leg is leg), None)
    if call is None or call.bridge is None or call.consult is not None or call.redirect.done():
        session.send(error(frame, "Atxfer failed"))
        return
    if phone_destination(exten) is None:
        session.send(error(frame, f"Atxfer failed: no extension {exten} in [transfer]"))
        return
    session.send(success(frame, "Atxfer successfully queued"))
    Consultation(pbx, call, leg, call.bridge, context or chan.context, exten).start()


def _matching(pbx: Pbx, name: str) -> list[Channel]:
    if len(name) > 2 and name.startswith("/") and name.endswith("/"):
        try:
            pattern = re.compile(name[1:-1])
        except re.error:
            return []
        return [c for c in pbx.channels if pattern.search(c.name)]
    chan = pbx.channels.get(name)
    return [chan] if chan is not None else []


async def action_hangup(session: Any, frame: Pairs) -> None:
    """AMI ``Hangup`` with the ``/regex/`` form of ``Channel`` Asterisk 22 accepts ("Channels hung up: N");
    an exact name goes to the core action."""
    from .ami_actions import action_hangup as exact
    name = header(frame, "Channel")
    if not (len(name) > 2 and name.startswith("/") and name.endswith("/")):
        await exact(session, frame)
        return
    chans = _matching(session.pbx, name)
    session.send(success(frame, f"Channels hung up: {len(chans)}"))
    cause = int(header(frame, "Cause") or 0) if (header(frame, "Cause") or "0").isdigit() else 0
    for chan in chans:
        owner = chan.owner
        by_channel = getattr(owner, "hang_up_channel", None)
        if by_channel is not None:
            by_channel(chan, cause)
        elif owner is not None and hasattr(owner, "hang_up"):
            owner.hang_up(cause)
        else:
            session.pbx.hangup_channel(chan, cause)


ATXFER_ACTIONS = {"Atxfer": action_atxfer, "Hangup": action_hangup}

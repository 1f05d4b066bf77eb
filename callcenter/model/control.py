"""Call control from the agent desk: hold / resume, blind transfer, hang up, click-to-dial.

``Model`` (``state.py``) inherits these handlers. Theory of operation:

* every command names only the agent; the model looks up *their* connected call and refuses clearly
  (an ``error`` frame with a stable id) when there is none, or when the command does not fit;
* **hold / resume**, and how a call taken out of app_queue's bridge ends: :mod:`callcenter.model.hold`;
* **blind transfer**: ``BlindTransfer`` on the agent's leg to ``[transfer]`` (exten: an agent login, a
  queue name or the number to dial). Asterisk answers with the ``BlindTransfer`` event
  (``CallTransferred``): the first agent's part completes at once (wrap-up, their own interaction
  row) and the call waits in TRANSFERRED for where the caller goes on: ``DialBegin`` to the new agent
  (the direct-ring path: pop, answer, wrap-up) or ``QueueCallerJoin`` in the new queue. The
  ``AgentComplete Reason: transfer`` that follows for a queue call belongs to the finished part;
* **hang up**: AMI ``Hangup`` of the agent's phone side (``actions.phone_side``: the ``;2`` half of a
  Local member), as the agent's own phone hanging up: app_queue says ``Reason: agent`` at once and
  option ``c`` lets the caller go on to the survey. (The ``;1`` half would leave app_queue waiting for
  the caller to leave the dialplan.) While held, the parked leg's phone side: ``hold.py`` then sends
  the caller on. A click-to-dial or callback hangs up its own leg (it runs the dialplan; no app_queue);
* **click-to-dial**: like a callback (``callbacks.py``): the agent is held out of the queues, an
  ``Originate`` rings their phone first (``ChannelId`` = the call id), then ``[customer-out]`` dials
  the number; the pop is built from ``identify(number)`` (``LookupCaller``) and an interaction row is
  kept with its status and times.

Attended transfer: :mod:`callcenter.model.consult` (completed by a Hangup of the ``;1`` half, as
``atxfer.actions.txt`` recorded).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import phonenumbers

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import actions
from callcenter.model.consult import ConsultHandlers, refusal
from callcenter.model.hold import HoldHandlers
from callcenter.model.entities import Agent, Call
from callcenter.model.members import pause_in_own_queues
from callcenter.model.tables import CALL_TRANSITIONS, Activity, AgentState, CallState

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]
OUTBOUND_REASON = "outbound"       # kept on the member while the agent's click-to-dial call runs
HOME_REGION = "CN"


def dial_digits(e164: str, region: str = HOME_REGION) -> str:
    """What the dialplan dials for an E.164 number: the national form at home, 00 + digits abroad."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in e164 if ch.isdigit())
    if phonenumbers.region_code_for_number(parsed) == region:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return "00" + e164.lstrip("+")


class ControlHandlers(ConsultHandlers, HoldHandlers):
    settings: Settings
    calls: dict[str, Call]
    agents: dict[int, Agent]
    legs: dict[str, str]
    ami_up: bool
    new_id: Callable[[], str]
    _touched: set[int]
    _new_call: Callable[..., Call]
    _record: Callable[[Call], fx.RecordInteraction]
    _call_completed: Callable[..., Effects]
    _agent_step: Callable[..., bool]
    _call_step: Callable[..., bool]
    _illegal: Callable[..., fx.Problem]
    _callback_attempt_failed: Callable[..., Effects]

    # ------------------------------------------------------------------ checks
    def connected_call(self, agent_id: int) -> tuple[Agent | None, Call | None, dict[str, Any] | None]:
        """The agent's connected call, or why there is none (a refusal for the desk)."""
        agent = self.agents.get(agent_id)
        if agent is None:
            return None, None, refusal("no-such-agent", "you are not a known agent", agent_id=agent_id)
        call = self.calls.get(agent.call_id) if agent.call_id else None
        if agent.activity is not Activity.ON_CALL or call is None or call.state is not CallState.CONNECTED:
            return agent, None, refusal("no-connected-call", "you have no connected call to control")
        if not self.ami_up:
            return agent, None, refusal("ami-unavailable", "the telephone system (AMI) is not connected")
        return agent, call, None

    def _refuse(self, agent_id: int, error: dict[str, Any]) -> Effects:
        return [fx.SendToAgent(agent_id, "error", error)]

    def _call_frame(self, agent: Agent, call: Call, now: datetime) -> fx.SendToAgent:
        return fx.SendToAgent(agent.info.agent_id, "call", {**call.pop(now), "state": "connected"})

    # ------------------------------------------------------------------ hang up
    def _hang_up_call(self, e: d.HangUpCall, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        call = self.calls.get(agent.call_id) if agent is not None and agent.call_id else None
        if call is not None and call.consult is not None and agent is not None:
            if call.consult.transferer == e.agent_id:
                return self._refuse(e.agent_id, refusal(
                    "consulting", "complete or cancel your attended transfer first"))
            if call.consult.target_agent == e.agent_id and call.consult.answered:
                # The target ends the consultation: the transferer is back with the caller.
                return [fx.AmiAction(actions.hangup(call.consult.leg_channel), e.agent_id)]
        if agent is None or call is None or agent.activity not in (Activity.ON_CALL, Activity.RINGING) \
                or (agent.activity is Activity.RINGING and not call.agent_first):
            return self._refuse(e.agent_id, refusal("no-connected-call", "you have no call to hang up"))
        if call.agent_first and call.state is CallState.DIALING:
            # A click-to-dial or callback still ringing: the agent's leg is the Originate's channel.
            channels = [call.agent_channel] if call.agent_channel else []
            if not channels:
                return self._refuse(e.agent_id, refusal("not-yet", "the call is not set up yet; try again"))
        elif call.agent_first:
            channels = [call.agent_channel or call.channel]
        elif call.held:
            channels = [actions.phone_side(call.parked or call.agent_channel)]
        else:
            channels = [actions.phone_side(call.agent_channel) if call.agent_channel else call.channel]
        return [fx.AmiAction(actions.hangup(ch), e.agent_id) for ch in channels if ch]

    # ------------------------------------------------------------------ transfer
    def _transfer(self, e: d.TransferCall, now: datetime) -> Effects:
        agent, call, error = self.connected_call(e.agent_id)
        if error is not None or call is None or agent is None:
            return self._refuse(e.agent_id, error or {})
        if call.held or not call.agent_channel or call.agent_first:
            return self._refuse(e.agent_id, refusal("cannot-transfer", "resume the call before transferring it"
                                                    if call.held else "this call cannot be transferred"))
        if e.kind == "attended" and e.to == "queue":
            return self._refuse(e.agent_id, refusal(
                "attended-transfer-to-queue", "an attended transfer goes to an agent or a number; "
                "transfer to a queue blind", target=e.target))
        exten, label = self._transfer_exten(agent, e)
        if not exten:
            return self._refuse(e.agent_id, refusal("no-such-target", label, to=e.to, target=e.target))
        if e.kind == "attended":
            return self._consult(agent, call, e, exten, label, now)
        call.route_log.append((f"transfer to {label}", f"转接至 {label}"))
        return [fx.AmiAction(actions.blind_transfer(call.agent_channel, exten), e.agent_id,
                             on_failure=d.ControlFailed(e.agent_id, call.call_id, "transfer")),
                self._record(call)]

    def _transfer_exten(self, agent: Agent, e: d.TransferCall) -> tuple[str, str]:
        """(the ``[transfer]`` extension, a label) or ("", why not)."""
        if e.to == "agent":
            target = next((a for a in self.agents.values() if a.info.login == e.target), None)
            if target is None or not target.info.interface:
                return "", f"no agent {e.target!r} with a phone"
            if target is agent:
                return "", "you cannot transfer a call to yourself"
            if target.state in (AgentState.LOGGED_OUT,) or target.activity is not Activity.IDLE:
                return "", f"agent {e.target} is not free ({target.state.value})"
            return target.info.login, target.info.name or target.info.login
        if e.to == "queue":
            if e.target not in self.settings.queues:
                return "", f"no queue {e.target!r}"
            return e.target, e.target
        if e.to == "number":
            return actions.TRANSFER_NUMBER_PREFIX + dial_digits(e.target), e.target
        return "", f"unknown transfer destination {e.to!r}"

    def _call_transferred(self, e: d.CallTransferred, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None:
            return []            # a transfer of a call we do not follow
        if call.state is not CallState.CONNECTED:
            return [fx.Problem("illegal call transition", {
                "call_id": call.call_id, "state": call.state.value, "event": type(e).__name__})]
        agent = self.agents.get(call.agent_id) if call.agent_id is not None else None
        talk = int((now - call.answered_at).total_seconds()) if call.answered_at else 0
        self.legs.pop(call.dial_leg, None)
        done = d.CallCompleted(call.call_id, call.queue, agent.info.interface if agent else "",
                               agent.info.login if agent else "", call.hold_seconds, talk, "transfer")
        effects = self._call_completed(done, now)      # the first agent's part: wrap-up, its own row
        # The caller goes on: a new part of the call, a new interaction row, the same pop card.
        call.state = CALL_TRANSITIONS[CallState.CONNECTED][type(e)]
        call.transfers += 1
        call.interaction_id = self.new_id()
        call.agent_id, call.dial_agent, call.dial_leg, call.agent_channel = None, None, "", ""
        call.answered_at, call.ended_at, call.held, call.talk_seconds = None, None, False, 0
        call.ringing = set()
        call.joined_at = now
        self._forget_hold(call)
        return effects + [self._record(call), fx.SupervisorsChanged()]

    # ------------------------------------------------------------------ click-to-dial
    def _dial_number(self, e: d.DialNumber, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        if agent is None or not agent.info.interface:
            return self._refuse(e.agent_id, refusal("no-phone", "you have no phone to dial from"))
        if agent.activity is not Activity.IDLE or agent.hold:
            return self._refuse(e.agent_id, refusal("agent-busy", "finish your current call before dialling",
                                                    state=agent.state.value))
        if not self.ami_up:
            return self._refuse(e.agent_id, refusal("ami-unavailable", "the telephone system (AMI) is not connected"))
        call = self._new_call(f"c2d-{self.new_id()[:16]}", now, CallState.DIALING)
        call.outbound = True
        call.caller_number, call.menu_choice, call.joined_at = e.number, "click-to-dial", now
        call.dial_agent = agent.info.agent_id
        call.ringing.add(agent.info.agent_id)
        name = agent.info.name or agent.info.login
        call.routing = {"case": "click-to-dial", "trace": {
            "en": f"Outbound call by {name}: their phone first, then {e.number}",
            "zh": f"{name} 点击拨号：先振铃坐席话机，再拨 {e.number}"}}
        agent.hold = OUTBOUND_REASON
        agent.activity, agent.call_id = Activity.RINGING, call.call_id
        self._touched.add(agent.info.agent_id)
        cfg = self.settings.callbacks
        caller_id = f'"{name}" <{agent.info.login}>'
        return [
            *pause_in_own_queues(agent, OUTBOUND_REASON),      # none when the agent is in no queue
            fx.AmiAction(actions.originate_callback(agent.info.interface, dial_digits(e.number), context=cfg.context,
                                                    channel_id=call.call_id, caller_id=caller_id,
                                                    ring_seconds=cfg.ring_seconds,
                                                    variables={"CC_CLICK_TO_DIAL": "1"}),
                         agent.info.agent_id, on_failure=d.ControlFailed(agent.info.agent_id, call.call_id, "dial",
                                                                         "originate refused")),
            fx.LookupCaller(call.call_id, e.number),
            fx.SendToAgent(agent.info.agent_id, "pop", call.pop(now)),
            self._record(call), fx.SupervisorsChanged(),
        ]

    # ------------------------------------------------------------------ failures
    def _control_failed(self, e: d.ControlFailed, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        effects: Effects = []
        if call is not None and e.action == "atxfer" and call.state is CallState.CONSULTING:
            effects += self._consult_refused(call, e, now)
        elif e.action in ("transfer_complete", "transfer_cancel"):
            effects.append(fx.SendToAgent(e.agent_id, "error", refusal(
                "transfer-failed", "the telephone system refused; try again", action=e.action)))
        elif call is not None and e.action in ("hold", "resume"):
            self._hold_refused(call, e.action)          # undo what was assumed
            agent = self.agents.get(e.agent_id)
            if agent is not None and agent.call_id == call.call_id and call.state is CallState.CONNECTED:
                effects.append(self._call_frame(agent, call, now))
        elif call is not None and e.action == "dial" and call.state is CallState.DIALING:
            effects += self._callback_attempt_failed(call, e.reason or "originate refused", now)
            effects.append(fx.SendToAgent(e.agent_id, "error", refusal("dial-failed", "the call could not be placed",
                                                                       number=call.caller_number)))
        return effects

"""Attended transfer from the agent desk, the part of call control that consults first.

``ControlHandlers`` (``control.py``) inherits these handlers. Theory of operation:

* **attended transfer** (``atxfer.ami.txt``): ``Atxfer`` on the agent's leg to ``[transfer]`` (an
  agent login or a number; a queue only blind). Asterisk holds the caller and rings the target in a
  consultation bridge with the agent: the call is CONSULTING, a target agent gets the customer's pop
  marked "consultation from <agent>" (RINGING, ON_CALL once the consultation leg's ``DialEnd ANSWER``
  comes: a DialEnd without a DialBegin). **Complete** = ``Hangup`` of the agent's leg (Asterisk's
  "transferer hangs up" completes it): ``AttendedTransfer`` (the caller now talks to the consultation
  leg) then ``AgentComplete Reason: transfer``; the first agent goes to wrap-up with their own row and
  the call goes on CONNECTED with the target as its agent (no AgentComplete will come for that part:
  it ends like a direct call, by the Hangup of the caller or of the target's leg). **Cancel** =
  ``Hangup`` of the consultation leg (its name, or the ``/regex/`` form while it still rings):
  Asterisk moves the agent back to the caller's bridge and sends ``Unhold`` for the agent's leg, as
  it does when the target hangs up or does not answer (``atxfernoanswertimeout``). Needs an atxfer
  code in ``features.conf`` and ``Queue()`` option ``t`` on a real Asterisk.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import actions
from callcenter.model.entities import Agent, Call, Consultation
from callcenter.model.members import keep_out_for_call
from callcenter.model.tables import CALL_TRANSITIONS, Activity, CallState

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]


def refusal(error_id: str, message: str, **details: Any) -> dict[str, Any]:
    return {"id": error_id, "message": message, "details": details}


class ConsultHandlers:
    settings: Settings
    calls: dict[str, Call]
    agents: dict[int, Agent]
    legs: dict[str, str]
    _touched: set[int]
    _record: Callable[[Call], fx.RecordInteraction]
    _call_completed: Callable[..., Effects]
    _agent_step: Callable[..., bool]
    _call_step: Callable[..., bool]
    _illegal: Callable[..., fx.Problem]
    _refuse: Callable[..., Effects]
    _call_frame: Callable[..., fx.SendToAgent]
    connected_call: Callable[..., tuple[Agent | None, Call | None, dict[str, Any] | None]]
    _forget_hold: Callable[[Call], None]

    # ------------------------------------------------------------------ attended transfer
    def _consult_frames(self, call: Call, now: datetime) -> Effects:
        """What the two desks show of a consultation: the transferer's call (Complete / Cancel), the
        target's pop marked as a consultation (a pop frame also while they talk: not their call yet)."""
        consult = call.consult
        if consult is None:
            return []
        pop = call.pop(now)
        effects: Effects = [fx.SendToAgent(consult.transferer, "call", {
            **pop, "state": "connected", "consult": consult.view("transferer")})]
        if consult.target_agent is not None:
            effects.append(fx.SendToAgent(consult.target_agent, "pop", {**pop, "consult": consult.view("target")}))
        return effects

    def _consult(self, agent: Agent, call: Call, e: d.TransferCall, exten: str, label: str,
                 now: datetime) -> Effects:
        target = next((a for a in self.agents.values() if a.info.login == e.target), None) if e.to == "agent" else None
        effects: Effects = []
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        name = agent.info.name or agent.info.login
        call.consult = Consultation(agent.info.agent_id, exten, label, name,
                                    target.info.agent_id if target is not None else None)
        if target is not None and self._agent_step(target, e, effects):
            target.call_id = call.call_id
        call.route_log.append((f"consulting {label} (attended transfer)", f"咨询转接：正在联系 {label}"))
        return effects + [
            fx.AmiAction(actions.atxfer(call.agent_channel, exten), agent.info.agent_id,
                         on_failure=d.ControlFailed(agent.info.agent_id, call.call_id, "atxfer")),
            *self._consult_frames(call, now), self._record(call), fx.SupervisorsChanged()]

    def _consulting_call(self, agent_id: int) -> tuple[Call | None, dict[str, Any] | None]:
        agent = self.agents.get(agent_id)
        call = self.calls.get(agent.call_id) if agent is not None and agent.call_id else None
        if call is None or call.consult is None or call.consult.transferer != agent_id \
                or call.state is not CallState.CONSULTING:
            return None, refusal("no-attended-transfer", "there is no attended transfer in progress on your call")
        if not self.ami_up:
            return None, refusal("ami-unavailable", "the telephone system (AMI) is not connected")
        return call, None

    def _complete_transfer(self, e: d.CompleteTransfer, now: datetime) -> Effects:
        call, error = self._consulting_call(e.agent_id)
        if call is None or call.consult is None:
            return self._refuse(e.agent_id, error or {})
        if not call.consult.answered:
            return self._refuse(e.agent_id, refusal(
                "consultation-not-answered", f"{call.consult.label} has not answered yet: wait, or cancel the transfer",
                target=call.consult.label))
        # Asterisk completes an attended transfer when the transferer hangs up (atxfer.actions.txt).
        return [fx.AmiAction(actions.hangup(call.agent_channel), e.agent_id,
                             on_failure=d.ControlFailed(e.agent_id, call.call_id, "transfer_complete"))]

    def _cancel_transfer(self, e: d.CancelTransfer, now: datetime) -> Effects:
        call, error = self._consulting_call(e.agent_id)
        if call is None or call.consult is None:
            return self._refuse(e.agent_id, error or {})
        consult = call.consult
        leg = consult.leg_channel or actions.consultation_leg_pattern(consult.exten)
        return [fx.AmiAction(actions.hangup(leg), e.agent_id,
                             on_failure=d.ControlFailed(e.agent_id, call.call_id, "transfer_cancel"))]

    def _consult_call_for(self, context: str, exten: str) -> Call | None:
        if context != actions.TRANSFER_CONTEXT:
            return None
        return next((c for c in self.calls.values() if c.state is CallState.CONSULTING and c.consult is not None
                     and c.consult.exten == exten and not c.consult.answered), None)

    def _leg_dial_ended(self, e: d.LegDialEnded, now: datetime) -> Effects:
        call = self._consult_call_for(e.context, e.exten)
        if call is None or call.consult is None or e.status != "ANSWER":
            return []            # an Originate's first leg; a failed consultation ends with Unhold
        consult = call.consult
        consult.answered, consult.leg_channel, consult.leg_id = True, e.dest_channel, e.dest_id
        self._call_step(call, e)
        effects: Effects = []
        target = self.agents.get(consult.target_agent) if consult.target_agent is not None else None
        if target is not None and target.call_id == call.call_id:
            self._agent_step(target, e, effects)
        call.route_log.append((f"{consult.label} answered the consultation", f"{consult.label} 已接听咨询"))
        return effects + self._consult_frames(call, now) + [fx.SupervisorsChanged()]

    def _release_target(self, call: Call, event: Any, effects: Effects) -> None:
        """The consultation is over without a transfer: the target agent is free again."""
        consult = call.consult
        target = self.agents.get(consult.target_agent) if consult and consult.target_agent is not None else None
        if target is None or target.call_id != call.call_id:
            return
        if self._agent_step(target, event, effects):
            target.call_id = None
        effects.append(fx.SendToAgent(target.info.agent_id, "pop_withdrawn",
                                      {"call_id": call.call_id, "reason": "consultation-ended"}))

    def _channel_unheld(self, e: d.ChannelUnheld, now: datetime) -> Effects:
        call = next((c for c in self.calls.values() if c.state is CallState.CONSULTING
                     and c.agent_channel and c.agent_channel == e.channel), None)
        if call is None or call.consult is None:
            return []            # the Unhold before a BlindTransfer, or a phone's own hold key
        self._call_step(call, e)
        effects: Effects = []
        self._release_target(call, e, effects)
        label = call.consult.label
        call.consult = None
        call.route_log.append((f"consultation with {label} ended, back with the caller",
                               f"与 {label} 的咨询已结束，恢复与客户通话"))
        agent = self.agents.get(call.agent_id) if call.agent_id is not None else None
        if agent is not None and agent.call_id == call.call_id:
            effects.append(self._call_frame(agent, call, now))
        return effects + [self._record(call), fx.SupervisorsChanged()]

    def _call_attended_transferred(self, e: d.CallAttendedTransferred, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None:
            return []            # a transfer of a call we do not follow
        new_state = CALL_TRANSITIONS[call.state].get(type(e))
        if new_state is None or call.consult is None:
            return [self._illegal(call, e)]
        consult = call.consult
        first = self.agents.get(call.agent_id) if call.agent_id is not None else None
        talk = int((now - call.answered_at).total_seconds()) if call.answered_at else 0
        self.legs.pop(call.dial_leg, None)
        call.route_log.append((f"transferred to {consult.label} (attended)", f"咨询转接至 {consult.label}"))
        done = d.CallCompleted(call.call_id, call.queue, first.info.interface if first else "",
                               first.info.login if first else "", call.hold_seconds, talk, "transfer")
        call.consult = None                            # (not a caller hang-up: the target keeps the call)
        effects = self._call_completed(done, now)      # the first agent's part: wrap-up, its own row
        target = self.agents.get(consult.target_agent) if consult.target_agent is not None else None
        call.transfers += 1
        call.interaction_id = self.new_id()
        call.answered_at, call.ended_at, call.held, call.talk_seconds = now, None, False, 0
        call.ringing = set()
        self._forget_hold(call)
        call.agent_channel, call.dial_leg = e.target_channel, e.target_id
        if target is None or target.call_id != call.call_id:
            # A number: nothing more to follow but the caller's hang-up (as after a blind transfer).
            call.state = CallState.TRANSFERRED
            call.agent_id = call.dial_agent = None
            return effects + [self._record(call), fx.SupervisorsChanged()]
        # The target owns the call now; no AgentComplete will come for it: it ends as a direct call.
        call.state = new_state
        call.agent_id = call.dial_agent = target.info.agent_id
        if e.target_id:
            self.legs[e.target_id] = call.call_id
        if target.activity is not Activity.ON_CALL:       # DialEnd lost: they talk now anyway
            target.activity = Activity.ON_CALL
            self._touched.add(target.info.agent_id)
        effects.append(fx.SendToAgent(target.info.agent_id, "call", {**call.pop(now), "state": "connected"}))
        return effects + [*keep_out_for_call(target), self._record(call), fx.SupervisorsChanged()]

    def _consult_caller_gone(self, call: Call) -> Effects:
        """The caller hung up while held for a consultation: the target's pop goes away."""
        effects: Effects = []
        consult = call.consult
        if consult is not None:
            target = self.agents.get(consult.target_agent) if consult.target_agent is not None else None
            if target is not None and target.call_id == call.call_id:
                target.activity, target.call_id = Activity.IDLE, None
                self._touched.add(target.info.agent_id)
                effects.append(fx.SendToAgent(target.info.agent_id, "pop_withdrawn",
                                              {"call_id": call.call_id, "reason": "caller-gone"}))
            call.consult = None
        return effects

    def _consult_refused(self, call: Call, e: d.ControlFailed, now: datetime) -> Effects:
        """Asterisk refused the Atxfer (no atxfer code in features.conf, no Queue() option t ...)."""
        effects: Effects = []
        consult = call.consult
        target = self.agents.get(consult.target_agent) if consult and consult.target_agent is not None else None
        if target is not None and target.call_id == call.call_id:
            target.activity, target.call_id = Activity.IDLE, None
            self._touched.add(target.info.agent_id)
            effects.append(fx.SendToAgent(target.info.agent_id, "pop_withdrawn",
                                          {"call_id": call.call_id, "reason": "consultation-ended"}))
        call.consult, call.state = None, CallState.CONNECTED
        call.route_log.append(("attended transfer refused", "咨询转接被拒绝"))
        agent = self.agents.get(e.agent_id)
        if agent is not None and agent.call_id == call.call_id:
            effects.append(self._call_frame(agent, call, now))
        effects.append(fx.SendToAgent(e.agent_id, "error", refusal(
            "attended-transfer-failed", "the telephone system refused the attended transfer (does features.conf "
            "set an atxfer code, and is the queue called with option t?)", reason=e.reason)))
        return effects

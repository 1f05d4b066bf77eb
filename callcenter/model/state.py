"""The pure model: ``Model.apply(event, now) -> [effects]``.

Theory of operation. One engine task owns a ``Model`` and feeds it every domain event in inbox
order; the model changes its calls and agents according to ``tables.py`` and returns effects (pops,
AMI actions, rows to record, timers) for the engine to carry out. It never awaits and never touches
a socket, so it is tested with literal events and a fixed clock.

Agent state is derived: queue memberships come from Asterisk's member events (the source of truth
for "is this phone in the queue and paused?"), the call activity from the agent events; what the agent
*asked for* (``wants``) is kept so it can be re-told to Asterisk after a reconnect or a wrap-up.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.entities import Agent, Call, CallbackEntry, WrapUp
from callcenter.model.callbacks import CallbackHandlers
from callcenter.model.control import ControlHandlers
from callcenter.model.customer_choice import customer_chosen
from callcenter.model.exits import ExitHandlers
from callcenter.model.members import MemberHandlers, keep_out_for_call
from callcenter.model.presence import PresenceHandlers
from callcenter.model.routes import RouteHandlers
from callcenter.model.unconfirmed import UnconfirmedCalls
from callcenter.model.tables import (ACTIVITY_TRANSITIONS, CALL_TERMINAL, CALL_TRANSITIONS, Activity,
                                     CallState)
from callcenter.settings import Settings

log = logging.getLogger(__name__)

from callcenter.model.members import Effects

MAX_PENDING = 20     # unsaved outcomes kept per agent


class Model(MemberHandlers, PresenceHandlers, RouteHandlers, CallbackHandlers, ControlHandlers, ExitHandlers,
            UnconfirmedCalls):
    def __init__(self, settings: Settings, *, new_id: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:
        self.settings = settings
        self.new_id = new_id
        self.calls: dict[str, Call] = {}
        self.agents: dict[int, Agent] = {}
        self.by_interface: dict[str, int] = {}
        self.legs: dict[str, str] = {}          # Uniqueid of a directly dialled agent leg -> call id
        self.detached_legs: dict[str, str] = {}  # channel name of a held call's agent leg (both halves) -> call id
        self.callbacks: dict[int, CallbackEntry] = {}
        self.ami_up = False
        self.unconfirmed: set[str] = set()      # call ids known only from FastAGI so far (unconfirmed.py)
        self._calls_at_login: set[str] = set()
        self._touched: set[int] = set()
        self.missing_outcomes: dict[int, int] = {}      # agent id -> answered calls without an outcome
        self._handlers: dict[type, Callable[[Any, datetime], Effects]] = {
            d.AgentsLoaded: self._agents_loaded,
            d.PresenceRestored: self._presence_restored,
            d.IvrCompleted: self._ivr_completed,
            d.UnconfirmedCallDue: self._unconfirmed_due,
            d.CallerIdentified: self._caller_identified,
            d.CallerJoined: self._caller_joined,
            d.AgentRinging: self._agent_ringing,
            d.AgentNoAnswer: self._agent_no_answer,
            d.AgentAnswered: self._agent_answered,
            d.CallCompleted: self._call_completed,
            d.CallerAbandoned: self._caller_abandoned,
            d.CallerLeft: self._caller_left,
            d.ChannelHungUp: self._hangup,
            d.HangupRequested: self._hangup_requested,
            d.DialStarted: self._dial_started,
            d.DialFinished: self._dial_finished,
            d.AgingDue: self._aging_due,
            d.SurveyAnswered: self._survey_answered,
            d.CallbackRequested: self._callback_requested,
            d.CallbacksLoaded: self._callbacks_loaded,
            d.CallbackDue: self._callback_due,
            d.CallbackFailed: self._callback_failed,
            d.MemberAdded: self._member_added,
            d.MemberRemoved: self._member_removed,
            d.MemberPaused: self._member_paused,
            d.MemberStatus: self._member_status,
            d.QueueSnapshot: self._snapshot,
            d.ChannelsSnapshot: self._channels_snapshot,
            d.AmiConnected: self._ami_connected,
            d.AmiDisconnected: self._ami_disconnected,
            d.AsteriskShutdown: self._shutdown,
            d.AgentGoAvailable: self._go_available,
            d.AgentGoPaused: self._go_paused,
            d.AgentLogOut: self._log_out,
            d.SpyOnAgent: self._spy,
            d.AgentPauseAfterCall: self._pause_after_call,
            d.DeskConnected: self._desk_connected,
            d.DeskDisconnected: self._desk_disconnected,
            d.DeskAbsent: self._desk_absent,
            d.PausesRestored: self._pauses_restored,
            d.AgentSelectQueues: self._select_queues,
            d.DispositionSaved: self._disposition_saved,
            d.WrapUpExpired: self._wrapup_expired,
            d.MissingOutcomesCounted: self._missing_outcomes_counted,
            d.CallTransferred: self._call_transferred,
            d.HoldCall: self._hold,
            d.ResumeCall: self._resume,
            d.HangUpCall: self._hang_up_call,
            d.TransferCall: self._transfer,
            d.DialNumber: self._dial_number,
            d.ControlFailed: self._control_failed,
            d.CompleteTransfer: self._complete_transfer,
            d.CancelTransfer: self._cancel_transfer,
            d.LegDialEnded: self._leg_dial_ended,
            d.ChannelUnheld: self._channel_unheld,
            d.CallAttendedTransferred: self._call_attended_transferred,
            d.CustomerChosen: lambda e, now: customer_chosen(self.agents, self.calls, e, now),
        }

    # ------------------------------------------------------------------ entry point
    def apply(self, event: Any, now: datetime) -> Effects:
        handler = self._handlers.get(type(event))
        if handler is None:
            return [fx.Problem("event the model does not know", {"event": repr(event)})]
        self._touched.clear()
        effects = handler(event, now)
        if self.unconfirmed:
            effects += self._confirmed_by(event)
        effects += self._armed_pauses(event)
        if self.callbacks:
            effects += self._dispatch_callbacks(now)
        for agent_id in self._touched:
            agent = self.agents[agent_id]
            effects += self._pause_period(agent, now)
            if agent.state is not agent.shown:
                agent.shown = agent.state
                agent.since = now
                effects.append(fx.SendToAgent(agent_id, "agent", agent.view()))
                effects.append(fx.SupervisorsChanged())
        return effects

    # ------------------------------------------------------------------ helpers
    def _call_step(self, call: Call, event: Any) -> bool:
        new = CALL_TRANSITIONS[call.state].get(type(event))
        if new is None:
            return False
        call.state = new
        return True

    def _agent_step(self, agent: Agent, event: Any, effects: Effects) -> bool:
        new = ACTIVITY_TRANSITIONS[agent.activity].get(type(event))
        if new is None:
            effects.append(fx.Problem("illegal agent transition", {
                "agent": agent.info.login, "activity": agent.activity.value, "event": type(event).__name__}))
            return False
        agent.activity = new
        self._touched.add(agent.info.agent_id)
        return True

    def _illegal(self, call: Call, event: Any) -> fx.Problem:
        return fx.Problem("illegal call transition", {
            "call_id": call.call_id, "state": call.state.value, "event": type(event).__name__})

    def _agent_for(self, interface: str, member_name: str = "") -> Agent | None:
        agent_id = self.by_interface.get(interface)
        if agent_id is None and member_name:
            agent_id = next((a.info.agent_id for a in self.agents.values() if a.info.login == member_name), None)
        return self.agents.get(agent_id) if agent_id is not None else None

    def _record(self, call: Call) -> fx.RecordInteraction:
        return fx.RecordInteraction(call.interaction_id, call.record_fields())

    def _new_call(self, call_id: str, now: datetime, state: CallState) -> Call:
        call = Call(call_id=call_id, interaction_id=self.new_id(), state=state, started_at=now)
        self.calls[call_id] = call
        return call

    def _withdraw(self, call: Call, keep: int | None = None) -> Effects:
        effects: Effects = []
        for agent_id in sorted(call.ringing):
            if agent_id == keep:
                continue
            agent = self.agents.get(agent_id)
            if agent is not None and agent.call_id == call.call_id and agent.activity is Activity.RINGING:
                agent.activity, agent.call_id = Activity.IDLE, None
                self._touched.add(agent_id)
            effects.append(fx.SendToAgent(agent_id, "pop_withdrawn", {"call_id": call.call_id}))
        call.ringing = {keep} if keep is not None and keep in call.ringing else set()
        return effects

    def _wrapup_seconds(self, queue: str) -> int:
        q = self.settings.queues.get(queue)
        return q.wrapup_seconds if q else 0

    # ------------------------------------------------------------------ directory
    def _agents_loaded(self, event: d.AgentsLoaded, now: datetime) -> Effects:
        for info in event.agents:
            agent = self.agents.get(info.agent_id)
            if agent is None:
                self.agents[info.agent_id] = Agent(info=info, since=now)
            else:
                self.by_interface.pop(agent.info.interface, None)
                agent.info = info
            if info.interface:           # an admin or supervisor may have no phone
                self.by_interface[info.interface] = info.agent_id
        return [fx.SupervisorsChanged()]

    # ------------------------------------------------------------------ callers
    def _ivr_completed(self, e: d.IvrCompleted, now: datetime) -> Effects:
        arrived = now - timedelta(seconds=max(e.ivr_seconds, 0.0))    # the call began when the IVR did
        effects: Effects = []
        call = self.calls.get(e.call_id)
        if call is None:         # nothing from AMI yet: a real call's queue join follows (unconfirmed.py)
            call = self._new_call(e.call_id, arrived, CallState.IVR)
            effects += self._watch_unconfirmed(e.call_id)
        call.started_at = min(call.started_at, arrived)               # also when the queue join came first
        call.ivr_seen = True
        call.caller_number = e.caller_number or call.caller_number
        call.card, call.digits, call.menu_choice = e.card, e.digits, e.menu_choice
        call.language, call.ivr_failed, call.priority = e.language, e.failed, e.priority
        call.routing, call.survey = e.routing, e.survey
        if not call.queue:
            call.queue = e.queue
        effects.append(self._record(call))
        # The IVR result raced the queue join: the pop already sent goes out again, complete.
        for agent_id in sorted(call.ringing):
            effects.append(fx.SendToAgent(agent_id, "pop", call.pop(now)))
        return effects

    def _caller_identified(self, e: d.CallerIdentified, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None or call.ivr_seen:
            return []
        call.card = e.card
        effects: Effects = [self._record(call), fx.SupervisorsChanged()]
        effects += [fx.SendToAgent(a, "pop", call.pop(now)) for a in sorted(call.ringing)]
        return effects

    def _caller_joined(self, e: d.CallerJoined, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        effects: Effects = []
        if call is None:
            # No IVR result: a direct queue call or a dead AGI server. Identify off the ringing path.
            call = self._new_call(e.call_id, now, CallState.IVR)
            if e.caller_number:
                effects.append(fx.LookupCaller(e.call_id, e.caller_number))
        overflow = call.state is CallState.LEFT
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        if overflow:
            self._overflowed(call)
        call.queue, call.channel = e.queue, e.channel or call.channel
        call.caller_number = call.caller_number or e.caller_number
        call.caller_name = e.caller_name
        if call.joined_at is None:
            call.joined_at = now
        effects += self._start_aging(call, e.queue, now)
        effects += [self._record(call), fx.SupervisorsChanged()]
        return effects

    def _agent_ringing(self, e: d.AgentRinging, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        agent = self._agent_for(e.interface, e.member_name)
        if call is None or agent is None:
            return [fx.Problem("ring for an unknown call or member", {"call_id": e.call_id, "interface": e.interface})]
        effects: Effects = []
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        if not self._agent_step(agent, e, effects):
            return effects
        agent.call_id = call.call_id
        call.ringing.add(agent.info.agent_id)
        effects.append(fx.SendToAgent(agent.info.agent_id, "pop", call.pop(now)))
        effects.append(fx.SupervisorsChanged())
        return effects

    def _agent_no_answer(self, e: d.AgentNoAnswer, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        agent = self._agent_for(e.interface, e.member_name)
        if call is not None and not self._call_step(call, e):
            return [self._illegal(call, e)]
        effects: Effects = []
        if agent is not None and agent.call_id == e.call_id and self._agent_step(agent, e, effects):
            agent.call_id = None
            effects.append(fx.SendToAgent(agent.info.agent_id, "pop_withdrawn",
                                          {"call_id": e.call_id, "reason": "no-answer"}))
        if call is not None and agent is not None:
            call.ringing.discard(agent.info.agent_id)
            if call.state is CallState.RINGING and not call.ringing:
                call.state = CallState.QUEUED
        effects.append(fx.SupervisorsChanged())
        return effects

    def _agent_answered(self, e: d.AgentAnswered, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        agent = self._agent_for(e.interface, e.member_name)
        if call is None or agent is None:
            return [fx.Problem("answer for an unknown call or member", {"call_id": e.call_id, "interface": e.interface})]
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        effects = self._withdraw(call, keep=agent.info.agent_id)
        if agent.activity is not Activity.RINGING:       # AgentCalled lost in a link gap
            agent.activity = Activity.RINGING
        self._agent_step(agent, e, effects)
        agent.call_id = call.call_id
        call.agent_id, call.answered_at, call.hold_seconds = agent.info.agent_id, now, e.hold_seconds
        call.agent_channel = e.agent_channel
        call.queue = e.queue or call.queue
        name = agent.info.name or agent.info.login
        call.route_log.append((f"answered by {name} in {call.queue} after {e.hold_seconds} s",
                               f"{name} 在 {call.queue} 队列接听（等待 {e.hold_seconds} 秒）"))
        effects.append(fx.SendToAgent(agent.info.agent_id, "call", {**call.pop(now), "state": "connected"}))
        effects += [*keep_out_for_call(agent), self._record(call), fx.SupervisorsChanged()]
        return effects

    def _call_completed(self, e: d.CallCompleted, now: datetime) -> Effects:
        agent = self._agent_for(e.interface, e.member_name)
        if not e.call_id and agent is not None and agent.call_id:
            # Asterisk sends the caller's fields only while the caller's channel snapshot exists: an
            # AgentComplete published as the caller's channel is destroyed has no Uniqueid (seen on a
            # live 22.10.1). The member names the call then: the one their desk has.
            e = replace(e, call_id=agent.call_id)
        call = self.calls.get(e.call_id)
        if call is None:
            return [fx.Problem("AgentComplete for an unknown call", {"call_id": e.call_id})]
        if call.transfers and (agent is None or call.agent_id != agent.info.agent_id):
            return []            # the earlier agent's part of a transferred call (already completed)
        if call.detached and call.state is CallState.COMPLETED:
            return []            # a call out of app_queue's bridge the server already ended (hold.py)
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        call.ended_at, call.talk_seconds, call.held = now, e.talk_seconds, False
        call.hold_seconds = e.hold_seconds or call.hold_seconds
        effects: Effects = [*self._consult_caller_gone(call), self._record(call), fx.SupervisorsChanged()]
        if agent is None or not self._agent_step(agent, e, effects):
            return effects
        agent_id = agent.info.agent_id
        pop = call.pop(now)
        agent.pending[call.call_id] = WrapUp(call.call_id, call.interaction_id, call.record_fields(), pop)
        while len(agent.pending) > MAX_PENDING:
            agent.pending.pop(next(iter(agent.pending)))
        agent.wrapup_call = call.call_id
        effects.append(fx.SendToAgent(agent_id, "call", {**pop, "state": "ended", "reason": e.reason,
                                                         "talk_seconds": e.talk_seconds}))
        seconds = self._wrapup_seconds(call.queue)
        agent.wrapup_ends_at = now + timedelta(seconds=seconds)
        if seconds > 0:       # paused since the connect (keep_out_for_call): only what did not land
            effects += keep_out_for_call(agent)
        effects.append(fx.StartTimer(f"wrapup:{agent_id}", float(seconds), d.WrapUpExpired(agent_id, call.call_id)))
        effects.append(fx.CountMissingOutcomes())
        return effects

    def _missing_outcomes_counted(self, e: d.MissingOutcomesCounted, now: datetime) -> Effects:
        counts = dict(e.counts)
        if counts == self.missing_outcomes:
            return []
        self.missing_outcomes = counts
        return [fx.SupervisorsChanged()]

    def _hangup(self, e: d.ChannelHungUp, now: datetime) -> Effects:
        held_leg = self._detached_leg_hung_up(e, now)
        if held_leg is not None:  # the agent's leg of a call out of app_queue's bridge (hold.py)
            return held_leg
        leg_of = self.legs.pop(e.call_id, None)
        if leg_of is not None:   # the agent's leg of a direct (Dial) call
            return self._dial_leg_gone(leg_of, now)
        call = self.calls.get(e.call_id)
        if call is None:
            return []            # agent legs, ;1 halves, calls we never saw: nothing to do
        if call.agent_first and call.state is CallState.DIALING:
            return self._callback_attempt_failed(call, "no answer", now)
        # No AgentComplete may come for a call taken out of app_queue's bridge (hold.py).
        effects: Effects = self._detached_caller_hung_up(call, now) if call.detached else []
        if call.state in (CallState.CONNECTED, CallState.CONSULTING) and call.dial_agent is not None:
            # No AgentComplete after Dial(). A callback's channel is the agent's own leg.
            effects += self._complete_direct(call, "agent" if call.agent_first else "caller", now)
        before = call.state
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        if call.state in (CallState.CONNECTED, CallState.CONSULTING):
            return effects       # AgentComplete is still to come
        if before is not call.state:
            call.ended_at = call.ended_at or now
            effects += self._withdraw(call)
            if call.state is CallState.ABANDONED:
                effects += self._abandoned(call, now)
            effects.append(self._record(call))
        if call.state in CALL_TERMINAL:
            del self.calls[call.call_id]
            self.legs.pop(call.dial_leg, None)
        effects.append(fx.SupervisorsChanged())
        return effects

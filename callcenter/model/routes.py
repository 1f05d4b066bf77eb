"""Routing on the live call: a ladder's agent steps, time credit while waiting, the survey answer.

``Model`` (``state.py``) inherits these handlers. The IVR decides the plan (``callcenter.routing``) and
the dialplan carries it out step by step (``Dial()`` for an agent step, ``Queue()`` with a timeout for a
queue step that overflows); the model follows from AMI:

* ``DialBegin`` from a caller who is not waiting in a queue is an agent step: the agent whose interface
  matches the dialled channel rings and gets the pop; ``DialEnd ANSWER`` connects them; any other status
  frees them and the call moves on (``LEFT``) to its next step. A direct call has no ``AgentComplete``:
  it completes when the agent's leg or the caller hangs up, then wrap-up as for queue calls. Who hung
  up is not the order of the ``Hangup`` events: when the caller hangs up, app_dial hangs up the agent's
  leg before the caller's own channel ends (caller ``;1``, agent ``;1``, agent ``;2``, caller ``;2`` on
  Asterisk 22.10.1; a ``PJSIP/`` caller ends after the agent's leg too). What comes first is a
  ``HangupRequest`` of the caller's own channel (``ast_queue_hangup``: a SIP BYE, or its Local ``;1``
  half gone); the agent hanging up sends none to the caller's channel (option ``g``: it goes on);
* a caller waiting in a queue gains priority as they wait (``routing.aged_priority``): a timer per call
  sends ``QueueChangePriorityCaller`` with ``Immediate: yes`` whenever the aged priority changes;
* every step that happened is appended to ``Call.route_log``, shown after the decision's trace.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import actions
from callcenter.model.entities import Agent, Call
from callcenter.model.members import keep_out_for_call
from callcenter.model.tables import Activity, CallState
from callcenter.routing import aged_priority, next_aging_in

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]+(;\d)?$")
_WAITING = (CallState.QUEUED, CallState.RINGING)


def _device(interface: str) -> str:
    """``Local/1001@agent-phones/n`` -> ``Local/1001@agent-phones``; ``PJSIP/1001`` unchanged."""
    parts = interface.split("/")
    return "/".join(parts[:2]) if parts[0].lower() == "local" else interface


def channel_device(channel: str) -> str:
    """The device of a channel name: ``Local/1001@agent-phones-0000002a;1`` -> ``Local/1001@agent-phones``."""
    return _CHANNEL_SUFFIX.sub("", channel)


class RouteHandlers:
    settings: Settings
    calls: dict[str, Call]
    agents: dict[int, Agent]
    legs: dict[str, str]
    _touched: set[int]
    _agent_step: Callable[..., bool]
    _call_step: Callable[..., bool]
    _record: Callable[[Call], fx.RecordInteraction]
    _call_completed: Callable[..., Effects]
    _withdraw: Callable[..., Effects]
    _callback_connected: Callable[..., Effects]
    _callback_attempt_failed: Callable[..., Effects]
    _overflowed: Callable[[Call], None]

    # ------------------------------------------------------------------ agent steps (Dial)
    def _agent_by_channel(self, channel: str) -> Agent | None:
        device = channel_device(channel)
        return next((a for a in self.agents.values() if a.info.interface and _device(a.info.interface) == device),
                    None)

    def _dial_started(self, e: d.DialStarted, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None or call.state not in (CallState.IVR, CallState.LEFT, CallState.DIALING,
                                              CallState.TRANSFERRED):
            return []        # not ours, or app_queue ringing a member (AgentCalled says more)
        if call.agent_first:      # a callback or click-to-dial: the agent answered, the customer is dialled
            call.dial_leg = e.dest_id
            call.agent_channel = e.channel or call.agent_channel
            if e.dest_id:
                self.legs[e.dest_id] = call.call_id
            call.route_log.append((f"agent answered, calling {call.caller_number}",
                                   f"坐席已接听，正在呼叫 {call.caller_number}"))
            return [fx.SupervisorsChanged()]
        agent = self._agent_by_channel(e.dest_channel)
        if agent is None:
            call.route_log.append((f"dialled {e.dest_channel} (not an agent)", f"拨打 {e.dest_channel}（非坐席）"))
            return [self._record(call)]
        if agent.activity not in (Activity.IDLE, Activity.WRAP_UP):      # raced with another call
            name = agent.info.name or agent.info.login
            call.route_log.append((f"{name}: busy", f"{name}：忙"))
            return [self._record(call)]
        effects: Effects = []
        if call.state is CallState.LEFT:
            self._overflowed(call)
        self._agent_step(agent, e, effects)
        self._call_step(call, e)
        agent.call_id = call.call_id
        call.dial_agent, call.dial_leg, call.agent_channel = agent.info.agent_id, e.dest_id, e.dest_channel
        if e.dest_id:
            self.legs[e.dest_id] = call.call_id
        call.ringing.add(agent.info.agent_id)
        if call.joined_at is None:
            call.joined_at = now
        effects += [fx.SendToAgent(agent.info.agent_id, "pop", call.pop(now)), self._record(call),
                    fx.SupervisorsChanged()]
        return effects

    def _dial_finished(self, e: d.DialFinished, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None or call.state is not CallState.DIALING or (e.dest_id and e.dest_id != call.dial_leg):
            return []
        agent = self.agents.get(call.dial_agent) if call.dial_agent is not None else None
        if agent is None:
            return []
        name = agent.info.name or agent.info.login
        if e.status == "ANSWER":
            call.state = CallState.CONNECTED
            call.ringing.discard(agent.info.agent_id)
            agent.activity = Activity.ON_CALL
            self._touched.add(agent.info.agent_id)
            call.agent_id, call.answered_at = agent.info.agent_id, now
            call.hold_seconds = int((now - (call.joined_at or now)).total_seconds())
            if call.agent_first:
                call.route_log.append((f"{call.caller_number} answered", f"{call.caller_number} 已接听"))
            else:
                call.route_log.append((f"answered by {name}", f"{name} 接听"))
            return [*self._callback_connected(call, now),
                    fx.SendToAgent(agent.info.agent_id, "call", {**call.pop(now), "state": "connected"}),
                    *keep_out_for_call(agent), self._record(call), fx.SupervisorsChanged()]
        if call.agent_first:
            self.legs.pop(call.dial_leg, None)
            return self._callback_attempt_failed(call, f"customer: {e.status.lower()}", now)
        effects = self._withdraw(call)
        self.legs.pop(call.dial_leg, None)
        call.dial_agent, call.dial_leg = None, ""
        if e.status == "CANCEL":         # the caller hung up (or was redirected): the Hangup decides
            return effects + [fx.SupervisorsChanged()]
        call.state = CallState.LEFT
        reason = {"NOANSWER": ("no answer", "未接听"), "BUSY": ("busy", "忙"),
                  "CHANUNAVAIL": ("unreachable", "无法接通")}.get(e.status, (e.status.lower(), e.status.lower()))
        call.route_log.append((f"{name}: {reason[0]}", f"{name}：{reason[1]}"))
        return effects + [self._record(call), fx.SupervisorsChanged()]

    def _complete_direct(self, call: Call, reason: str, now: datetime) -> Effects:
        """A direct call ended (no AgentComplete for Dial()): complete it as app_queue would."""
        agent = self.agents.get(call.agent_id) if call.agent_id is not None else None
        self.legs.pop(call.dial_leg, None)
        call.dial_leg = ""
        if agent is not None and call.agent_first:
            agent.hold = ""                     # the callback is over: wrap-up, then back to the queues
        talk = int((now - call.answered_at).total_seconds()) if call.answered_at else 0
        event = d.CallCompleted(call.call_id, call.queue, agent.info.interface if agent else "",
                                agent.info.login if agent else "", call.hold_seconds, talk, reason)
        return self._call_completed(event, now)

    def _hangup_requested(self, e: d.HangupRequested, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is not None and call.state is CallState.CONNECTED and (call.dial_agent is not None or call.detached):
            # Its own side is leaving: the Hangups that follow say so (a Dial() step; or a call out of
            # app_queue's bridge, hold.py, whose agent leg Asterisk may hang up before the caller's).
            call.hangup_requested = True
        return []

    def _dial_leg_gone(self, call_id: str, now: datetime) -> Effects:
        call = self.calls.get(call_id)
        if call is None or call.state is not CallState.CONNECTED or call.dial_agent is None:
            return []
        # The dialled leg hung up: the agent of a Dial() step, or the customer of a callback; unless the
        # call's own channel was asked to hang up first, and app_dial is only tearing down its peer.
        own, dialled = ("agent", "caller") if call.agent_first else ("caller", "agent")
        return self._complete_direct(call, own if call.hangup_requested else dialled, now)

    # ------------------------------------------------------------------ queue steps: time credit
    def _start_aging(self, call: Call, queue: str, now: datetime) -> Effects:
        """On joining *queue*: the priority base of that step; a timer for the first aging change."""
        plan = (call.routing or {}).get("plan") or ()
        step = next((s for s in plan if s.get("kind") == "queue" and s.get("target") == queue), None)
        if step is None:
            call.base_priority = None
            return []
        rules = self.settings.routing
        credit = int((call.routing or {}).get("credit_seconds") or 0)
        call.credit_seconds = credit
        call.base_priority = int(step.get("priority") or 0) - aged_priority(0, credit, rules)
        if call.route_log or (call.routing or {}).get("queue") != queue:
            call.route_log.append((f"queue {queue}", f"{queue} 队列"))
        return self._age(call, now)

    def _age(self, call: Call, now: datetime) -> Effects:
        if call.base_priority is None or call.state not in _WAITING or call.joined_at is None:
            return []
        rules = self.settings.routing
        waited = (now - call.joined_at).total_seconds() + call.credit_seconds
        effects: Effects = []
        wanted = aged_priority(call.base_priority, waited, rules)
        if wanted != call.priority and call.channel:
            call.priority = wanted
            effects += [fx.AmiAction(actions.queue_change_priority(call.queue, call.channel, wanted)),
                        fx.SupervisorsChanged()]
        later = next_aging_in(waited, rules)
        if later is not None:
            effects.append(fx.StartTimer(f"aging:{call.call_id}", float(later), d.AgingDue(call.call_id)))
        return effects

    def _aging_due(self, e: d.AgingDue, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        return self._age(call, now) if call is not None else []

    # ------------------------------------------------------------------ survey
    def _survey_answered(self, e: d.SurveyAnswered, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None:
            return [fx.Problem("survey answer for a call the engine does not know", {"call_id": e.call_id})]
        if not 1 <= e.score <= 5:
            return [fx.Problem("survey score out of range", {"call_id": e.call_id, "score": e.score})]
        call.survey_score = e.score
        call.route_log.append((f"survey: {e.score}/5", f"满意度：{e.score}/5"))
        return [self._record(call)]

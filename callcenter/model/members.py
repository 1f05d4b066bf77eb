"""Queue members, the AMI link and what agents ask for: the agent half of the pure model.

``Model`` (``state.py``) inherits these handlers; they share its calls, agents and helpers. Asterisk's
member events are the truth about "is this phone in the queue, paused?"; ``wants`` is what the agent
asked for, re-told to Asterisk by :meth:`MemberHandlers._reconcile` after commands, wrap-ups and
reconnects.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import actions
from callcenter.model.entities import Agent, Call, Membership
from callcenter.model.tables import Activity, CallState
from callcenter.pause_codes import CONNECTION_LOST

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]
# Pause reasons the server sets, never an agent's wish: not adopted as one after a restart.
_NOT_A_WISH = (actions.WRAP_UP_REASON, CONNECTION_LOST)


def pause_in_own_queues(agent: Agent, reason: str) -> Effects:
    """``QueuePause`` for each queue the agent is a member of, named: app_queue answers ``Interface not
    found`` for an interface in no queue, or not in the queue named (``set_member_paused``). No agent
    id on the effect: holding an agent out of the queues is the server's doing, so a refusal (a member
    removed meanwhile) is logged, never shown on the desk as an error."""
    return [fx.AmiAction(actions.queue_pause(agent.info.interface, True, reason, queue))
            for queue in sorted(agent.memberships)]


def keep_out_for_call(agent: Agent) -> Effects:
    """On connect (and again when the call ends): ``QueuePause`` with reason ``wrap-up`` in each queue
    where Asterisk does not show the member paused yet. app_queue with ``ringinuse=no`` skips a member
    whose phone is in use, so a pause placed while the agent talks is in place before the hang-up and
    no waiting caller can ring them between the call's end and the wrap-up; ``_reconcile`` keeps it
    through the call and the wrap-up, until the outcome is saved or the wrap-up timer ends. A member
    already paused (the agent's own pause, a callback hold) keeps its reason."""
    return [fx.AmiAction(actions.queue_pause(agent.info.interface, True, actions.WRAP_UP_REASON, queue))
            for queue, member in sorted(agent.memberships.items()) if not member.paused]


class MemberHandlers:
    settings: Settings
    calls: dict[str, Call]
    agents: dict[int, Agent]
    ami_up: bool
    _calls_at_login: set[str]
    _touched: set[int]
    _agent_for: Callable[..., Agent | None]
    _agent_step: Callable[..., bool]
    _call_completed: Callable[..., Effects]
    _hangup: Callable[..., Effects]
    _offer_callback: Callable[..., Effects]
    _armed_pause: Callable[..., Effects]

    # ------------------------------------------------------------------ members
    def _member_added(self, e: d.MemberAdded, now: datetime) -> Effects:
        agent = self._agent_for(e.interface, e.member_name)
        if agent is None:
            return [fx.Problem("queue member that is no agent of ours", {"interface": e.interface, "queue": e.queue})]
        agent.memberships[e.queue] = Membership(paused=e.paused, reason=e.reason)
        self._touched.add(agent.info.agent_id)
        effects: Effects = [fx.SupervisorsChanged()]
        if agent.hold and not e.paused:      # joined a queue while held for a callback / click-to-dial
            effects.append(fx.AmiAction(actions.queue_pause(agent.info.interface, True, agent.hold, e.queue)))
        return effects

    def _member_removed(self, e: d.MemberRemoved, now: datetime) -> Effects:
        agent = self._agent_for(e.interface, e.member_name)
        if agent is not None:
            agent.memberships.pop(e.queue, None)
            self._touched.add(agent.info.agent_id)
        return [fx.SupervisorsChanged()]

    def _member_paused(self, e: d.MemberPaused, now: datetime) -> Effects:
        agent = self._agent_for(e.interface, e.member_name)
        if agent is None:
            return []
        agent.memberships[e.queue] = Membership(paused=e.paused, reason=e.reason if e.paused else "")
        self._touched.add(agent.info.agent_id)
        return [fx.SupervisorsChanged()]

    def _member_status(self, e: d.MemberStatus, now: datetime) -> Effects:
        agent = self._agent_for(e.interface, e.member_name)
        if agent is None:
            return []
        membership = agent.memberships.setdefault(e.queue, Membership())
        if membership.paused != e.paused:
            membership.paused = e.paused
            if not e.paused:
                membership.reason = ""
            self._touched.add(agent.info.agent_id)
        return []

    def _snapshot(self, e: d.QueueSnapshot, now: datetime) -> Effects:
        """After a (re)connect: Asterisk's members replace ours, then what agents want is re-told.
        An agent whose wish we do not know (never saved) is taken to want what Asterisk has."""
        for agent in self.agents.values():
            if agent.memberships:
                agent.memberships = {}
                self._touched.add(agent.info.agent_id)
        effects: Effects = []
        for member in e.members:
            effects += self._member_added(member, now)
        for agent in self.agents.values():
            if agent.wants == "unknown":
                effects += self._adopt(agent)
            effects += self._reconcile(agent)
        return effects

    def _adopt(self, agent: Agent) -> Effects:
        members = agent.memberships.values()
        if not agent.memberships:
            agent.wants, agent.want_reason = "logged_out", ""
        elif all(m.paused for m in members) and not any(m.reason in _NOT_A_WISH for m in members):
            agent.wants, agent.want_reason = "paused", next((m.reason for m in members if m.reason), "")
        else:
            agent.wants, agent.want_reason = "available", ""
        return [fx.SavePresence(agent.info.agent_id, agent.wants, agent.want_reason)]

    def _presence_restored(self, e: d.PresenceRestored, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        if agent is not None and e.wants in ("logged_out", "available", "paused"):
            agent.wants, agent.want_reason = e.wants, e.reason
            agent.want_queues = self._chosen(agent, e.queues)
        return []

    def _ami_connected(self, e: d.AmiConnected, now: datetime) -> Effects:
        self.ami_up = True
        self._calls_at_login = set(self.calls)
        return [fx.SupervisorsChanged()]

    def _channels_snapshot(self, e: d.ChannelsSnapshot, now: datetime) -> Effects:
        """Calls we knew at login that Asterisk no longer has ended in the gap: end them here too,
        so no agent stays "on call" for a call that is gone (calls that began since login are safe)."""
        effects: Effects = []
        for call_id in sorted(self._calls_at_login - e.channel_ids):
            call = self.calls.get(call_id)
            if call is None:
                continue
            agent = self.agents.get(call.agent_id) if call.agent_id is not None else None
            if call.state is CallState.CONNECTED and agent is not None:
                talk = int((now - call.answered_at).total_seconds()) if call.answered_at else 0
                effects += self._call_completed(d.CallCompleted(call_id, call.queue, agent.info.interface,
                                                                agent.info.login, call.hold_seconds, talk, "lost"), now)
            effects += self._hangup(d.ChannelHungUp(call_id, call.channel), now)
            effects.append(fx.Problem("call ended while the AMI link was down", {"call_id": call_id}))
        self._calls_at_login = set()
        return effects

    def _ami_disconnected(self, e: d.AmiDisconnected, now: datetime) -> Effects:
        self.ami_up = False
        return [fx.SupervisorsChanged()]

    def _shutdown(self, e: d.AsteriskShutdown, now: datetime) -> Effects:
        self.ami_up = False
        return [fx.Problem("Asterisk is shutting down", {"restart": e.restart})]

    # ------------------------------------------------------------------ what agents ask for
    def _reconcile(self, agent: Agent) -> Effects:
        """AMI actions that bring Asterisk's view of this agent to what the agent asked for."""
        info, effects = agent.info, []
        # Out of the queues from the call's connect until its outcome is saved or the wrap-up ends.
        in_call = agent.activity in (Activity.ON_CALL, Activity.WRAP_UP)
        if agent.wants == "unknown":
            return []
        if agent.wants == "logged_out":
            return [fx.AmiAction(actions.queue_remove(q, info.interface), info.agent_id) for q in sorted(agent.memberships)]
        paused = agent.wants == "paused" or in_call or bool(agent.hold)
        reason = agent.want_reason if agent.wants == "paused" else \
            (agent.hold or (actions.WRAP_UP_REASON if in_call else ""))
        chosen = agent.want_queues
        for queue in info.queues:
            member = agent.memberships.get(queue)
            if chosen is not None and queue not in chosen:      # per-queue login: not working this one
                if member is not None:
                    effects.append(fx.AmiAction(actions.queue_remove(queue, info.interface), info.agent_id))
                continue
            if member is None:
                effects.append(fx.AmiAction(actions.queue_add(queue, info.interface, info.login,
                                                              paused=paused, reason=reason), info.agent_id))
            elif member.paused != paused or (paused and member.reason != reason):
                effects.append(fx.AmiAction(actions.queue_pause(info.interface, paused, reason, queue), info.agent_id))
        return effects

    def _command_agent(self, agent_id: int) -> Agent | None:
        return self.agents.get(agent_id)

    @staticmethod
    def _chosen(agent: Agent, queues: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """The agent's own queues among *queues*, in their order; ``None`` when that is all of them."""
        if queues is None:
            return None
        chosen = tuple(q for q in agent.info.queues if q in queues)
        return None if chosen == agent.info.queues else chosen

    def _select_queues(self, e: d.AgentSelectQueues, now: datetime) -> Effects:
        agent = self._command_agent(e.agent_id)
        if agent is None:
            return [fx.Problem("command for an unknown agent", {"agent_id": e.agent_id})]
        if not any(q in agent.info.queues for q in e.queues):
            return [fx.SendToAgent(e.agent_id, "error", {"id": "invalid-input", "message": "choose at least one of your queues",
                                                         "details": {"fields": {"queues": "none of yours"}}})]
        agent.want_queues = self._chosen(agent, e.queues)
        return [fx.SavePresence(e.agent_id, agent.wants, agent.want_reason, agent.want_queues),
                fx.SendToAgent(e.agent_id, "agent", agent.view()), *self._reconcile(agent)]

    def _go_available(self, e: d.AgentGoAvailable, now: datetime) -> Effects:
        agent = self._command_agent(e.agent_id)
        if agent is None:
            return [fx.Problem("command for an unknown agent", {"agent_id": e.agent_id})]
        agent.pause_next, agent.lost_from = "", None    # an explicit wish replaces both
        agent.wants, agent.want_reason = "available", ""
        self._touched.add(e.agent_id)
        notice = self._forced(e.agent_id, "available", e.by)
        if e.by and agent.activity is Activity.WRAP_UP and agent.wrapup_call:
            # A supervisor ends a stuck wrap-up as the timer would: the outcome stays savable later.
            call_id = agent.wrapup_call
            return [fx.SavePresence(e.agent_id, agent.wants, queues=agent.want_queues), *notice,
                    *self._end_wrapup(agent, d.WrapUpExpired(e.agent_id, call_id), call_id, now)]
        return [fx.SavePresence(e.agent_id, agent.wants, queues=agent.want_queues), *notice,
                *self._offer_callback(agent, now), *self._reconcile(agent)]

    def _go_paused(self, e: d.AgentGoPaused, now: datetime) -> Effects:
        agent = self._command_agent(e.agent_id)
        if agent is None:
            return [fx.Problem("command for an unknown agent", {"agent_id": e.agent_id})]
        agent.pause_next, agent.lost_from = "", None    # an explicit wish replaces both
        agent.wants, agent.want_reason = "paused", e.reason
        return [fx.SavePresence(e.agent_id, agent.wants, e.reason, agent.want_queues),
                *self._forced(e.agent_id, "pause", e.by, e.reason), *self._reconcile(agent)]

    def _log_out(self, e: d.AgentLogOut, now: datetime) -> Effects:
        agent = self._command_agent(e.agent_id)
        if agent is None:
            return [fx.Problem("command for an unknown agent", {"agent_id": e.agent_id})]
        agent.pause_next, agent.lost_from = "", None    # an explicit wish replaces both
        agent.wants, agent.want_reason = "logged_out", ""
        return [fx.SavePresence(e.agent_id, agent.wants, queues=agent.want_queues),
                *self._forced(e.agent_id, "logout", e.by), *self._reconcile(agent)]

    @staticmethod
    def _forced(agent_id: int, action: str, by: str, reason: str = "") -> Effects:
        """Tell the agent's desk a supervisor set their state (``notice`` frame: "set by supervisor X")."""
        if not by:
            return []
        return [fx.SendToAgent(agent_id, "notice", {"kind": "forced", "action": action, "by": by, "reason": reason})]

    # ------------------------------------------------------------------ supervision (issue 5)
    def _spy(self, e: d.SpyOnAgent, now: datetime) -> Effects:
        """Listen / whisper / barge: the supervisor's phone is originated into ChanSpy on the agent's leg.
        The console checked the agent is on a call; if that changed meanwhile, nothing is dialled."""
        agent = self.agents.get(e.agent_id)
        call = self.calls.get(agent.call_id) if agent is not None and agent.call_id else None
        if agent is None or agent.activity is not Activity.ON_CALL or call is None or not call.agent_channel:
            return [fx.Problem("spy on an agent who is not on a call", {"agent_id": e.agent_id, "mode": e.mode})]
        caller_id = f'"supervisor" <{e.login}>' if e.login else "supervisor"
        return [fx.AmiAction(actions.chanspy(e.interface, call.agent_channel, e.mode, caller_id=caller_id))]

    def _end_wrapup(self, agent: Agent, event: Any, call_id: str, now: datetime) -> Effects:
        if isinstance(event, d.DispositionSaved):
            agent.pending.pop(call_id, None)
        if agent.wrapup_call != call_id:
            return []            # a save for an older call, or a timer that lost the race: nothing to undo
        effects: Effects = []
        if agent.activity is Activity.WRAP_UP:
            self._agent_step(agent, event, effects)
        agent.wrapup_call, agent.wrapup_ends_at = None, None
        if agent.activity is Activity.IDLE:
            agent.call_id = None
        effects.append(fx.CancelTimer(f"wrapup:{agent.info.agent_id}"))
        effects += self._armed_pause(agent)         # "pause after this call": paused, never unpaused first
        effects += self._offer_callback(agent, now)
        effects += self._reconcile(agent)
        self._touched.add(agent.info.agent_id)
        return effects

    def _disposition_saved(self, e: d.DispositionSaved, now: datetime) -> Effects:
        agent = self._command_agent(e.agent_id)
        return [*(self._end_wrapup(agent, e, e.call_id, now) if agent else []), fx.CountMissingOutcomes()]

    def _wrapup_expired(self, e: d.WrapUpExpired, now: datetime) -> Effects:
        agent = self._command_agent(e.agent_id)
        return self._end_wrapup(agent, e, e.call_id, now) if agent else []

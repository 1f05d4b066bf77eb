"""Presence follows the person: "pause after this call", the desk's connection, and pause periods.

Theory of operation. Three things the model keeps about an agent beyond their calls (``Model``
inherits these handlers, as ``members.py``'s):

* **Pause after this call.** ``AgentPauseAfterCall`` arms ``Agent.pause_next`` with a pause code while
  the agent rings, talks or wraps up; the moment the agent is idle again (the wrap-up saved or its time
  over, a ring unanswered) the wish becomes ``paused`` with that code instead of available: inside
  :meth:`_end_wrapup` before anything could unpause them (:meth:`_armed_pause`), and after any other
  event that left them idle (:meth:`_armed_pauses`, called by ``Model.apply``). An idle agent who asks
  is paused at once. ``""`` cancels. An explicit available / pause / log out also cancels it.
* **The desk's connection.** The console posts ``DeskConnected`` for every desk socket and
  ``DeskDisconnected`` when the agent's last one closed. From then, after
  ``console.presence.disconnect_pause_seconds`` an available agent is paused with ``connection_lost``,
  and after ``disconnect_logout_seconds`` (same starting moment) any agent still in the queues is logged
  out of them. What they wanted before is kept in ``Agent.lost_from`` and comes back with their next
  desk. These are the server's doing, not the agent's wish: nothing is saved, so a server restart
  re-tells the agent's own wish. Only agents whose desk was seen in this server's life are watched
  (the demo's robot agents never open one; a restart does not log everybody out).
* **Pause periods.** Each time an agent's paused code changes (into, out of, or between codes),
  ``PauseEnded`` / ``PauseStarted`` effects let the store keep the periods (the agent report counts
  time over each code's limit); :func:`pause_fields` gives the wallboard's over-limit figures.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.entities import Agent
from callcenter.model.members import pause_in_own_queues
from callcenter.model.tables import Activity, AgentState
from callcenter.pause_codes import CONNECTION_LOST, over_limit_seconds

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]
WATCHED = ("available", "paused")       # wishes a lost desk changes; logged out / unknown are left alone


def _timer(agent_id: int, step: str) -> str:
    return f"presence-{step}:{agent_id}"


class PresenceHandlers:
    settings: Settings
    agents: dict[int, Agent]
    _touched: set[int]
    _reconcile: Callable[..., Effects]
    _offer_callback: Callable[..., Effects]
    _go_paused: Callable[..., Effects]

    # ------------------------------------------------------------------ pause after this call
    def _pause_after_call(self, e: d.AgentPauseAfterCall, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        if agent is None:
            return [fx.Problem("command for an unknown agent", {"agent_id": e.agent_id})]
        if e.reason and agent.activity is Activity.IDLE and not agent.wrapup_call:
            agent.pause_next = ""
            return self._go_paused(d.AgentGoPaused(e.agent_id, e.reason), now)
        agent.pause_next = e.reason
        return [fx.SendToAgent(e.agent_id, "agent", agent.view()), fx.SupervisorsChanged()]

    def _armed_pause(self, agent: Agent) -> Effects:
        """The armed code becomes the agent's wish once they are idle (call and wrap-up over)."""
        if not agent.pause_next or agent.activity is not Activity.IDLE or agent.wrapup_call:
            return []
        reason, agent.pause_next = agent.pause_next, ""
        agent.wants, agent.want_reason, agent.lost_from = "paused", reason, None
        self._touched.add(agent.info.agent_id)
        return [fx.SavePresence(agent.info.agent_id, "paused", reason, agent.want_queues),
                fx.SendToAgent(agent.info.agent_id, "agent", agent.view())]

    def _armed_pauses(self, event: Any) -> Effects:
        """After any event: agents it left idle with a pause armed are paused now. A call just ended into
        a wrap-up that leaves the agent in the queues (a queue's wrap-up time of 0): paused with the code
        at once, so no caller is offered in the moment before the wrap-up ends."""
        effects: Effects = []
        for agent_id in tuple(self._touched):
            agent = self.agents[agent_id]
            if not agent.pause_next:
                continue
            if agent.activity is Activity.IDLE and not agent.wrapup_call:
                effects += self._armed_pause(agent)
                effects += self._reconcile(agent)
            elif isinstance(event, d.CallCompleted) and agent.activity is Activity.WRAP_UP \
                    and any(not m.paused for m in agent.memberships.values()):
                effects += pause_in_own_queues(agent, agent.pause_next)
        return effects

    # ------------------------------------------------------------------ the desk's connection
    def _desk_connected(self, e: d.DeskConnected, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        if agent is None:
            return []
        agent.desk_online = agent.desk_seen = True
        effects: Effects = [fx.CancelTimer(_timer(e.agent_id, "pause")), fx.CancelTimer(_timer(e.agent_id, "logout")),
                            fx.SupervisorsChanged()]
        if agent.lost_from is not None:
            agent.wants, agent.want_reason = agent.lost_from
            agent.lost_from = None
            self._touched.add(e.agent_id)
            effects += [fx.SendToAgent(e.agent_id, "notice", {"kind": "presence", "action": "restored"}),
                        *self._offer_callback(agent, now), *self._reconcile(agent)]
        return effects

    def _desk_disconnected(self, e: d.DeskDisconnected, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        if agent is None:
            return []
        agent.desk_online = False
        presence = self.settings.console.presence
        effects: Effects = [fx.SupervisorsChanged()]
        if agent.wants not in WATCHED and agent.lost_from is None:
            return effects
        for step, seconds in (("pause", presence.disconnect_pause_seconds),
                              ("logout", presence.disconnect_logout_seconds)):
            if seconds > 0:
                effects.append(fx.StartTimer(_timer(e.agent_id, step), float(seconds), d.DeskAbsent(e.agent_id, step)))
        return effects

    def _desk_absent(self, e: d.DeskAbsent, now: datetime) -> Effects:
        agent = self.agents.get(e.agent_id)
        if agent is None or agent.desk_online or agent.wants not in WATCHED:
            return []
        if e.step == "pause" and (agent.wants == "paused" or agent.pause_next):
            return []            # already out of the queues with a code that says why, or will be at the call's end
        if agent.lost_from is None:
            agent.lost_from = (agent.wants, agent.want_reason)
        agent.pause_next = ""
        if e.step == "pause":
            agent.wants, agent.want_reason = "paused", CONNECTION_LOST
        else:
            agent.wants, agent.want_reason = "logged_out", ""
        self._touched.add(e.agent_id)
        return [fx.SendToAgent(e.agent_id, "agent", agent.view()), fx.SupervisorsChanged(), *self._reconcile(agent)]

    # ------------------------------------------------------------------ pause periods
    def _pauses_restored(self, e: d.PausesRestored, now: datetime) -> Effects:
        for agent_id, code, started_at in e.periods:
            agent = self.agents.get(agent_id)
            if agent is not None and not agent.pause_open:
                # Checked against Asterisk at the first QueueStatus snapshot (it touches every agent in a
                # queue): still paused with that code, the period goes on; otherwise it ends then.
                agent.pause_open, agent.pause_since = code, started_at
        return []

    def _pause_period(self, agent: Agent, now: datetime) -> Effects:
        """Open / close the agent's pause period when their paused code changed."""
        code = agent.reason if agent.state is AgentState.PAUSED else ""
        if code == agent.pause_open:
            return []
        effects: Effects = []
        if agent.pause_open:
            effects.append(fx.PauseEnded(agent.info.agent_id, now))
        agent.pause_open, agent.pause_since = code, (now if code else None)
        if code:
            limit = self.settings.console.pause_limits.get(code)
            effects.append(fx.PauseStarted(agent.info.agent_id, code, now, limit))
        if agent.state is agent.shown and code:
            # Paused before and after, with another code (wrap-up -> lunch): no state change tells the desk.
            effects += [fx.SendToAgent(agent.info.agent_id, "agent", agent.view()), fx.SupervisorsChanged()]
        return effects


def pause_fields(agent: Agent, now: datetime, limits: dict[str, int | None]) -> dict[str, Any]:
    """The wallboard's fields of one agent: the limit of the code they are paused with
    (``pause_limit_seconds``), when they pass it (``pause_over_at``, for the page's own clock), how far
    beyond it they are now (``pause_over_seconds``), and whether a desk of theirs is connected."""
    limit = limits.get(agent.pause_open) if agent.pause_open else None
    since = agent.pause_since
    over_at = None if limit is None or since is None else since + timedelta(seconds=limit)
    over = over_limit_seconds((now - since).total_seconds(), limit) if since is not None else 0.0
    return {"pause_limit_seconds": limit, "pause_since": since.isoformat() if since else None,
            "pause_over_at": over_at.isoformat() if over_at else None, "pause_over_seconds": round(over),
            "desk_online": agent.desk_online}

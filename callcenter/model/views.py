"""Read-only views of the model for the consoles (pure: model + clock in, JSON-able dicts out)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from callcenter.metrics import NO_TIER, LiveMetrics, Rules, Totals, figures
from callcenter.model.entities import Call
from callcenter.model.presence import pause_fields
from callcenter.model.state import Model
from callcenter.model.supervision import stuck_fields
from callcenter.model.tables import Activity, CallState
from callcenter.routing import AgentAvailability, AgentPresence
from callcenter.settings import CUSTOMER_TYPES

# Calls the wallboard lists under their queue: waiting, ringing there, or ringing an agent directly
# (a ladder's agent step, before the queue).
_WAITING = (CallState.QUEUED, CallState.RINGING, CallState.DIALING)
_EMPTY = figures(Totals(), Rules())        # a group with no finished call today


def agent_snapshot(model: Model, agent_id: int, now: datetime) -> dict[str, Any]:
    """The agent's own state and, while ringing / talking / wrapping up, the call on their desk."""
    agent = model.agents.get(agent_id)
    if agent is None:
        return {"agent": None, "call": None, "pending": []}
    call_view: dict[str, Any] | None = None
    call = model.calls.get(agent.call_id) if agent.call_id else None
    if agent.activity is Activity.RINGING and call is not None:
        call_view = {**call.pop(now), "state": "ringing"}
    elif agent.activity is Activity.ON_CALL and call is not None:
        call_view = {**call.pop(now), "state": "connected"}
    elif agent.wrapup_call and agent.wrapup_call in agent.pending:
        call_view = {**agent.pending[agent.wrapup_call].pop, "state": "wrapup"}
    if call_view is not None and call is not None and call.consult is not None:
        # An attended transfer in progress: which side this desk is on survives a page reload.
        role = "transferer" if call.consult.transferer == agent_id else "target"
        call_view["consult"] = call.consult.view(role)
    pending = [{**w.pop, "state": "wrapup"} for cid, w in agent.pending.items() if cid != agent.wrapup_call]
    return {"agent": agent.view(), "call": call_view, "pending": pending, "ami_up": model.ami_up}


def pending_wrapups(model: Model, agent_id: int) -> dict[str, Any]:
    """The calls this agent still owes an outcome for, as the engine holds them, and the interaction id
    of their live call (ringing or talking: not a wrap-up yet); ``console/desk/pending.py`` merges them
    with the stored ones."""
    agent = model.agents.get(agent_id)
    if agent is None:
        return {"items": [], "live": None}
    items = []
    for w in agent.pending.values():
        card = w.pop.get("card") or {}
        items.append({"interaction_id": w.interaction_id, "call_id": w.call_id,
                      "caller_number": w.pop.get("caller_number") or "", "queue": w.pop.get("queue") or "",
                      "name": card.get("name"), "customer_id": card.get("customer_id"),
                      "answered_at": w.call_fields.get("answered_at"), "ended_at": w.call_fields.get("ended_at")})
    call = model.calls.get(agent.call_id) if agent.call_id else None
    live = call.interaction_id if call is not None and agent.activity in (Activity.RINGING, Activity.ON_CALL) else None
    return {"items": items, "live": live}


def wrapup_call(model: Model, agent_id: int, call_id: str) -> dict[str, Any] | None:
    """The call this agent may save an outcome for, with the facts the row needs."""
    agent = model.agents.get(agent_id)
    if agent is None:
        return None
    pending = agent.pending.get(call_id)
    if pending is None:
        return None
    return {"interaction_id": pending.interaction_id, "call_fields": dict(pending.call_fields)}


def _waiting_view(call: Call) -> dict[str, Any]:
    card = call.card or {}
    return {"call_id": call.call_id, "caller_number": call.caller_number, "name": card.get("name"),
            "customer_type": card.get("customer_type"), "priority": call.priority, "state": call.state.value,
            "waiting_since": call.joined_at.isoformat() if call.joined_at else None, "trace": call.trace()}


def _waits(calls: list[Call], now: datetime) -> dict[str, Any]:
    joined = [c.joined_at for c in calls if c.joined_at is not None]
    longest = max((now - at).total_seconds() for at in joined) if joined else 0.0
    return {"waiting_count": len(calls), "longest_wait": round(max(longest, 0.0), 1)}


def waiting_counts(model: Model) -> dict[str, int]:
    """Callers waiting in each configured queue now (as the wallboard counts them)."""
    counts = dict.fromkeys(model.settings.queues, 0)
    for c in model.calls.values():
        if c.state in _WAITING and c.queue in counts:
            counts[c.queue] += 1
    return counts


def wallboard(model: Model, now: datetime, metrics: LiveMetrics | None = None) -> dict[str, Any]:
    """Each queue's waiting calls (best first, as app_queue orders them) and each agent's state; with
    *metrics*, today's figures per queue and per tier (callcenter/metrics.py) and per agent answered."""
    by_queue: dict[str, list[Call]] = {}
    by_tier: dict[str, list[Call]] = {}
    for c in model.calls.values():
        if c.state in _WAITING:
            by_queue.setdefault(c.queue, []).append(c)
            by_tier.setdefault((c.card or {}).get("customer_type") or NO_TIER, []).append(c)
    today = metrics.figures("queue") if metrics is not None else {}
    queues = []
    callbacks = model._callback_counts()
    for name, q in model.settings.queues.items():
        waiting = by_queue.get(name, [])
        waiting.sort(key=lambda c: (-c.priority, c.joined_at or now))
        members = [a for a in model.agents.values() if name in a.memberships]
        queues.append({
            "name": name, "label": q.label_in("zh") or name, "waiting": [_waiting_view(c) for c in waiting],
            "members": [a.info.agent_id for a in members],
            "available": sum(1 for a in members if a.state.value == "available"),
            "callbacks": callbacks.get(name, 0), **_waits(waiting, now), "today": today.get(name) or _EMPTY,
        })
    board: dict[str, Any] = {"queues": queues}
    if metrics is not None:
        tier_figures = metrics.figures("tier")
        names = [t for t in (*CUSTOMER_TYPES, NO_TIER) if t in by_tier or t in tier_figures]
        board["tiers"] = [{"tier": t, **_waits(by_tier.get(t, []), now), "today": tier_figures.get(t) or _EMPTY}
                          for t in names]
        board["metrics"] = {"sl_seconds": metrics.rules.sl_seconds, "sl_target": metrics.rules.sl_target,
                            "short_abandon_seconds": metrics.rules.short_abandon_seconds,
                            "day": metrics.day.isoformat(), "timezone": str(metrics.rules.zone)}
    agent_figures = metrics.figures("agent") if metrics is not None else {}
    agents = []
    limits = model.settings.console.pause_limits
    for agent in sorted(model.agents.values(), key=lambda a: a.info.login):
        if agent.info.role != "agent" and not agent.memberships:
            continue
        call = model.calls.get(agent.call_id) if agent.call_id else None
        answered = (agent_figures.get(agent.info.agent_id) or _EMPTY)["answered"]
        agents.append({**agent.view(), "customer_type": (call.card or {}).get("customer_type") if call else None,
                       "answered_today": answered,
                       "missing_outcomes": model.missing_outcomes.get(agent.info.agent_id, 0),
                       **stuck_fields(agent.state.value, agent.since, now, model.settings.supervision),
                       **pause_fields(agent, now, limits)})
    return {**board, "agents": agents, "ami_up": model.ami_up, "at": now.isoformat()}


def availability(model: Model) -> AgentAvailability:
    """Every agent as routing sees them now (``routing.decide``'s input, read by the IVR)."""
    return AgentAvailability.of(
        AgentPresence(login=a.info.login, state=a.state.value, queues=frozenset(a.memberships), reason=a.reason,
                      name=a.info.name, interface=a.info.interface)
        for a in model.agents.values() if a.info.role == "agent" or a.memberships)

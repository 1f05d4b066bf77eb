"""Stuck agents: which agent has been in one state far too long (pure: state, since, now, limits in).

Theory of operation. ``Agent.since`` changes only when the agent's state changes, so "stuck" is a
function of the clock: the wallboard carries, per agent, ``stuck`` (``{"reason", "minutes"}`` once the
limit of its state is passed, else ``None``) and ``stuck_at`` (``{"reason", "at"}``: the moment it
will be, or ``None`` for states without a limit). The supervisor page recomputes from ``stuck_at``
with its own (server-synchronised) clock between wallboard frames, so a row turns red on time even
when nothing else happens on the floor.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callcenter.settings import SupervisionSettings

# state (AgentState value) -> the limit in seconds, from the settings
REASONS = ("paused", "wrap_up", "on_call", "ringing")


def limit_seconds(state: str, rules: SupervisionSettings) -> float | None:
    """How long an agent may stay in *state* before being flagged; ``None``: no limit."""
    return {
        "paused": rules.paused_minutes * 60,
        "wrap_up": rules.wrapup_minutes * 60,
        "on_call": rules.on_call_minutes * 60,
        "ringing": rules.ringing_seconds,
    }.get(state)


def stuck(state: str, since: datetime, now: datetime, rules: SupervisionSettings) -> dict[str, Any] | None:
    """``{"reason": state, "minutes": whole minutes in that state}`` when beyond its limit, else None."""
    limit = limit_seconds(state, rules)
    if limit is None:
        return None
    elapsed = (now - since).total_seconds()
    if elapsed < limit:
        return None
    return {"reason": state, "minutes": int(elapsed // 60)}


def stuck_fields(state: str, since: datetime, now: datetime, rules: SupervisionSettings) -> dict[str, Any]:
    """The wallboard fields of one agent: ``stuck`` now and ``stuck_at`` (when it will be)."""
    limit = limit_seconds(state, rules)
    at = None if limit is None else {"reason": state, "at": (since + timedelta(seconds=limit)).isoformat()}
    return {"stuck": stuck(state, since, now, rules), "stuck_at": at}

"""Pause periods: when each agent was paused with which code, and the time beyond each code's limit.

The engine writes them in order through :class:`PauseLog` (its ``PauseStarted`` / ``PauseEnded``
effects); the agent report reads them with :func:`pause_figures`. A period still open when the server
stops is continued by the next start with the same code (a restart does not split a lunch break), and
closed when the agent's next pause state is recorded.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from callcenter import metrics
from callcenter.pause_codes import over_limit_seconds
from crm_bridge.models import PausePeriod


class PauseLog:
    """The engine's ``PauseLogPort`` over the store's connections."""

    def __init__(self, store: Any) -> None:
        self._store = store

    async def pause_started(self, agent_id: int, reason: str, at: datetime, limit_seconds: int | None) -> None:
        async with self._store.connect(write=True) as conn:
            open_rows = (await conn.execute(select(PausePeriod.id, PausePeriod.reason).where(
                PausePeriod.agent_id == agent_id, PausePeriod.ended_at.is_(None)))).all()
            if any(r.reason == reason for r in open_rows):
                return           # the same pause, seen again after a restart
            if open_rows:
                await conn.execute(update(PausePeriod).where(PausePeriod.id.in_([r.id for r in open_rows]))
                                   .values(ended_at=at))
            await conn.execute(insert(PausePeriod).values(agent_id=agent_id, reason=reason[:64], started_at=at,
                                                          limit_seconds=limit_seconds))

    async def pause_ended(self, agent_id: int, at: datetime) -> None:
        async with self._store.connect(write=True) as conn:
            await conn.execute(update(PausePeriod).where(PausePeriod.agent_id == agent_id,
                                                         PausePeriod.ended_at.is_(None)).values(ended_at=at))


async def open_pauses(store: Any) -> list[tuple[int, str, datetime]]:
    """At start-up: the periods still open, ``(agent_id, code, started_at)``."""
    stmt = select(PausePeriod.agent_id, PausePeriod.reason, PausePeriod.started_at).where(
        PausePeriod.ended_at.is_(None))
    async with store.connect() as conn:
        return [(int(r.agent_id), r.reason, metrics.aware(r.started_at)) for r in (await conn.execute(stmt)).all()]


async def pause_rows(store: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The pause periods that began in [start, end)."""
    stmt = select(PausePeriod.agent_id, PausePeriod.reason, PausePeriod.started_at, PausePeriod.ended_at,
                  PausePeriod.limit_seconds).where(PausePeriod.started_at >= start, PausePeriod.started_at < end)
    async with store.connect() as conn:
        return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]


def pause_figures(rows: Iterable[Mapping[str, Any]], now: datetime) -> dict[int, dict[str, float]]:
    """Per agent: minutes paused and minutes beyond the limit of each period's code (a period still
    open counts up to *now*), rounded to 0.1 min."""
    out: dict[int, dict[str, float]] = {}
    for row in rows:
        started = metrics.aware(row["started_at"])
        ended = metrics.aware(row.get("ended_at")) or now
        seconds = max(0.0, (ended - started).total_seconds())
        figures = out.setdefault(int(row["agent_id"]), {"paused_minutes": 0.0, "pause_over_minutes": 0.0})
        figures["paused_minutes"] += seconds / 60
        figures["pause_over_minutes"] += over_limit_seconds(seconds, row.get("limit_seconds")) / 60
    return {agent: {k: round(v, 1) for k, v in f.items()} for agent, f in out.items()}

"""Answered calls still waiting for their outcome: the agent's pending wrap-ups, and the count per agent.

A call is *pending* for its agent from the moment it is answered (``answered_at`` set, the recorder
writes it at the connect) until ``save_disposition`` writes its ``outcome``. The list is read from the
database so that it survives page reloads, new calls and server restarts; the live call itself is left
out by the caller (``console/desk/pending.py``), which knows what the engine is doing now.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_bridge.models import Customer, Interaction

MAX_PENDING = 100


def _unsaved() -> Any:
    return Interaction.answered_at.is_not(None) & Interaction.outcome.is_(None)


async def pending(conn: AsyncConnection, agent_id: int, limit: int = MAX_PENDING) -> list[dict[str, Any]]:
    """The agent's answered calls without an outcome, oldest first."""
    stmt = (select(Interaction.id.label("interaction_id"), Interaction.call_id, Interaction.caller_number,
                   Interaction.queue, Interaction.customer_id, Customer.name.label("name"),
                   Interaction.answered_at, Interaction.ended_at)
            .outerjoin(Customer, Interaction.customer_id == Customer.id)
            .where(Interaction.agent_id == agent_id, _unsaved())
            .order_by(Interaction.answered_at, Interaction.id)
            .limit(max(1, min(limit, MAX_PENDING))))
    return [dict(row) for row in (await conn.execute(stmt)).mappings().all()]


async def with_outcome(conn: AsyncConnection, interaction_ids: Iterable[str]) -> set[str]:
    """Those of *interaction_ids* whose outcome is saved."""
    ids = sorted(set(interaction_ids))
    if not ids:
        return set()
    stmt = select(Interaction.id).where(Interaction.id.in_(ids), Interaction.outcome.is_not(None))
    return set((await conn.execute(stmt)).scalars().all())


async def savable(conn: AsyncConnection, agent_id: int, interaction_id: str, call_id: str) -> dict[str, Any] | None:
    """The row of an answered call of this agent without an outcome yet, when it matches *call_id*."""
    stmt = select(Interaction.id, Interaction.call_id).where(
        Interaction.id == interaction_id, Interaction.agent_id == agent_id, _unsaved())
    row = (await conn.execute(stmt)).first()
    if row is None or (row.call_id or "") != call_id:
        return None
    return {"interaction_id": row.id, "call_fields": {}}


async def missing_by_agent(conn: AsyncConnection, since: datetime | None = None,
                           until: datetime | None = None) -> dict[int, int]:
    """Answered calls without an outcome per agent (answered in [since, until) when given)."""
    stmt = select(Interaction.agent_id, func.count()).where(Interaction.agent_id.is_not(None), _unsaved())
    if since is not None:
        stmt = stmt.where(Interaction.answered_at >= since)
    if until is not None:
        stmt = stmt.where(Interaction.answered_at < until)
    stmt = stmt.group_by(Interaction.agent_id)
    return {int(agent_id): int(count) for agent_id, count in (await conn.execute(stmt)).all()}

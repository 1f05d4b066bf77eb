"""Queries of the tier re-assessment: read customers' facts a batch at a time, apply tier changes with
their history rows, and read the history back.

Core, not ORM: a re-assessment touches every customer (1,000,000 in the benchmark), so reads are keyset
pages by primary key and writes are one ``executemany`` UPDATE and one multi-row INSERT per batch.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_bridge.models import Customer, TierChange

_customers = Customer.__table__
_FACT_COLUMNS = (
    Customer.id, Customer.customer_type, Customer.value_class, Customer.account_kind, Customer.spend_12m,
    Customer.contribution_12m, Customer.tenure_months, Customer.products, Customer.potential,
    Customer.tier_assessed_at,
)


@dataclass(frozen=True, slots=True)
class TierMove:
    customer_id: int
    from_type: str
    from_class: str
    to_type: str
    to_class: str
    score: float
    reason: str


async def count_customers(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(_customers))).scalar_one())


def _due(due_before: datetime | None) -> Any:
    if due_before is None:
        return true()
    return or_(Customer.tier_assessed_at.is_(None), Customer.tier_assessed_at < due_before)


async def facts_page(conn: AsyncConnection, after_id: int, limit: int, *,
                     due_before: datetime | None = None) -> Sequence[RowMapping]:
    """The next *limit* customers with ``id > after_id`` (and, with *due_before*, not assessed since),
    by id, locked for update on PostgreSQL (on SQLite the writer transaction holds the database)."""
    stmt = (select(*_FACT_COLUMNS).where(Customer.id > after_id, _due(due_before))
            .order_by(Customer.id).limit(limit))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).mappings().all()


async def apply_moves(conn: AsyncConnection, moves: Sequence[TierMove], *, now: datetime, run_id: str) -> None:
    """Set the new tiers and write one history row per move (in the caller's transaction)."""
    if not moves:
        return
    stmt = (
        update(_customers)
        .where(_customers.c.id == bindparam("b_id"))
        .values(customer_type=bindparam("b_type"), value_class=bindparam("b_class"))
    )
    await conn.execute(stmt, [{"b_id": m.customer_id, "b_type": m.to_type, "b_class": m.to_class} for m in moves])
    await conn.execute(insert(TierChange), [
        {"customer_id": m.customer_id, "from_type": m.from_type, "to_type": m.to_type, "from_class": m.from_class,
         "to_class": m.to_class, "score": m.score, "reason": m.reason, "changed_at": now, "run_id": run_id}
        for m in moves
    ])


async def mark_assessed(conn: AsyncConnection, first_id: int, last_id: int, *, now: datetime,
                        due_before: datetime | None = None) -> None:
    """Stamp every scorable customer of the page ``first_id..last_id`` (as selected by
    :func:`facts_page`) as assessed at *now*: one range UPDATE instead of one per row."""
    await conn.execute(
        update(_customers)
        .where(Customer.id.between(first_id, last_id), Customer.account_kind.is_not(None), _due(due_before))
        .values(tier_assessed_at=now)
    )


async def history(conn: AsyncConnection, customer_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """A customer's tier changes, newest first."""
    stmt = (
        select(TierChange.__table__).where(TierChange.customer_id == customer_id)
        .order_by(TierChange.changed_at.desc(), TierChange.id.desc()).limit(min(limit, 1000))
    )
    return [dict(row) for row in (await conn.execute(stmt)).mappings().all()]


async def run_changes(conn: AsyncConnection, run_id: str, limit: int = 1000) -> list[dict[str, Any]]:
    """The changes one re-assessment run made, in customer order."""
    stmt = (
        select(TierChange.__table__).where(TierChange.run_id == run_id)
        .order_by(TierChange.customer_id, TierChange.id).limit(limit)
    )
    return [dict(row) for row in (await conn.execute(stmt)).mappings().all()]

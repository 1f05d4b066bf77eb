"""Complaints: a small state machine (as a table) and its queries.

Theory of operation: a complaint is opened from an agent's wrap-up and owned by that agent
(first-contact responsibility, 首问负责制). The owner works it (``in_progress``) and ``resolved`` it;
the callback visit (回访) asks the customer: satisfied -> ``confirmed`` -> ``closed``; not satisfied ->
back to ``in_progress``. Anything else is an illegal transition and is refused with the current state
named. ``open`` and ``in_progress`` complaints show on the screen-pop card.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from callcenter.errors import NotFound, ValidationFailed
from crm_bridge.models import COMPLAINT_STATUSES, Agent, Complaint, Customer

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "resolved"}),
    "in_progress": frozenset({"resolved"}),
    "resolved": frozenset({"confirmed", "in_progress"}),
    "confirmed": frozenset({"closed"}),
    "closed": frozenset(),
}

_owner = aliased(Agent, name="owner")


def check_transition(complaint_id: int, current: str, new: str) -> None:
    """Raise ValidationFailed (field ``status``) unless *current* -> *new* is in the table."""
    if new not in COMPLAINT_STATUSES:
        raise ValidationFailed(f"unknown complaint status {new!r}",
                               {"status": f"expected one of {', '.join(COMPLAINT_STATUSES)}"})
    if new not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing (final)"
        raise ValidationFailed(
            f"complaint {complaint_id} is {current}: it cannot become {new}",
            {"status": f"from {current} only to {allowed}"},
        )


def _listing() -> Any:
    return (
        select(
            *Complaint.__table__.c, Customer.name.label("customer_name"),
            _owner.login.label("owner_login"), _owner.name.label("owner_name"),
        )
        .outerjoin(Customer, Complaint.customer_id == Customer.id)
        .outerjoin(_owner, Complaint.owner_agent_id == _owner.id)
    )


async def for_interaction(conn: AsyncConnection, interaction_id: str) -> Sequence[RowMapping]:
    stmt = _listing().where(Complaint.interaction_id == interaction_id).order_by(Complaint.id)
    return (await conn.execute(stmt)).mappings().all()


async def listing(
    conn: AsyncConnection, *, statuses: Sequence[str] | None, owner_agent_id: int | None,
    customer_id: int | None, limit: int,
) -> list[dict[str, Any]]:
    stmt = _listing()
    if statuses:
        stmt = stmt.where(Complaint.status.in_(list(statuses)))
    if owner_agent_id is not None:
        stmt = stmt.where(Complaint.owner_agent_id == owner_agent_id)
    if customer_id is not None:
        stmt = stmt.where(Complaint.customer_id == customer_id)
    stmt = stmt.order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(max(1, min(limit, 1000)))
    return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]


async def find_same(conn: AsyncConnection, values: dict[str, Any]) -> int | None:
    """The id of an identical complaint already filed for this call (a wrap-up saved twice)."""
    stmt = select(Complaint.id).where(
        Complaint.interaction_id == values["interaction_id"],
        Complaint.owner_agent_id == values["owner_agent_id"],
        Complaint.category == values["category"],
        Complaint.severity == values["severity"],
        Complaint.description == values["description"],
    ).limit(1)
    return (await conn.execute(stmt)).scalar()


async def add(conn: AsyncConnection, values: dict[str, Any]) -> int:
    stmt = insert(Complaint).values(values).returning(Complaint.id)
    return int((await conn.execute(stmt)).scalar_one())


async def advance(conn: AsyncConnection, complaint_id: int, new_status: str, now: datetime) -> dict[str, Any]:
    current = (await conn.execute(select(Complaint.status).where(Complaint.id == complaint_id))).scalar()
    if current is None:
        raise NotFound("complaint", complaint_id)
    check_transition(complaint_id, current, new_status)
    # Compare-and-set: two supervisors moving the same complaint must not both win.
    result = await conn.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.status == current)
        .values(status=new_status, updated_at=now)
    )
    if result.rowcount != 1:
        raise ValidationFailed(f"complaint {complaint_id} changed meanwhile; reload it",
                               {"status": "changed meanwhile"})
    row = (await conn.execute(_listing().where(Complaint.id == complaint_id))).mappings().one()
    return dict(row)

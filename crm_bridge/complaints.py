"""Complaints: a small state machine (as a table) and its queries.

Theory of operation: a complaint is opened from an agent's wrap-up and owned by that agent
(first-contact responsibility, 首问负责制). The owner works it (``in_progress``) and ``resolved`` it;
the callback visit (回访) asks the customer: satisfied -> ``confirmed`` -> ``closed``; not satisfied ->
back to ``in_progress``. Anything else is an illegal transition and is refused with the current state
named. ``open`` and ``in_progress`` complaints show on the screen-pop card.

Deadlines and milestones: a complaint gets its SLA deadline when filed (:func:`sla_due`, from
``settings.complaints``); each move stamps its milestone (:func:`milestones`: resolved_at,
confirmed_at, closed_at; a reopened complaint loses resolved_at). Resolving books the callback visit:
a ``callback_visit`` follow-up for the owner, in the same transaction (:func:`advance`). Only the
owner or a supervisor moves or hands on a complaint (:func:`may_act`).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from callcenter.errors import CallCenterError, NotFound, ValidationFailed
from callcenter.settings import ComplaintSettings
from crm_bridge import audit
from crm_bridge.models import COMPLAINT_STATUSES, Agent, Complaint, Customer, FollowUp, Interaction, Phone

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "resolved"}),
    "in_progress": frozenset({"resolved"}),
    "resolved": frozenset({"confirmed", "in_progress"}),
    "confirmed": frozenset({"closed"}),
    "closed": frozenset(),
}

_owner = aliased(Agent, name="owner")
_MILESTONE = {"resolved": "resolved_at", "confirmed": "confirmed_at", "closed": "closed_at"}
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
DEFAULT_RULES = ComplaintSettings()


def sla_due(filed_at: datetime, severity: str, customer_type: str | None, rules: ComplaintSettings) -> datetime:
    """The deadline: ``sla_hours[severity] x customer_factor[customer_type]`` after *filed_at* (an
    unknown caller counts as factor 1)."""
    factor = rules.customer_factor.get(customer_type or "", 1.0)
    return filed_at + timedelta(hours=rules.sla_hours[severity] * factor)


def milestones(current: str, new: str, now: datetime) -> dict[str, Any]:
    """Column values of the move *current* -> *new* (already checked against the table)."""
    values: dict[str, Any] = {"status": new, "updated_at": now}
    if new in _MILESTONE:
        values[_MILESTONE[new]] = now
    if current == "resolved" and new == "in_progress":
        values["resolved_at"] = None            # the customer was not satisfied: not resolved any more
    return values


def may_act(*, owner_agent_id: int | None, actor_id: int, actor_role: str) -> bool:
    """First-contact responsibility: the owner works the complaint; supervisors may step in."""
    return actor_role in SUPERVISOR_ROLES or owner_agent_id == actor_id


class NotYours(CallCenterError):
    def __init__(self, complaint_id: int) -> None:
        super().__init__("forbidden", f"complaint {complaint_id} belongs to another agent; ask its owner or a "
                         "supervisor", {"complaint_id": complaint_id})


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


async def advance(conn: AsyncConnection, complaint_id: int, new_status: str, now: datetime,
                  *, rules: ComplaintSettings = DEFAULT_RULES, actor_login: str = "system",
                  actor_agent_id: int | None = None) -> dict[str, Any]:
    current = (await conn.execute(select(Complaint.status).where(Complaint.id == complaint_id))).scalar()
    if current is None:
        raise NotFound("complaint", complaint_id)
    check_transition(complaint_id, current, new_status)
    # Compare-and-set: two supervisors moving the same complaint must not both win.
    result = await conn.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.status == current)
        .values(milestones(current, new_status, now))
    )
    if result.rowcount != 1:
        raise ValidationFailed(f"complaint {complaint_id} changed meanwhile; reload it",
                               {"status": "changed meanwhile"})
    await audit.record(conn, actor_login=actor_login, actor_agent_id=actor_agent_id, action="complaint.advance",
                       entity="complaint", entity_id=complaint_id, before={"status": current},
                       after=milestones(current, new_status, now), at=now)
    row = dict((await conn.execute(_listing().where(Complaint.id == complaint_id))).mappings().one())
    if new_status == "resolved":
        row["callback_visit_id"] = await book_visit(
            conn, row, now + timedelta(hours=rules.callback_visit_after_hours), now)
    return row


async def book_visit(conn: AsyncConnection, complaint: dict[str, Any], due_at: datetime, now: datetime,
                     note: str = "") -> int:
    """A callback visit (回访) for the complaint's owner: did the resolution satisfy the customer?"""
    number = await number_for(conn, complaint.get("interaction_id"), complaint.get("customer_id"))
    stmt = insert(FollowUp).values(
        customer_id=complaint["customer_id"], interaction_id=complaint["interaction_id"],
        complaint_id=complaint["id"], kind="callback_visit", due_at=due_at,
        assigned_agent_id=complaint["owner_agent_id"], pool=None, number=number, note=note or None,
        status="open", created_by_agent_id=None, created_at=now,
    ).returning(FollowUp.id)
    return int((await conn.execute(stmt)).scalar_one())


async def number_for(conn: AsyncConnection, interaction_id: str | None, customer_id: int | None) -> str | None:
    """What to dial back: the customer's first phone, else the number the call came from."""
    if customer_id is not None:
        stmt = select(Phone.e164).where(Phone.customer_id == customer_id).order_by(Phone.id).limit(1)
        number = (await conn.execute(stmt)).scalar()
        if number:
            return str(number)
    if interaction_id:
        stmt = select(Interaction.caller_number).where(Interaction.id == interaction_id)
        number = (await conn.execute(stmt)).scalar()
        if number:
            return str(number)
    return None


async def owner_of(conn: AsyncConnection, complaint_id: int) -> int:
    row = (await conn.execute(select(Complaint.owner_agent_id).where(Complaint.id == complaint_id))).first()
    if row is None:
        raise NotFound("complaint", complaint_id)
    return int(row[0])


async def reassign(conn: AsyncConnection, complaint_id: int, new_owner_agent_id: int, now: datetime) -> dict[str, Any]:
    """Hand the complaint (and its open callback visits) to another agent; returns the row before."""
    before = (await conn.execute(_listing().where(Complaint.id == complaint_id))).mappings().first()
    if before is None:
        raise NotFound("complaint", complaint_id)
    if before["status"] == "closed":
        raise ValidationFailed(f"complaint {complaint_id} is closed", {"status": "closed: nothing to hand on"})
    await conn.execute(update(Complaint).where(Complaint.id == complaint_id)
                       .values(owner_agent_id=new_owner_agent_id, updated_at=now))
    await conn.execute(update(FollowUp).where(FollowUp.complaint_id == complaint_id, FollowUp.status == "open",
                                              FollowUp.kind == "callback_visit",
                                              FollowUp.assigned_agent_id == before["owner_agent_id"])
                       .values(assigned_agent_id=new_owner_agent_id))
    return dict(before)


async def by_id(conn: AsyncConnection, complaint_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(_listing().where(Complaint.id == complaint_id))).mappings().first()
    return None if row is None else dict(row)


async def customer_type(conn: AsyncConnection, customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    return (await conn.execute(select(Customer.customer_type).where(Customer.id == customer_id))).scalar()

"""The supervisors' complaints board and the escalation writes (queries only; the rules are in
callcenter/escalation.py).

Theory of operation: the board lists every complaint still on someone's desk — ``open``,
``in_progress`` and ``resolved`` (waiting for its callback visit) — with its customer (name, tier =
``customer_type``, value class), owner, severity, status, SLA deadline and escalation level, plus the
counts per severity x tier. A complaint is *overdue* when it is still being worked (open / in
progress) and its deadline has passed; a resolved one has stopped its clock. Rows come ordered by
severity (critical first) then tier (vip first) then deadline, or by tier first (``order="tier"``).

Escalation writes are compare-and-set on the level (and on the status still being worked), so a
level is never reached twice, whatever runs at the same time; each level crossed gets its own audit
entry (``complaint.escalate``) in the same transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from callcenter.errors import ValidationFailed
from crm_bridge import audit
from crm_bridge.models import Agent, Complaint, Customer

BOARD_STATUSES = ("open", "in_progress", "resolved")
WORKED_STATUSES = ("open", "in_progress")          # the SLA clock runs; escalation applies
SEVERITY_ORDER = ("critical", "high", "medium", "low")
TIER_ORDER = ("vip", "group", "family", "individual", "unknown")
ORDERS = ("severity", "tier")
MAX_ROWS = 2000

_owner = aliased(Agent, name="board_owner")


def _select() -> Any:
    return (
        select(
            Complaint.id, Complaint.customer_id, Complaint.interaction_id, Complaint.category, Complaint.severity,
            Complaint.status, Complaint.owner_agent_id, Complaint.created_at, Complaint.updated_at,
            Complaint.sla_due_at, Complaint.resolved_at, Complaint.escalation_level,
            Customer.name.label("customer_name"), Customer.customer_type.label("tier"),
            Customer.value_class.label("value_class"),
            _owner.login.label("owner_login"), _owner.name.label("owner_name"),
        )
        .outerjoin(Customer, Complaint.customer_id == Customer.id)
        .outerjoin(_owner, Complaint.owner_agent_id == _owner.id)
    )


def _rank(values: tuple[str, ...], value: str | None) -> int:
    return values.index(value) if value in values else len(values)


def sort_key(order: str) -> Any:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        due = row["sla_due_at"].timestamp() if row["sla_due_at"] else float("inf")
        severity, tier = _rank(SEVERITY_ORDER, row["severity"]), _rank(TIER_ORDER, row["tier"])
        return (tier, severity, due, row["id"]) if order == "tier" else (severity, tier, due, row["id"])
    return key


def shape(row: Any, now: datetime) -> dict[str, Any]:
    item = dict(row)
    item["tier"] = item["tier"] or "unknown"
    due = item["sla_due_at"]
    item["overdue"] = bool(due is not None and item["status"] in WORKED_STATUSES and due <= now)
    return item


def counts(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``{severity: {tier: n}}`` for every severity and tier (zeros included), plus ``total``."""
    table = {severity: dict.fromkeys(TIER_ORDER, 0) for severity in SEVERITY_ORDER}
    for row in rows:
        table.setdefault(row["severity"], dict.fromkeys(TIER_ORDER, 0))[row["tier"]] += 1
    return table


async def board(conn: AsyncConnection, now: datetime, *, order: str = "severity") -> dict[str, Any]:
    if order not in ORDERS:
        raise ValidationFailed(f"order must be one of {list(ORDERS)}", {"order": "invalid"})
    stmt = _select().where(Complaint.status.in_(BOARD_STATUSES)).order_by(Complaint.id).limit(MAX_ROWS)
    rows = [shape(r, now) for r in (await conn.execute(stmt)).mappings().all()]
    rows.sort(key=sort_key(order))
    owners = (await conn.execute(select(Agent.id, Agent.login, Agent.name).where(Agent.role == "agent")
                                 .order_by(Agent.login))).mappings().all()
    return {"complaints": rows, "counts": counts(rows), "overdue": sum(r["overdue"] for r in rows),
            "order": order, "now": now, "agents": [dict(a) for a in owners]}   # who may own one


async def row(conn: AsyncConnection, complaint_id: int, now: datetime) -> dict[str, Any] | None:
    found = (await conn.execute(_select().where(Complaint.id == complaint_id))).mappings().first()
    return None if found is None else shape(found, now)


async def candidates(conn: AsyncConnection, now: datetime, *, before_deadline: bool) -> list[dict[str, Any]]:
    """Complaints being worked that have a deadline (past it, unless *before_deadline*: escalation
    steps below 1.0 of the SLA time are configured)."""
    stmt = _select().where(Complaint.status.in_(WORKED_STATUSES), Complaint.sla_due_at.is_not(None))
    if not before_deadline:
        stmt = stmt.where(Complaint.sla_due_at <= now)
    rows = (await conn.execute(stmt.order_by(Complaint.sla_due_at, Complaint.id))).mappings().all()
    return [shape(r, now) for r in rows]


async def escalate(conn: AsyncConnection, complaint_id: int, from_level: int, to_level: int, now: datetime,
                   *, reason: dict[str, Any] | None = None) -> bool:
    """Raise the level *from_level* -> *to_level* unless someone else did (or the complaint was resolved)
    meanwhile; one audit entry per level crossed. False when nothing was written."""
    result = await conn.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.escalation_level == from_level,
               Complaint.status.in_(WORKED_STATUSES))
        .values(escalation_level=to_level)
    )
    if result.rowcount != 1:
        return False
    for level in range(from_level + 1, to_level + 1):
        await audit.record(conn, actor_login="system", actor_agent_id=None, action="complaint.escalate",
                           entity="complaint", entity_id=complaint_id, before={"escalation_level": level - 1},
                           after={"escalation_level": level, **(reason or {})}, at=now)
    return True

"""Follow-ups and callback visits (回访): what an agent owes a customer after a call.

Theory of operation: a follow-up is asked for in the wrap-up (saved in the disposition's transaction,
:func:`from_disposition`) or booked when a complaint is resolved (a ``callback_visit``, see
``crm_bridge.complaints.advance``). It belongs to one agent, or to a pool: the agents of a queue
(``assigned_agent_id`` NULL, ``pool`` = the queue). An agent's task list (:func:`tasks_for`) is their
own open tasks plus their queues' pool tasks, soonest due first, overdue ones flagged.

A task ends ``done`` with a result, or ``cancelled``; only its agent, an agent of its pool, or a
supervisor may end it. A callback visit's result moves its complaint (:data:`VISIT_MOVES`):
``satisfied`` -> confirmed, ``unsatisfied`` -> back to in_progress; ``no_answer`` books the visit
again later. All of it in the caller's transaction: the task, the complaint and the next visit are
committed together or not at all. Checks are pure and name the field (``follow_up.due_at``...).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from callcenter.errors import CallCenterError, NotFound, ValidationFailed
from callcenter.settings import ComplaintSettings
from crm_bridge import complaints
from crm_bridge.models import FOLLOW_UP_RESULTS, Complaint, Customer, FollowUp
from crm_bridge.records import AgentRecord, FollowUpInput

ASSIGN = ("me", "pool")
MAX_DAYS_AHEAD = 366
NOTE_MAX = 4000
POOL_MAX = 64
RESULTS: dict[str, tuple[str, ...]] = {
    "follow_up": ("reached", "no_answer", "wrong_number"),
    "callback_visit": ("satisfied", "unsatisfied", "no_answer", "wrong_number"),
}
# What a callback visit's answer does to its complaint (the complaint's own table must allow it).
VISIT_MOVES = {"satisfied": "confirmed", "unsatisfied": "in_progress"}
SUPERVISOR_ROLES = complaints.SUPERVISOR_ROLES


# --------------------------------------------------------------------------- pure checks
def check_input(f: FollowUpInput, prefix: str = "follow_up.") -> dict[str, str]:
    """Problems with a follow-up's shape (the due time's window is :func:`check_due`'s)."""
    errors: dict[str, str] = {}
    if not isinstance(f.due_at, datetime) or f.due_at.tzinfo is None:
        errors[prefix + "due_at"] = "expected a date and time with its time zone"
    if f.assign not in ASSIGN:
        errors[prefix + "assign"] = f"expected one of {', '.join(ASSIGN)}"
    elif f.assign == "pool" and not (f.pool or "").strip():
        errors[prefix + "pool"] = "name the queue whose agents share it"
    elif len((f.pool or "").strip()) > POOL_MAX:
        errors[prefix + "pool"] = f"longer than {POOL_MAX} characters"
    if len(f.note or "") > NOTE_MAX:
        errors[prefix + "note"] = f"longer than {NOTE_MAX} characters"
    return errors


def check_due(due_at: datetime, now: datetime, prefix: str = "follow_up.") -> dict[str, str]:
    if due_at <= now:
        return {prefix + "due_at": "must be in the future"}
    if due_at > now + timedelta(days=MAX_DAYS_AHEAD):
        return {prefix + "due_at": f"must be within {MAX_DAYS_AHEAD} days"}
    return {}


def check_result(kind: str, result: str, note: str, satisfaction: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    allowed = RESULTS.get(kind, FOLLOW_UP_RESULTS)
    if result not in allowed:
        errors["result"] = f"expected one of {', '.join(allowed)}"
    if len(note or "") > NOTE_MAX:
        errors["note"] = f"longer than {NOTE_MAX} characters"
    if satisfaction is not None and (isinstance(satisfaction, bool) or satisfaction not in range(1, 6)):
        errors["satisfaction"] = "expected 1 to 5"
    return errors


def may_work(task: dict[str, Any], actor: AgentRecord) -> bool:
    """The assigned agent, any agent of the task's pool, or a supervisor."""
    if actor.role in SUPERVISOR_ROLES or task["assigned_agent_id"] == actor.id:
        return True
    return task["assigned_agent_id"] is None and task["pool"] in actor.queues


class NotYourTask(CallCenterError):
    def __init__(self, follow_up_id: int) -> None:
        super().__init__("forbidden", f"follow-up {follow_up_id} is assigned to someone else",
                         {"follow_up_id": follow_up_id})


# --------------------------------------------------------------------------- writes
async def add(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return int((await conn.execute(insert(FollowUp).values(values).returning(FollowUp.id))).scalar_one())


async def from_disposition(conn: AsyncConnection, f: FollowUpInput, *, agent_id: int, interaction_id: str,
                           customer_id: int | None, complaint_id: int | None, now: datetime) -> int:
    """The wrap-up's follow-up, in the disposition's transaction; the due time is checked against that
    transaction's clock, so a refusal here rolls the outcome and the complaint back too."""
    errors = check_input(f)
    if errors:
        raise ValidationFailed("the follow-up does not fit", errors)
    mine = f.assign == "me"
    same = (await conn.execute(select(FollowUp.id).where(   # the same wrap-up saved twice: one task
        FollowUp.interaction_id == interaction_id, FollowUp.created_by_agent_id == agent_id,
        FollowUp.kind == "follow_up", FollowUp.due_at == f.due_at).limit(1))).scalar()
    if same is not None:
        return int(same)
    errors = check_due(f.due_at, now)
    if errors:
        raise ValidationFailed("the follow-up does not fit", errors)
    return await add(conn, {
        "customer_id": customer_id, "interaction_id": interaction_id, "complaint_id": complaint_id,
        "kind": "follow_up", "due_at": f.due_at, "assigned_agent_id": agent_id if mine else None,
        "pool": None if mine else f.pool.strip(), "note": (f.note or "").strip() or None,
        "number": await complaints.number_for(conn, interaction_id, customer_id),
        "status": "open", "created_by_agent_id": agent_id, "created_at": now,
    })


async def complete(conn: AsyncConnection, follow_up_id: int, *, result: str, note: str,
                   satisfaction: int | None, actor: AgentRecord, now: datetime,
                   rules: ComplaintSettings) -> dict[str, Any]:
    """Record the result; a callback visit moves its complaint. Returns ``{"follow_up", "complaint",
    "next_visit_id"}`` (complaint and next visit ``None`` when untouched)."""
    task = await _open_task(conn, follow_up_id, actor)
    errors = check_result(task["kind"], result, note, satisfaction)
    if errors:
        raise ValidationFailed(f"follow-up {follow_up_id}: the result does not fit", errors)
    await _close(conn, task, {"status": "done", "result": result, "result_note": (note or "").strip() or None,
                              "satisfaction": satisfaction, "done_at": now, "done_by_agent_id": actor.id})
    complaint, next_visit = None, None
    cid = task["complaint_id"]
    if task["kind"] == "callback_visit" and cid is not None:
        if result in VISIT_MOVES:
            complaint = await complaints.advance(conn, cid, VISIT_MOVES[result], now, rules=rules,
                                                 actor_login=actor.login, actor_agent_id=actor.id)
        elif result == "no_answer":
            row = await complaints.by_id(conn, cid)
            if row is not None and row["status"] == "resolved":
                next_visit = await complaints.book_visit(
                    conn, row, now + timedelta(hours=rules.callback_visit_retry_hours), now,
                    note=task["note"] or "")
    return {"follow_up": await by_id(conn, follow_up_id), "complaint": complaint, "next_visit_id": next_visit}


async def cancel(conn: AsyncConnection, follow_up_id: int, *, note: str, actor: AgentRecord,
                 now: datetime) -> dict[str, Any]:
    task = await _open_task(conn, follow_up_id, actor)
    if len(note or "") > NOTE_MAX:
        raise ValidationFailed("the note is too long", {"note": f"longer than {NOTE_MAX} characters"})
    await _close(conn, task, {"status": "cancelled", "result_note": (note or "").strip() or None,
                              "done_at": now, "done_by_agent_id": actor.id})
    return await by_id(conn, follow_up_id) or {}


async def _open_task(conn: AsyncConnection, follow_up_id: int, actor: AgentRecord) -> dict[str, Any]:
    task = await by_id(conn, follow_up_id)
    if task is None:
        raise NotFound("follow-up", follow_up_id)
    if not may_work(task, actor):
        raise NotYourTask(follow_up_id)
    if task["status"] != "open":
        raise ValidationFailed(f"follow-up {follow_up_id} is already {task['status']}",
                               {"follow_up_id": f"already {task['status']}"})
    return task


async def _close(conn: AsyncConnection, task: dict[str, Any], values: dict[str, Any]) -> None:
    # Compare-and-set: two agents of a pool finishing the same task must not both win.
    done = await conn.execute(update(FollowUp).where(FollowUp.id == task["id"], FollowUp.status == "open")
                              .values(values))
    if done.rowcount != 1:
        raise ValidationFailed(f"follow-up {task['id']} was finished meanwhile",
                               {"follow_up_id": "finished meanwhile"})


# --------------------------------------------------------------------------- reads
def _listing() -> Any:
    return (
        select(*FollowUp.__table__.c, Customer.name.label("customer_name"),
               Complaint.status.label("complaint_status"), Complaint.severity.label("complaint_severity"),
               Complaint.category.label("complaint_category"), Complaint.sla_due_at.label("complaint_sla_due_at"))
        .outerjoin(Customer, FollowUp.customer_id == Customer.id)
        .outerjoin(Complaint, FollowUp.complaint_id == Complaint.id)
    )


async def by_id(conn: AsyncConnection, follow_up_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(_listing().where(FollowUp.id == follow_up_id))).mappings().first()
    return None if row is None else dict(row)


async def tasks_for(conn: AsyncConnection, agent_id: int, queues: Sequence[str], now: datetime,
                    limit: int = 200) -> list[dict[str, Any]]:
    """Open tasks of the agent and of their queues' pools, soonest due first; each with ``overdue``
    (due before *now*) and ``mine`` (assigned to this agent rather than to a pool)."""
    whose = FollowUp.assigned_agent_id == agent_id
    if queues:
        whose = or_(whose, and_(FollowUp.assigned_agent_id.is_(None), FollowUp.pool.in_(list(queues))))
    stmt = (_listing().where(FollowUp.status == "open", whose)
            .order_by(FollowUp.due_at, FollowUp.id).limit(max(1, min(limit, 1000))))
    rows = []
    for row in (await conn.execute(stmt)).mappings():
        task = dict(row)
        task["overdue"] = task["due_at"] < now
        task["mine"] = task["assigned_agent_id"] == agent_id
        rows.append(task)
    return rows


async def for_complaint(conn: AsyncConnection, complaint_id: int) -> list[dict[str, Any]]:
    stmt = _listing().where(FollowUp.complaint_id == complaint_id).order_by(FollowUp.id)
    return [dict(r) for r in (await conn.execute(stmt)).mappings()]

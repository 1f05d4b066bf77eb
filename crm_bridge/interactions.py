"""Interaction rows (one per call) and the disposition that closes them.

Two writers touch a row: the engine's recorder (call facts, batched, :func:`upsert_many`) and the
agent's wrap-up (:func:`upsert_disposition`). They may race for the same id (the wrap-up can be saved
before the recorder's batch lands), so both are ``INSERT ... ON CONFLICT (id) DO UPDATE`` (SQLite and
PostgreSQL both have it) and each only sets its own columns: the recorder never writes outcome,
notes or disposition_at; the wrap-up fills call facts only where the recorder left them empty.

Input checks are pure (:func:`clean_fields`, :func:`merge_batch`, :func:`check_disposition`) and run
before any statement, so a bad value gives ``ValidationFailed`` naming the field, not a database error.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from callcenter.errors import ValidationFailed
from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES
from crm_bridge import audit, complaints, followups
from crm_bridge.models import (COMPLAINT_SEVERITIES, INTERACTION_STATUSES, LANGUAGES, SURVEY_SCORES, Agent, Customer,
                               Interaction)

if TYPE_CHECKING:
    from crm_bridge.records import Disposition

OUTCOME_MAX = 64
NOTES_MAX = 4000
CATEGORY_MAX = 64
DESCRIPTION_MAX = 4000

# Field -> what it accepts. Text fields give their column length (PostgreSQL enforces it).
_TEXT = {"call_id": 64, "caller_number": 64, "queue": 64, "menu_choice": 32, "ivr_digits": 64}
_VOCAB: dict[str, tuple[str, ...]] = {
    "status": INTERACTION_STATUSES, "customer_type": CUSTOMER_TYPES, "value_class": VALUE_CLASSES,
    "language": LANGUAGES,
}
_INTS = ("customer_id", "agent_id", "priority", "hold_seconds", "talk_seconds", "survey_score")
_TIMES = ("started_at", "queued_at", "answered_at", "ended_at")
_NOT_NULL = ("status", "started_at", "ivr_failed")
# What callers type or send is cut to the column, never refused: a recorder batch must not fail on it.
_TRUNCATED = ("caller_number", "ivr_digits", "menu_choice")
_LONG_TEXT = ("routing_trace",)          # Text columns: JSON written by the engine
FIELDS = frozenset((*_TEXT, *_LONG_TEXT, *_VOCAB, *_INTS, *_TIMES, "ivr_failed"))
DISPOSITION_ONLY = frozenset({"outcome", "notes", "disposition_at"})

_agent = aliased(Agent, name="agent")


# --------------------------------------------------------------------------- pure checks
def clean_fields(fields: Mapping[str, Any], prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """Checked copy of interaction *fields* and the problems found (``{field: message}``)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in fields.items():
        problem = _problem(key, value)
        if problem:
            errors[prefix + key] = problem
            continue
        if key == "ivr_digits" and isinstance(value, (list, tuple)):
            value = ",".join(value)
        if key in _TRUNCATED and value is not None:
            value = value[:_TEXT[key]]
        clean[key] = value
    return clean, errors


def _problem(key: str, value: Any) -> str | None:
    if key in DISPOSITION_ONLY:
        return "written only by save_disposition"
    if key not in FIELDS:
        return "unknown interaction field"
    if value is None:
        return "may not be empty" if key in _NOT_NULL else None
    if key in _TEXT:
        if key == "ivr_digits" and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if not isinstance(value, str):
            return "expected text"
        too_long = len(value) > _TEXT[key] and key not in _TRUNCATED
        return f"longer than {_TEXT[key]} characters" if too_long else None
    if key in _LONG_TEXT:
        return None if isinstance(value, str) else "expected text"
    if key in _VOCAB:
        return None if value in _VOCAB[key] else f"expected one of {', '.join(_VOCAB[key])}"
    if key in _INTS:
        if not isinstance(value, int) or isinstance(value, bool):
            return "expected an integer"
        return "expected 1 to 5" if key == "survey_score" and value not in SURVEY_SCORES else None
    if key in _TIMES:
        return None if isinstance(value, datetime) else "expected a datetime"
    return None if isinstance(value, bool) else "expected true or false"      # ivr_failed


def merge_batch(batch: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """One row per interaction id (later fields win, in batch order), checked; raises ValidationFailed."""
    merged: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for interaction_id, fields in batch:
        if not isinstance(interaction_id, str) or not interaction_id or len(interaction_id) > 36:
            errors[f"{interaction_id!r}"] = "interaction id must be 1-36 characters of text"
            continue
        clean, problems = clean_fields(fields, prefix=f"{interaction_id}.")
        errors.update(problems)
        merged.setdefault(interaction_id, {}).update(clean)
    if errors:
        raise ValidationFailed("some interaction fields do not fit", errors)
    return merged


def check_disposition(d: Disposition) -> dict[str, Any]:
    """The checked ``call_fields`` of a disposition; raises ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    outcome = (d.outcome or "").strip()
    if not outcome:
        errors["outcome"] = "may not be empty"
    elif len(outcome) > OUTCOME_MAX:
        errors["outcome"] = f"longer than {OUTCOME_MAX} characters"
    if len(d.notes or "") > NOTES_MAX:
        errors["notes"] = f"longer than {NOTES_MAX} characters"
    if not d.interaction_id or len(d.interaction_id) > 36:
        errors["interaction_id"] = "must be 1-36 characters"
    if not d.call_id or len(d.call_id) > 64:
        errors["call_id"] = "must be 1-64 characters"
    if d.complaint is not None:
        c = d.complaint
        if c.severity not in COMPLAINT_SEVERITIES:
            errors["complaint.severity"] = f"expected one of {', '.join(COMPLAINT_SEVERITIES)}"
        if not (c.category or "").strip():
            errors["complaint.category"] = "may not be empty"
        elif len(c.category.strip()) > CATEGORY_MAX:
            errors["complaint.category"] = f"longer than {CATEGORY_MAX} characters"
        if not (c.description or "").strip():
            errors["complaint.description"] = "may not be empty"
        elif len(c.description) > DESCRIPTION_MAX:
            errors["complaint.description"] = f"longer than {DESCRIPTION_MAX} characters"
    if d.follow_up is not None:
        errors.update(followups.check_input(d.follow_up))
    call_fields, problems = clean_fields(d.call_fields, prefix="call_fields.")
    errors.update(problems)
    if errors:
        raise ValidationFailed("the disposition has fields that do not fit", errors)
    return call_fields


# --------------------------------------------------------------------------- writes
def _insert(conn: AsyncConnection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


async def upsert_many(conn: AsyncConnection, rows: Mapping[str, Mapping[str, Any]]) -> None:
    """Insert missing rows, update only the given fields of existing ones. One executemany per
    distinct set of keys (rows of a batch rarely all carry the same fields)."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for interaction_id, fields in rows.items():
        groups.setdefault(frozenset(fields), []).append({**fields, "id": interaction_id})
    insert = _insert(conn)
    for keys, params in groups.items():
        stmt = insert(Interaction)
        if keys:
            stmt = stmt.on_conflict_do_update(
                index_elements=[Interaction.id], set_={k: stmt.excluded[k] for k in sorted(keys)}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=[Interaction.id])
        await conn.execute(stmt, params)


async def upsert_disposition(
    conn: AsyncConnection, d: Disposition, call_fields: Mapping[str, Any], now: datetime
) -> int | None:
    """Write outcome/notes/disposition_at, creating the row from *call_fields* if it is missing;
    returns the row's customer_id (for the complaint)."""
    facts = {"status": "completed", **call_fields, "call_id": d.call_id}
    facts.setdefault("agent_id", d.agent_id)
    values = {**facts, "id": d.interaction_id, "outcome": d.outcome.strip(), "notes": d.notes or "",
              "disposition_at": now}
    table = Interaction.__table__.c
    insert = _insert(conn)
    stmt = insert(Interaction).values(values)
    # The recorder owns the call facts: fill only what it left empty.
    fill = {k: func.coalesce(table[k], stmt.excluded[k]) for k in facts}
    stmt = stmt.on_conflict_do_update(
        index_elements=[Interaction.id],
        set_={**fill, "outcome": stmt.excluded.outcome, "notes": stmt.excluded.notes,
              "disposition_at": stmt.excluded.disposition_at},
    ).returning(Interaction.customer_id)
    previous = (await conn.execute(select(Interaction.outcome, Interaction.notes)
                                   .where(Interaction.id == d.interaction_id))).first()
    customer_id = (await conn.execute(stmt)).scalar()
    after = {"outcome": values["outcome"], "notes": values["notes"]}
    before = None if previous is None or previous.outcome is None else {"outcome": previous.outcome,
                                                                        "notes": previous.notes}
    if before != after:          # saved again unchanged: nothing new to audit
        login = (await conn.execute(select(Agent.login).where(Agent.id == d.agent_id))).scalar()
        await audit.record(conn, actor_login=login or str(d.agent_id), actor_agent_id=d.agent_id,
                           action="interaction.disposition", entity="interaction", entity_id=d.interaction_id,
                           before=before, after=after, at=now)
    return customer_id


# --------------------------------------------------------------------------- reads
_COLUMNS = tuple(Interaction.__table__.c)


async def by_id(conn: AsyncConnection, interaction_id: str) -> dict[str, Any] | None:
    row = (await conn.execute(_listing().where(Interaction.id == interaction_id))).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["complaints"] = [dict(c) for c in await complaints.for_interaction(conn, interaction_id)]
    return found


async def recent(
    conn: AsyncConnection, limit: int, *, agent_id: int | None = None, customer_id: int | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    stmt = _listing()
    if agent_id is not None:
        stmt = stmt.where(Interaction.agent_id == agent_id)
    if customer_id is not None:
        stmt = stmt.where(Interaction.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(Interaction.status == status)
    stmt = stmt.order_by(Interaction.started_at.desc(), Interaction.id).limit(max(1, min(limit, 1000)))
    return [dict(row) for row in (await conn.execute(stmt)).mappings().all()]


def _listing() -> Any:
    return (
        select(*_COLUMNS, Customer.name.label("customer_name"), _agent.name.label("agent_name"),
               _agent.login.label("agent_login"))
        .outerjoin(Customer, Interaction.customer_id == Customer.id)
        .outerjoin(_agent, Interaction.agent_id == _agent.id)
    )

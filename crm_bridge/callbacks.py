"""Callbacks in the store: callers to call back (asked in the voice menu, out of hours, or abandoned).

One pending row per number: a second request while one is pending keeps the earlier place (the
earliest ``credit_from``) instead of queueing the caller twice. The engine loads the open rows at
start-up and writes every status change back (``pending`` -> ``dialing`` -> ``done``, or back to
``pending`` with ``attempts`` + 1, ``failed`` after the last try).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from callcenter.errors import ValidationFailed
from crm_bridge.models import CALLBACK_SOURCES, CALLBACK_STATUSES, Callback

OPEN_STATUSES = ("pending", "dialing")
_COLUMNS = tuple(Callback.__table__.c)
_UPDATABLE = frozenset({"status", "attempts", "last_result", "not_before", "updated_at"})


def _row(row: Mapping[str, Any]) -> dict[str, Any]:
    return dict(row)


async def add(conn: AsyncConnection, *, number: str, queue: str, source: str, now: datetime,
              credit_from: datetime | None = None, customer_id: int | None = None, priority: int = 0,
              call_id: str | None = None, not_before: datetime | None = None) -> dict[str, Any]:
    """The open callback for *number* (kept, with the earlier credit), or a new pending one."""
    problems = {}
    if not number or len(number) > 64:
        problems["number"] = "expected a phone number"
    if source not in CALLBACK_SOURCES:
        problems["source"] = f"expected one of {', '.join(CALLBACK_SOURCES)}"
    if not queue or len(queue) > 64:
        problems["queue"] = "expected a queue name"
    if problems:
        raise ValidationFailed("the callback request does not fit", problems)
    credit = credit_from or now
    existing = (await conn.execute(
        select(*_COLUMNS).where(Callback.number == number, Callback.status.in_(OPEN_STATUSES))
        .order_by(Callback.id).limit(1))).mappings().first()
    if existing is not None:
        if credit < existing["credit_from"]:
            await conn.execute(update(Callback).where(Callback.id == existing["id"])
                               .values(credit_from=credit, updated_at=now))
        return {**_row(existing), "credit_from": min(credit, existing["credit_from"]), "existing": True}
    values = {"number": number, "queue": queue, "source": source, "status": "pending", "credit_from": credit,
              "customer_id": customer_id, "priority": priority, "call_id": call_id, "not_before": not_before,
              "attempts": 0, "created_at": now, "updated_at": now}
    new_id = (await conn.execute(Callback.__table__.insert().values(**values).returning(Callback.id))).scalar_one()
    return {**values, "id": new_id, "last_result": None, "existing": False}


async def open_callbacks(conn: AsyncConnection) -> list[dict[str, Any]]:
    stmt = select(*_COLUMNS).where(Callback.status.in_(OPEN_STATUSES)).order_by(Callback.credit_from, Callback.id)
    return [_row(r) for r in (await conn.execute(stmt)).mappings().all()]


async def change(conn: AsyncConnection, callback_id: int, fields: Mapping[str, Any], now: datetime) -> None:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValidationFailed("callback fields that cannot change", {k: "not updatable" for k in unknown})
    if "status" in fields and fields["status"] not in CALLBACK_STATUSES:
        raise ValidationFailed("unknown callback status", {"status": "unknown"})
    await conn.execute(update(Callback).where(Callback.id == callback_id).values(**fields, updated_at=now))


async def listing(conn: AsyncConnection, *, statuses: tuple[str, ...] = (), limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(*_COLUMNS)
    if statuses:
        stmt = stmt.where(Callback.status.in_(statuses))
    stmt = stmt.order_by(Callback.credit_from.desc()).limit(max(1, min(limit, 1000)))
    return [_row(r) for r in (await conn.execute(stmt)).mappings().all()]

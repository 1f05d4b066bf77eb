"""The audit log: who did what to which record, when, with the values before and after.

Written in the same transaction as the change it describes (pass the connection of that change), so
an action and its audit entry are committed together or not at all. Values are stored as JSON text
(``ensure_ascii=False``: Chinese names stay readable); datetimes as ISO strings.

Reads are audited too (issue 11): every customer page an agent opens (``customer.read``, or
``customer.read_refused`` when the access rules said no) and every CSV export (``customer.export``,
entity ``customers``, entity id ``export``). They change nothing, so ``before`` is empty and ``after``
holds what was read and from where: ``{"source": <address>}``, for an export also ``{"query", "rows"}``.
Each is one insert in its own short write transaction, after the read.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_bridge.models import AuditEntry, utcnow

CUSTOMER_READ = "customer.read"
CUSTOMER_READ_REFUSED = "customer.read_refused"
CUSTOMER_EXPORT = "customer.export"


def _json(value: Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      default=lambda v: v.isoformat() if isinstance(v, (datetime, date)) else str(v))


async def record(conn: AsyncConnection, *, actor_login: str, action: str, entity: str, entity_id: Any,
                 before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
                 actor_agent_id: int | None = None, at: datetime | None = None) -> None:
    """One audit entry, e.g. ``action="customer.update", entity="customer", entity_id=42``."""
    await conn.execute(insert(AuditEntry).values(
        at=at or utcnow(), actor_agent_id=actor_agent_id, actor_login=actor_login[:64], action=action[:64],
        entity=entity[:32], entity_id=str(entity_id)[:64], before=_json(before), after=_json(after)))


async def entries(conn: AsyncConnection, *, entity: str | None = None, entity_id: Any = None,
                  actor_login: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first; ``before``/``after`` decoded back to dicts."""
    stmt = select(*AuditEntry.__table__.c)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    if actor_login is not None:
        stmt = stmt.where(AuditEntry.actor_login == actor_login)
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(max(1, min(limit, 1000)))
    rows = []
    for row in (await conn.execute(stmt)).mappings():
        item = dict(row)
        item["before"] = json.loads(item["before"]) if item["before"] else None
        item["after"] = json.loads(item["after"]) if item["after"] else None
        rows.append(item)
    return rows

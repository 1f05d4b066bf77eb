"""Queries of the supervisors' "closed now" queue switches (Core, one round trip each).

``put`` is an upsert (``INSERT ... ON CONFLICT (queue) DO UPDATE``, which SQLite and PostgreSQL both
speak) run in the caller's write transaction; it reads the row first so that the flip can be logged
with the state it replaced. On SQLite the writer transaction already holds the write lock; on
PostgreSQL the read locks the existing row (``FOR UPDATE``), so two supervisors flipping the same
queue see each other's flip as their "before". The flip and its audit entry (``queue.switch``, who,
before and after) are committed together.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_bridge import agents, audit
from crm_bridge.models import QueueSwitch

_COLUMNS = (QueueSwitch.queue, QueueSwitch.closed, QueueSwitch.reason, QueueSwitch.changed_by,
            QueueSwitch.changed_at)


def _insert(conn: AsyncConnection) -> Callable[..., Any]:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _as_dict(row: Any) -> dict[str, Any]:
    return {"queue": row["queue"], "closed": bool(row["closed"]), "reason": row["reason"] or "",
            "changed_by": row["changed_by"], "changed_at": row["changed_at"]}


async def all_switches(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Every switched queue's last flip, by queue name."""
    result = await conn.execute(select(*_COLUMNS).order_by(QueueSwitch.queue))
    return [_as_dict(row) for row in result.mappings()]


async def get(conn: AsyncConnection, queue: str, *, lock: bool = False) -> dict[str, Any] | None:
    stmt = select(*_COLUMNS).where(QueueSwitch.queue == queue)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else _as_dict(row)


async def put(conn: AsyncConnection, queue: str, *, closed: bool, reason: str, changed_by: str,
              changed_at: datetime) -> dict[str, Any] | None:
    """Set the queue's switch (in the caller's transaction); returns the row it replaced, or ``None``."""
    before = await get(conn, queue, lock=True)
    values = {"queue": queue, "closed": closed, "reason": reason, "changed_by": changed_by,
              "changed_at": changed_at}
    stmt = _insert(conn)(QueueSwitch).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[QueueSwitch.queue],
        set_={"closed": stmt.excluded.closed, "reason": stmt.excluded.reason,
              "changed_by": stmt.excluded.changed_by, "changed_at": stmt.excluded.changed_at},
    )
    await conn.execute(stmt)
    actor = await agents.by_login(conn, changed_by)
    await audit.record(conn, actor_login=changed_by, actor_agent_id=None if actor is None else int(actor["id"]),
                       action="queue.switch", entity="queue", entity_id=queue,
                       before=None if before is None else {"closed": before["closed"], "reason": before["reason"]},
                       after={"closed": closed, "reason": reason}, at=changed_at)
    return before

"""The store's facade for supervision: the queues' "closed now" switches and the audit log (who did
what to whom, e.g. a supervisor setting an agent's state). ``Store`` inherits it; every method opens its
own connection (one transaction) through ``Store.connect``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_bridge import audit, switches
from crm_bridge.records import AgentRecord


class SupervisionStore:
    """Mixed into :class:`crm_bridge.store.Store` (which provides ``connect``)."""

    connect: Any

    # ------------------------------------------------------------------ queue switches
    async def queue_switches(self) -> list[dict[str, Any]]:
        """Every supervisor "closed now" switch ever flipped: ``queue, closed, reason, changed_by, changed_at``."""
        async with self.connect() as conn:
            return await switches.all_switches(conn)

    async def set_queue_switch(self, queue: str, *, closed: bool, reason: str, changed_by: str,
                               changed_at: datetime) -> dict[str, Any] | None:
        """Commit a queue's switch; returns the row it replaced (``None`` the first time)."""
        async with self.connect(write=True) as conn:
            return await switches.put(conn, queue, closed=closed, reason=reason, changed_by=changed_by,
                                      changed_at=changed_at)

    # ------------------------------------------------------------------ audit log
    async def audit_entries(self, *, entity: str | None = None, entity_id: Any = None,
                            actor_login: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        async with self.connect() as conn:
            return await audit.entries(conn, entity=entity, entity_id=entity_id, actor_login=actor_login, limit=limit)

    async def audit_agent_force(self, agent_id: int, *, actor: AgentRecord, before: dict[str, Any],
                                after: dict[str, Any]) -> None:
        """A supervisor set an agent's state for them (``agent.force``, issue 5)."""
        async with self.connect(write=True) as conn:
            await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.id, action="agent.force",
                               entity="agent", entity_id=agent_id, before=before, after=after)

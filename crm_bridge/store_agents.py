"""The store's facade for agents: their records, what they last asked for (presence, reason, chosen
queues; audited) and their console language. ``Store`` inherits it and provides ``connect``."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callcenter.errors import ValidationFailed
from crm_bridge import agents, audit
from crm_bridge.models import AGENT_PRESENCES, LANGUAGES
from crm_bridge.records import AgentRecord


class AgentStore:
    """Mixed into :class:`crm_bridge.store.Store`."""

    connect: Any

    async def set_presence(self, agent_id: int, presence: str, reason: str = "", *, actor_login: str | None = None,
                           actor_agent_id: int | None = None, queues: Sequence[str] | None = None) -> None:
        """Remember what the agent asked for (available, paused with a reason, logged out); a change
        leaves an ``agent.presence`` audit entry, by the agent unless another actor is named."""
        if presence not in AGENT_PRESENCES:
            raise ValidationFailed(f"unknown presence {presence!r}", {"presence": "unknown"})
        reason = reason[:64]
        async with self.connect(write=True) as conn:
            before = await agents.by_id(conn, agent_id)
            await agents.set_presence(conn, agent_id, presence, reason, queues)
            if before is None:
                return
            chosen = None if queues is None else ",".join(queues)
            was = {"presence": before["presence"], "reason": before["presence_reason"]}
            now = {"presence": presence, "reason": reason}
            if before["presence_queues"] or chosen:        # per-queue login in play: show the queues too
                was["queues"], now["queues"] = before["presence_queues"], chosen
            if was != now:
                await audit.record(conn, actor_login=actor_login or before["login"],
                                   actor_agent_id=actor_agent_id if actor_login else agent_id,
                                   action="agent.presence", entity="agent", entity_id=agent_id, before=was, after=now)

    async def set_agent_language(self, agent_id: int, language: str) -> None:
        """The console language the agent switched to (zh | en): their next login opens in it."""
        if language not in LANGUAGES:
            raise ValidationFailed(f"unknown language {language!r}", {"language": "expected zh or en"})
        async with self.connect(write=True) as conn:
            await agents.set_language(conn, agent_id, language)

    async def list_agents(self) -> list[AgentRecord]:
        async with self.connect() as conn:
            return [_agent_record(r) for r in await agents.all_agents(conn)]

    async def agent_by_login(self, login: str) -> AgentRecord | None:
        async with self.connect() as conn:
            row = await agents.by_login(conn, login)
        return None if row is None else _agent_record(row)

    async def agent_by_id(self, agent_id: int) -> AgentRecord | None:
        async with self.connect() as conn:
            row = await agents.by_id(conn, agent_id)
        return None if row is None else _agent_record(row)


def _agent_record(row: Any) -> AgentRecord:
    return AgentRecord(
        id=int(row["id"]), login=row["login"], name=row["name"], interface=row["interface"] or "",
        queues=tuple(row["queues"] or ()), role=row["role"], language=row["language"],
        password_hash=row["password_hash"] or "", presence=row["presence"] or "unknown",
        presence_reason=row["presence_reason"] or "",
        presence_queues=tuple(q for q in row["presence_queues"].split(",") if q)
        if row.get("presence_queues") is not None else None,
    )

"""Agent queries (Core, one round trip each). Rows are turned into ``AgentRecord`` by the store."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, Select, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_bridge.models import Agent


async def set_language(conn: AsyncConnection, agent_id: int, language: str) -> None:
    await conn.execute(update(Agent).where(Agent.id == agent_id).values(language=language))


def _columns() -> Select[tuple[int, str, str, str | None, list[str], str, str, str, str, str, str | None]]:
    return select(
        Agent.id, Agent.login, Agent.name, Agent.interface, Agent.queues, Agent.role, Agent.language,
        Agent.password_hash, Agent.presence, Agent.presence_reason, Agent.presence_queues,
    )


async def all_agents(conn: AsyncConnection) -> Sequence[RowMapping]:
    result = await conn.execute(_columns().order_by(Agent.login))
    return result.mappings().all()


async def by_login(conn: AsyncConnection, login: str) -> RowMapping | None:
    result = await conn.execute(_columns().where(Agent.login == login))
    return result.mappings().first()


async def by_id(conn: AsyncConnection, agent_id: int) -> RowMapping | None:
    result = await conn.execute(_columns().where(Agent.id == agent_id))
    return result.mappings().first()


async def exists(conn: AsyncConnection, agent_id: int) -> bool:
    result = await conn.execute(select(Agent.id).where(Agent.id == agent_id))
    return result.first() is not None


async def any_exist(conn: AsyncConnection) -> bool:
    result = await conn.execute(select(Agent.id).limit(1))
    return result.first() is not None


async def set_presence(conn: AsyncConnection, agent_id: int, presence: str, reason: str,
                       queues: Sequence[str] | None = None) -> None:
    """What the agent asked for; *queues* = the queues they chose to work (``None``: all of theirs)."""
    await conn.execute(update(Agent).where(Agent.id == agent_id).values(
        presence=presence, presence_reason=reason, presence_queues=None if queues is None else ",".join(queues)))

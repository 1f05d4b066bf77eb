"""How every console websocket command is answered: work that needs the store runs in its own task
(counted against the user's and the server's bounds, ``console.work_limits``, and run when a database
slot is free) and is replied to once it is done (for writes: committed); one mapping of failures to error replies;
the agent record of whoever sends a command."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from callcenter.errors import CallCenterError
from console import protocol
from console.hub import Connection
from console.sessions import Session
from console.work_limits import SocketTasks
from crm_bridge.records import AgentRecord

log = logging.getLogger("console.ws")


class _Internal(CallCenterError):
    def __init__(self) -> None:
        super().__init__("internal-error", "the server could not do this; please try again")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def error_for(exc: BaseException, command: protocol.Command) -> CallCenterError:
    """The one mapping of failures to websocket error replies."""
    if isinstance(exc, CallCenterError):
        return exc
    log.error("console command %r failed", command.type, exc_info=exc)
    return _Internal()


def spawn(conn: Connection, command: protocol.Command, tasks: SocketTasks,
          work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """Run *work* in a task of the socket (admitted already: ``console/ws.py``) and answer with it."""
    task = asyncio.create_task(answer(conn, command, tasks.limits.run(work)), name=f"{command.type}-{command.id}")
    tasks.add(task)


async def answer(conn: Connection, command: protocol.Command, work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """Reply once the store has answered (for writes: committed)."""
    try:
        data = await work
    except Exception as exc:  # noqa: BLE001 (every failure becomes an error reply, mapped once)
        conn.push(protocol.encode_error(command.id, error_for(exc, command)))
        return
    conn.push(protocol.encode_reply(command.id, data))


async def acting_agent(store: Any, session: Session) -> AgentRecord:
    """The agent record of the session's login (``forbidden`` when it was deleted meanwhile)."""
    actor = await store.agent_by_id(session.agent_id)
    if actor is None:
        raise CallCenterError("forbidden", "your login no longer exists", {"agent_id": session.agent_id})
    return actor

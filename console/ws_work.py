"""Console websocket commands for the work around calls: the agent's tasks and complaint moves, the
supervisors' one-click fixes and listening in (issue 5), the complaints board; and the helpers every
command shares (reply once the work is done, one mapping of failures to error replies).

``ConsoleSocket`` (``console/ws.py``) inherits :class:`WorkCommands`; it provides ``_store``,
``_engine``, ``_hub``, ``_pause_reasons``, ``_complaint_rules`` and ``_safe``.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from callcenter.domain import AgentGoAvailable, AgentGoPaused, AgentLogOut, SpyOnAgent
from callcenter.errors import CallCenterError
from console import protocol
from console import protocol_work
from console.hub import Connection
from console.sessions import Session
from crm_bridge.store import AgentRecord

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


def spawn(conn: Connection, command: protocol.Command, tasks: set[asyncio.Task[None]],
           work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    task = asyncio.create_task(answer(conn, command, work), name=f"{command.type}-{command.id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def answer(conn: Connection, command: protocol.Command, work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """Reply once the store has answered (for writes: committed)."""
    try:
        data = await work
    except Exception as exc:  # noqa: BLE001 (every failure becomes an error reply, mapped once)
        conn.push(protocol.encode_error(command.id, error_for(exc, command)))
        return
    conn.push(protocol.encode_reply(command.id, data))


class WorkCommands:
    """Task, supervision and complaints-board commands of :class:`console.ws.ConsoleSocket`."""

    _store: Any
    _engine: Any
    _hub: Any
    _pause_reasons: tuple[str, ...]
    _complaint_rules: Any
    _safe: Any

    # ------------------------------------------------------------------ tasks and complaint work
    def _tasks(self, conn: Connection, session: Session, command: protocol.Command,
               tasks: set[asyncio.Task[None]]) -> None:
        spawn(conn, command, tasks, self._task_list(session))

    def _follow_up_done(self, conn: Connection, session: Session, command: protocol.Command,
                        tasks: set[asyncio.Task[None]]) -> None:
        data = protocol_work.decode_follow_up_done(command.data)
        spawn(conn, command, tasks, self._complete(session, data))

    def _follow_up_cancel(self, conn: Connection, session: Session, command: protocol.Command,
                          tasks: set[asyncio.Task[None]]) -> None:
        follow_up_id, note = protocol_work.decode_follow_up_cancel(command.data)
        spawn(conn, command, tasks, self._cancel(session, follow_up_id, note))

    def _complaint_advance(self, conn: Connection, session: Session, command: protocol.Command,
                           tasks: set[asyncio.Task[None]]) -> None:
        data = protocol_work.decode_complaint_advance(command.data)
        spawn(conn, command, tasks, self._advance(session, data))

    async def _actor(self, session: Session) -> AgentRecord:
        actor = await self._store.agent_by_id(session.agent_id)
        if actor is None:
            raise CallCenterError("forbidden", "your login no longer exists", {"agent_id": session.agent_id})
        return actor

    async def _task_list(self, session: Session) -> dict[str, Any]:
        actor = await self._actor(session)
        return {"tasks": await self._store.tasks_for(actor.id, actor.queues), "now": now_iso()}

    async def _complete(self, session: Session, data: protocol_work.FollowUpDoneData) -> dict[str, Any]:
        return await self._store.complete_follow_up(
            data.follow_up_id, result=data.result, note=data.note, satisfaction=data.satisfaction,
            actor=await self._actor(session), rules=self._complaint_rules)

    async def _cancel(self, session: Session, follow_up_id: int, note: str) -> dict[str, Any]:
        return {"follow_up": await self._store.cancel_follow_up(follow_up_id, actor=await self._actor(session),
                                                                note=note)}

    async def _advance(self, session: Session, data: protocol_work.ComplaintAdvanceData) -> dict[str, Any]:
        complaint = await self._store.advance_complaint_as(data.complaint_id, data.status,
                                                           actor=await self._actor(session),
                                                           rules=self._complaint_rules)
        return {"complaint": complaint}

    # ------------------------------------------------------------------ supervision (issue 5)
    def _board_agent(self, agent_id: int) -> dict[str, Any]:
        board = self._safe(self._engine.wallboard, {"agents": []})
        agent = next((a for a in board.get("agents") or () if a.get("agent_id") == agent_id), None)
        if agent is None:
            raise CallCenterError("no-such-agent", "this agent is not on the wallboard", {"agent_id": agent_id})
        return agent

    def _agent_force(self, conn: Connection, session: Session, command: protocol.Command,
                     tasks: set[asyncio.Task[None]]) -> None:
        """Available / pause / log out set for an agent by a supervisor: audited (``agent.force``), then
        posted to the engine as the agent's own wish (with ``by``); answered once both are done."""
        data = protocol_work.decode_agent_force(command.data, self._pause_reasons)
        agent = self._board_agent(data.agent_id)
        before = {"state": agent.get("state"), "reason": agent.get("reason") or ""}
        spawn(conn, command, tasks, self._force(session, data, before))

    async def _force(self, session: Session, data: protocol_work.AgentForceData, before: dict[str, Any]) -> dict[str, Any]:
        actor = await self._actor(session)
        after = {"wants": {"available": "available", "pause": "paused", "logout": "logged_out"}[data.action],
                 "reason": data.reason}
        await self._store.audit_agent_force(data.agent_id, actor=actor, before=before, after=after)
        if data.action == "available":
            event: Any = AgentGoAvailable(data.agent_id, by=actor.login)
        elif data.action == "pause":
            event = AgentGoPaused(data.agent_id, data.reason, by=actor.login)
        else:
            event = AgentLogOut(data.agent_id, by=actor.login)
        self._engine.post(event)
        return {"agent_id": data.agent_id, "action": data.action}

    def _spy(self, conn: Connection, session: Session, command: protocol.Command,
             tasks: set[asyncio.Task[None]]) -> None:
        """Listen / whisper / barge: the supervisor's own phone is originated into ChanSpy on the agent's
        call. Refused at once when the agent is not on a call, or (after a look-up) when the supervisor
        has no phone."""
        agent_id, mode = protocol_work.decode_spy(command.data)
        if self._board_agent(agent_id).get("state") != "on_call":
            raise CallCenterError("not-on-call", "this agent is not on a call", {"agent_id": agent_id})
        spawn(conn, command, tasks, self._start_spy(session, agent_id, mode))

    async def _start_spy(self, session: Session, agent_id: int, mode: str) -> dict[str, Any]:
        actor = await self._actor(session)
        if not actor.interface:
            raise CallCenterError("no-phone", "your login has no phone to listen on (agents.interface is empty)",
                                  {"login": actor.login})
        self._engine.post(SpyOnAgent(session.agent_id, agent_id, mode, actor.interface, actor.login))
        return {"agent_id": agent_id, "mode": mode, "phone": actor.interface}

    # ------------------------------------------------------------------ complaints board (issue 5)
    def _complaints(self, conn: Connection, session: Session, command: protocol.Command,
                    tasks: set[asyncio.Task[None]]) -> None:
        order = protocol_work.decode_complaints(command.data)
        spawn(conn, command, tasks, self._store.complaint_board(order=order))

    def _complaint_reassign(self, conn: Connection, session: Session, command: protocol.Command,
                            tasks: set[asyncio.Task[None]]) -> None:
        data = protocol_work.decode_complaint_reassign(command.data)
        spawn(conn, command, tasks, self._reassign(session, data))

    async def _reassign(self, session: Session, data: protocol_work.ComplaintReassignData) -> dict[str, Any]:
        moved = await self._store.hand_on_complaint(data.complaint_id, data.agent_id,
                                                    actor=await self._actor(session), note=data.note)
        previous = moved["previous_owner_agent_id"]
        told = {"complaint": moved["complaint"], "from_agent_id": previous, "to_agent_id": data.agent_id,
                "by": session.login, "note": data.note}
        for agent_id in dict.fromkeys((previous, data.agent_id)):
            self._hub.send_to_agent(agent_id, "complaint_reassigned", told)
        try:
            self._hub.broadcast_supervisors("complaints", await self._store.complaint_board())
        except Exception:   # committed already: the supervisors get the board at their next refresh
            log.exception("complaint %s handed on, but the board could not be sent", data.complaint_id)
        return moved

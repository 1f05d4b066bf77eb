"""Console websocket commands for the agent's tasks: the task list (follow-ups, callback visits (回访),
the pool's tasks), a task done or cancelled, a complaint moved on. Each runs in its own task and is
answered once the store committed; the store checks who may act.

``ConsoleSocket`` (``console/ws.py``) inherits :class:`TaskCommands`; it provides ``_store`` and
``_complaint_rules``.
"""
from __future__ import annotations

from typing import Any

from console import protocol, task_protocol
from console.hub import Connection
from console.replies import acting_agent, now_iso, spawn
from console.sessions import Session
from console.work_limits import SocketTasks


class TaskCommands:
    """The task commands of :class:`console.ws.ConsoleSocket` (``protocol.TASK_COMMANDS``)."""

    _store: Any
    _complaint_rules: Any

    def _tasks(self, conn: Connection, session: Session, command: protocol.Command,
               tasks: SocketTasks) -> None:
        spawn(conn, command, tasks, self._task_list(session))

    def _follow_up_done(self, conn: Connection, session: Session, command: protocol.Command,
                        tasks: SocketTasks) -> None:
        data = task_protocol.decode_follow_up_done(command.data)
        spawn(conn, command, tasks, self._complete(session, data))

    def _follow_up_cancel(self, conn: Connection, session: Session, command: protocol.Command,
                          tasks: SocketTasks) -> None:
        follow_up_id, note = task_protocol.decode_follow_up_cancel(command.data)
        spawn(conn, command, tasks, self._cancel(session, follow_up_id, note))

    def _complaint_advance(self, conn: Connection, session: Session, command: protocol.Command,
                           tasks: SocketTasks) -> None:
        data = task_protocol.decode_complaint_advance(command.data)
        spawn(conn, command, tasks, self._advance(session, data))

    async def _task_list(self, session: Session) -> dict[str, Any]:
        actor = await acting_agent(self._store, session)
        return {"tasks": await self._store.tasks_for(actor.id, actor.queues), "now": now_iso()}

    async def _complete(self, session: Session, data: task_protocol.FollowUpDoneData) -> dict[str, Any]:
        return await self._store.complete_follow_up(
            data.follow_up_id, result=data.result, note=data.note, satisfaction=data.satisfaction,
            actor=await acting_agent(self._store, session), rules=self._complaint_rules)

    async def _cancel(self, session: Session, follow_up_id: int, note: str) -> dict[str, Any]:
        return {"follow_up": await self._store.cancel_follow_up(follow_up_id, actor=await acting_agent(self._store, session),
                                                                note=note)}

    async def _advance(self, session: Session, data: task_protocol.ComplaintAdvanceData) -> dict[str, Any]:
        complaint = await self._store.advance_complaint_as(data.complaint_id, data.status,
                                                           actor=await acting_agent(self._store, session),
                                                           rules=self._complaint_rules)
        return {"complaint": complaint}

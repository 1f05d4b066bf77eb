"""Console websocket commands of the supervisor view (issue 5): an agent's state set for them (audited
``agent.force``), listening in on an agent's call (ChanSpy), the complaints board and a complaint
handed on to another agent.

``ConsoleSocket`` (``console/ws.py``) inherits :class:`SupervisionCommands`; it provides ``_store``,
``_engine``, ``_hub``, ``_pause_reasons`` and ``_safe``.
"""
from __future__ import annotations

import logging
from typing import Any

from callcenter.domain import AgentGoAvailable, AgentGoPaused, AgentLogOut, SpyOnAgent
from callcenter.errors import CallCenterError
from console import protocol, supervision_protocol
from console.hub import Connection
from console.replies import acting_agent, spawn
from console.sessions import Session
from console.work_limits import SocketTasks

log = logging.getLogger("console.ws")


class SupervisionCommands:
    """The supervisor commands of :class:`console.ws.ConsoleSocket` (``protocol.SUPERVISOR_COMMANDS``)."""

    _store: Any
    _engine: Any
    _hub: Any
    _pause_reasons: tuple[str, ...]
    _safe: Any

    def _board_agent(self, agent_id: int) -> dict[str, Any]:
        board = self._safe(self._engine.wallboard, {"agents": []})
        agent = next((a for a in board.get("agents") or () if a.get("agent_id") == agent_id), None)
        if agent is None:
            raise CallCenterError("no-such-agent", "this agent is not on the wallboard", {"agent_id": agent_id})
        return agent

    def _agent_force(self, conn: Connection, session: Session, command: protocol.Command,
                     tasks: SocketTasks) -> None:
        """Available / pause / log out set for an agent by a supervisor: audited (``agent.force``), then
        posted to the engine as the agent's own wish (with ``by``); answered once both are done."""
        data = supervision_protocol.decode_agent_force(command.data, self._pause_reasons)
        agent = self._board_agent(data.agent_id)
        before = {"state": agent.get("state"), "reason": agent.get("reason") or ""}
        spawn(conn, command, tasks, self._force(session, data, before))

    async def _force(self, session: Session, data: supervision_protocol.AgentForceData, before: dict[str, Any]) -> dict[str, Any]:
        actor = await acting_agent(self._store, session)
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
             tasks: SocketTasks) -> None:
        """Listen / whisper / barge: the supervisor's own phone is originated into ChanSpy on the agent's
        call. Refused at once when the agent is not on a call, or (after a look-up) when the supervisor
        has no phone."""
        agent_id, mode = supervision_protocol.decode_spy(command.data)
        if self._board_agent(agent_id).get("state") != "on_call":
            raise CallCenterError("not-on-call", "this agent is not on a call", {"agent_id": agent_id})
        spawn(conn, command, tasks, self._start_spy(session, agent_id, mode))

    async def _start_spy(self, session: Session, agent_id: int, mode: str) -> dict[str, Any]:
        actor = await acting_agent(self._store, session)
        if not actor.interface:
            raise CallCenterError("no-phone", "your login has no phone to listen on (agents.interface is empty)",
                                  {"login": actor.login})
        self._engine.post(SpyOnAgent(session.agent_id, agent_id, mode, actor.interface, actor.login))
        return {"agent_id": agent_id, "mode": mode, "phone": actor.interface}

    # ------------------------------------------------------------------ complaints board (issue 5)
    def _complaints(self, conn: Connection, session: Session, command: protocol.Command,
                    tasks: SocketTasks) -> None:
        order = supervision_protocol.decode_complaints(command.data)
        spawn(conn, command, tasks, self._store.complaint_board(order=order))

    def _complaint_reassign(self, conn: Connection, session: Session, command: protocol.Command,
                            tasks: SocketTasks) -> None:
        data = supervision_protocol.decode_complaint_reassign(command.data)
        spawn(conn, command, tasks, self._reassign(session, data))

    async def _reassign(self, session: Session, data: supervision_protocol.ComplaintReassignData) -> dict[str, Any]:
        moved = await self._store.hand_on_complaint(data.complaint_id, data.agent_id,
                                                    actor=await acting_agent(self._store, session), note=data.note)
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

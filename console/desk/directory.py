"""The transfer directory: who and where an agent can transfer a call to, with their live state.

Theory of operation. The desk sends ``directory`` (optionally ``{"q": "<text>"}``) and gets back every
agent (login, name, live state, pause reason, queues) and every queue (name, label, waiting callers,
available members), built from the engine's wallboard view: the same live state supervisors see, so
the directory never disagrees with the wallboard. :func:`directory_view` is pure (wallboard in, reply
out); :class:`DirectoryCommand` is the websocket edge that ``console.ws`` registers under
``directory``. The desk asks again while its directory is open (every couple of seconds): one cheap
read of the in-memory model per open directory, no subscription to keep.
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from callcenter.errors import CallCenterError
from console import protocol
from console.hub import Connection
from console.sessions import Session
from console.work_limits import SocketTasks

log = logging.getLogger(__name__)

MAX_QUERY = 64
# Order agents by how useful they are as a target: free first, then busy, then away.
_STATE_ORDER = {"available": 0, "ringing": 1, "on_call": 1, "wrap_up": 2, "paused": 3, "logged_out": 4}


def decode_directory(data: dict[str, Any]) -> str:
    """``directory`` ``{"q": text}`` (optional): a filter on login, name and queue; returns it folded."""
    query = protocol.text_field(data, "q", MAX_QUERY)
    return query.casefold()


def directory_view(board: dict[str, Any], *, me: int | None = None, query: str = "") -> dict[str, Any]:
    """The directory from a wallboard snapshot; *me* (the asking agent) is left out of the agents."""
    agents = []
    for a in board.get("agents") or ():
        if a.get("agent_id") == me:
            continue
        entry = {"agent_id": a.get("agent_id"), "login": a.get("login") or "", "name": a.get("name") or "",
                 "state": a.get("state") or "logged_out", "reason": a.get("reason") or "",
                 "queues": list(a.get("queues") or ())}
        if _matches(query, entry["login"], entry["name"]):
            agents.append(entry)
    agents.sort(key=lambda e: (_STATE_ORDER.get(e["state"], 5), e["login"]))
    queues = [{"name": q.get("name") or "", "label": q.get("label") or q.get("name") or "",
               "waiting": int(q.get("waiting_count") or 0), "available": int(q.get("available") or 0)}
              for q in board.get("queues") or ()]
    queues = [q for q in queues if _matches(query, q["name"], q["label"])]
    return {"agents": agents, "queues": queues, "at": board.get("at")}


def _matches(query: str, *texts: str) -> bool:
    return not query or any(query in text.casefold() for text in texts)


class LiveView(Protocol):
    def wallboard(self) -> dict[str, Any]: ...


class _NoDirectory(CallCenterError):
    def __init__(self) -> None:
        super().__init__("not-available", "the directory cannot be read right now; try again")


class DirectoryCommand:
    """The ``directory`` websocket command: ``handler(conn, session, command, tasks)``, answered at once."""

    def __init__(self, engine: LiveView) -> None:
        self._engine = engine

    def __call__(self, conn: Connection, session: Session, command: protocol.Command,
                 tasks: SocketTasks) -> None:
        query = decode_directory(command.data)
        try:
            board = self._engine.wallboard()
        except Exception as exc:
            log.exception("the engine could not give its live view for the directory")
            raise _NoDirectory() from exc
        conn.push(protocol.encode_reply(command.id, directory_view(board, me=session.agent_id, query=query)))

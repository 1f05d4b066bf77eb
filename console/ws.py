"""The console websocket endpoint (``/ws``): one socket per open desk or wallboard page.

Theory of operation. The handshake is accepted first so that a refusal can carry a close code the
browser sees: a wrong ``Origin`` (scheme, host and port, ``console.site``) closes with 4403, no valid
session with 4401. Then the socket is registered with the hub together with its ``hello`` (built in
the same synchronous step as the snapshot so that the two line up) and the read loop starts. Every
frame to the browser, replies included, goes through the hub's per-socket queue: nothing here writes
to the socket directly.

Commands are decoded with :mod:`console.protocol`; any bad message gets an error reply and the socket
stays open. Errors are mapped to the wire here, once (``console.replies.error_for``). A disposition is saved in its
own task (``console.desk.dispositions``): the reply ``ok`` is sent only after ``store.save_disposition``
committed, and only then is ``DispositionSaved`` posted to the engine. A desk's ``hello`` carries the
agent's pending wrap-ups (``console.desk.pending``, read from the store before the socket is registered).

Presence: every agent-view socket posts ``DeskConnected``; when the agent's last one closes (not
while the server shuts down) ``DeskDisconnected`` (``callcenter/model/presence.py`` decides the rest).

Which view may send what: the agent desk sends the desk commands; the supervisor view sends
``protocol.SUPERVISOR_COMMANDS`` (checked against the session's role as well); both send ``ack`` and
``ping``. A ``queue_switch`` runs in its own task like a disposition and is answered once the switch
is committed; the switches service then broadcasts the new ``switches`` to every supervisor (their
``hello`` carries the current ones).

Tasks and complaint work (``protocol.TASK_COMMANDS``: the task list, a follow-up done or cancelled, a
complaint moved) each run in their own task too and are answered only after the store committed; the
store checks who may act (the assigned agent, the pool's agents, the complaint's owner, supervisors).

The complaints board (supervisors): ``complaints`` answers with the board; ``complaint_reassign`` is
answered once the hand-over is committed, after the old and new owners' desks got
``complaint_reassigned`` and every supervisor the new board.

Fair share (``console.limits``): every command takes a token from its socket's and its user's bucket
(``console.rate_limits``), and a presence command (``PRESENCE_COMMANDS``) one from the user's presence
bucket too; without one it is answered ``rate-limited``. A socket that keeps flooding is closed with
4430 (its unread frames are dropped), and so are the user's new sockets for a while, before any work.
A command that needs the store (``work_limits.STORE_COMMANDS``) is admitted first
(``console.work_limits``): over its user's or the server's bound it is answered ``busy`` at once. Once
the hub has closed a socket (shutdown, logout, overflow), what it still sends is read and dropped until
the close handshake ends the loop; the loop lets the server run every ``_YIELD_EVERY`` messages.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import WSCloseCode, WSMsgType, web

from callcenter.domain import AgentGoAvailable, AgentGoPaused, AgentLogOut, AgentSelectQueues
from callcenter.domain import AgentPauseAfterCall, DeskConnected, DeskDisconnected
from callcenter.domain import CancelTransfer, CompleteTransfer, DialNumber, HangUpCall, HoldCall, ResumeCall, TransferCall
from callcenter.errors import CallCenterError
from callcenter.settings import Settings
from console import protocol
from console.desk.dispositions import Dispositions
from console.desk.pending import PendingWrapups
from console.desk.call_customer import CallCustomerCommands
from console.desk.directory import DirectoryCommand
from console.hub import Connection, Hub
from console.sessions import Session, SessionStore, token_from_request
from console.site import same_origin
from console.rate_limits import CLOSE, OK, RateLimits, SocketAllowance
from console.replies import error_for, now_iso, spawn
from console.supervision_commands import SupervisionCommands
from console.task_commands import TaskCommands
from console.work_limits import STORE_COMMANDS, SocketTasks, WorkLimits
from crm_bridge.phones import normalize as phone_normalize
from crm_bridge.store import AgentRecord, Disposition, DispositionResult

log = logging.getLogger(__name__)

SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
# aiohttp closes the socket (1009) above this; between protocol.MAX_MESSAGE_BYTES and this an
# oversized message only gets an error reply.
MAX_FRAME_BYTES = 4 * protocol.MAX_MESSAGE_BYTES
# Each of these is a store write and an Asterisk action: the user's presence bucket holds a storm back.
PRESENCE_COMMANDS = frozenset({"available", "pause", "pause_after_call", "queues", "logout"})
# Messages read in a row before the read loop lets the rest of the server run (a socket's buffered
# frames are otherwise all handled in one step of the event loop).
_YIELD_EVERY = 32


class ConsoleEngine(Protocol):
    def post(self, event: Any) -> None: ...
    def agent_snapshot(self, agent_id: int) -> dict[str, Any]: ...
    def wallboard(self) -> dict[str, Any]: ...
    def wallboard_series(self) -> dict[str, Any]: ...
    def wrapup_call(self, agent_id: int, call_id: str) -> dict[str, Any] | None: ...
    def pending_wrapups(self, agent_id: int) -> dict[str, Any]: ...


class DispositionStore(Protocol):
    async def save_disposition(self, disposition: Disposition, *, rules: Any = None) -> DispositionResult: ...
    # Pending wrap-ups (console.desk.pending).
    async def pending_wrapups(self, agent_id: int, *, also: Any = ()) -> tuple[list[dict[str, Any]], set[str]]: ...
    async def savable_wrapup(self, agent_id: int, interaction_id: str, call_id: str) -> dict[str, Any] | None: ...
    # Tasks and complaint work (crm_bridge.store.Store).
    async def agent_by_id(self, agent_id: int) -> AgentRecord | None: ...
    async def tasks_for(self, agent_id: int, queues: Any) -> list[dict[str, Any]]: ...
    async def complete_follow_up(self, follow_up_id: int, **kw: Any) -> dict[str, Any]: ...
    async def cancel_follow_up(self, follow_up_id: int, **kw: Any) -> dict[str, Any]: ...
    async def advance_complaint_as(self, complaint_id: int, status: str, **kw: Any) -> dict[str, Any]: ...
    async def complaint_board(self, **kw: Any) -> dict[str, Any]: ...
    async def hand_on_complaint(self, complaint_id: int, new_owner: int, **kw: Any) -> dict[str, Any]: ...
    async def audit_agent_force(self, agent_id: int, **kw: Any) -> None: ...
    # The customer of a call (console/desk/call_customer.py).
    async def set_call_customer(self, *, interaction_id: str, call_id: str, customer_id: int,
                                actor_login: str, actor_agent_id: int) -> dict[str, Any]: ...
    async def add_customer(self, name: str, **kw: Any) -> int: ...


class ConsoleSwitches(Protocol):
    """``callcenter.switches.QueueSwitches`` as the console sees it."""

    def view(self) -> list[dict[str, Any]]: ...
    async def set(self, queue: str, closed: bool, by: str, reason: str = "") -> dict[str, Any]: ...


class _NoSwitches(CallCenterError):
    def __init__(self) -> None:
        super().__init__("not-available", "queue switches are not available on this server")


class ConsoleSocket(TaskCommands, SupervisionCommands):
    def __init__(self, *, settings: Settings, store: DispositionStore, engine: ConsoleEngine, hub: Hub,
                 sessions: SessionStore, heartbeat: float = 20.0, switches: ConsoleSwitches | None = None,
                 writes: Any = None) -> None:
        self._outcomes = tuple(settings.console.outcomes)
        self._pause_reasons = settings.console.pause_codes
        self._pause_limits = settings.console.pause_limits
        self._action_reasons = settings.supervision.action_reasons
        self._complaint_rules = settings.complaints
        self._queues = tuple(settings.queues)
        self._store = store
        self._engine = engine
        self._hub = hub
        self._sessions = sessions
        self._heartbeat = heartbeat
        self._switches = switches
        self._rates = RateLimits(settings.console.limits)
        self._work = WorkLimits(settings.console.limits)
        # writes: the spooled writes (crm_bridge/spool/): an outcome saved while the database is away is kept.
        self._pending = PendingWrapups(store, engine, hub,
                                       queued=writes.queued_outcomes if writes is not None else set)
        self._dispositions = Dispositions(settings, store=store, engine=engine, pending=self._pending,
                                          writes=writes, hub=hub)
        self._commands: dict[str, Callable[[Connection, Session, protocol.Command, SocketTasks], None]] = {
            "available": self._available,
            "pause": self._pause,
            "pause_after_call": self._pause_after_call,
            "logout": self._logout,
            "queues": self._choose_queues,
            "disposition": self._dispositions.command,
            "wrapups": self._wrapups,
            "ack": self._ack,
            "ping": self._ping,
            "queue_switch": self._queue_switch,
            "tasks": self._tasks,
            "follow_up_done": self._follow_up_done,
            "follow_up_cancel": self._follow_up_cancel,
            "complaint_advance": self._complaint_advance,
            **{name: self._call_control for name in protocol.CALL_CONTROL_COMMANDS},
            "complaints": self._complaints,
            "complaint_reassign": self._complaint_reassign,
            "agent_force": self._agent_force,
            "spy": self._spy,
            "directory": DirectoryCommand(engine),
        }
        call_customer = CallCustomerCommands(store=store, engine=engine, search_mode=settings.privacy.agent_search,
                                             deputies=dict(settings.routing.deputies))
        self._commands.update({"call_customer": call_customer.choose, "customer_create": call_customer.create})

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        # No permessage-deflate: a zlib context per socket costs ~300 KB (1,000 consoles = 300 MB) and
        # CPU on every send, for frames of a few hundred bytes (PERFORMANCE.md P2, P5).
        ws = web.WebSocketResponse(heartbeat=self._heartbeat, max_msg_size=MAX_FRAME_BYTES, compress=False)
        await ws.prepare(request)
        if not same_origin(request):
            await ws.close(code=protocol.CLOSE_FORBIDDEN, message=b"Origin does not match the host")
            return ws
        session = self._sessions.get(token_from_request(request))
        if session is None:
            await ws.close(code=protocol.CLOSE_UNAUTHENTICATED, message=b"not logged in")
            return ws
        view = request.query.get("view") or ("supervisor" if session.role in SUPERVISOR_ROLES else "agent")
        if view not in ("agent", "supervisor") or (view == "supervisor" and session.role not in SUPERVISOR_ROLES):
            await ws.close(code=protocol.CLOSE_FORBIDDEN, message=b"this view needs the supervisor role")
            return ws
        if not self._rates.may_open(session.agent_id, asyncio.get_running_loop().time()):
            await ws.close(code=protocol.CLOSE_FLOODING, message=b"too many commands; reconnect later")
            return ws
        try:        # past prepare() nothing may escape: the socket is no longer an HTTP response
            wrapups = await self._pending.for_agent(session.agent_id) if view == "agent" else []
            conn = self._connect(ws, session, view, request.query, wrapups)
        except Exception:
            log.exception("could not open the console of %s", session.login)
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"server error, try again")
            return ws
        tasks = SocketTasks(self._work, session.agent_id)
        allowance = self._rates.open(session.agent_id)
        if conn.view == "agent" and conn.open:
            self._engine.post(DeskConnected(session.agent_id))     # presence: a desk of theirs is here
        clock = asyncio.get_running_loop().time
        in_row = 0
        try:
            async for msg in ws:
                in_row += 1
                if in_row >= _YIELD_EVERY:
                    in_row = 0
                    await asyncio.sleep(0)
                if not conn.open:       # closed by the hub: drain until the close handshake ends the loop
                    continue
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                if self._sessions.get(session.token) is None:
                    await ws.close(code=protocol.CLOSE_UNAUTHENTICATED, message=b"session ended")
                    break
                verdict = allowance.take(clock())
                if verdict is OK:
                    self._on_message(conn, session, msg.data, tasks, allowance, clock)
                elif verdict is CLOSE:
                    log.warning("console socket of %s (%s) keeps flooding (%d commands refused); closing it with %d",
                                session.login, conn.view, allowance.refused, protocol.CLOSE_FLOODING)
                    self._rates.flooded(session.agent_id, clock())
                    if request.transport is not None:   # read no more of the flood: what is buffered is
                        request.transport.pause_reading()  # dropped, the close frame still goes out
                    self._hub.close(conn, protocol.CLOSE_FLOODING, b"too many commands; reconnect later")
                else:
                    conn.push(protocol.encode_error(_command_id(msg.data), _RateLimited()))
        finally:
            allowance.release()
            try:
                await self._hub.disconnect(conn)
            finally:            # told even when this handler is cancelled (the socket is unregistered first)
                if conn.view == "agent" and not self._hub.closing and not self._hub.agent_online(session.agent_id):
                    self._engine.post(DeskDisconnected(session.agent_id))   # their last desk is gone
            await _finish(tasks)
        return ws

    # ------------------------------------------------------------------ connect
    def _connect(self, ws: web.WebSocketResponse, session: Session, view: str, query: Any,
                 wrapups: list[dict[str, Any]]) -> Connection:
        user = {"agent_id": session.agent_id, "login": session.login, "name": session.name,
                "role": session.role, "language": session.language}
        hello: dict[str, Any] = {"user": user, "view": view, "outcomes": list(self._outcomes),
                                 "pause_reasons": list(self._pause_reasons), "pause_limits": dict(self._pause_limits),
                                 "epoch": self._hub.epoch,
                                 "now": now_iso()}
        if view == "supervisor":
            hello["snapshot"] = self._safe(self._engine.wallboard, {"queues": [], "agents": [], "at": now_iso()})
            hello["switches"] = self._switch_view()
            hello["series"] = self._safe(self._engine.wallboard_series, {"queues": {}})
            hello["action_reasons"] = {action: list(codes) for action, codes in self._action_reasons.items()}
            hello["seq"] = 0
            return self._hub.connect_supervisor(ws, session.agent_id, hello=protocol.encode("hello", hello),
                                                tag=session.token)
        hello["snapshot"] = self._safe(lambda: self._engine.agent_snapshot(session.agent_id),
                                       {"agent": None, "call": None})
        hello["wrapups"] = wrapups          # answered calls without an outcome, oldest first (from the store)
        hello["seq"] = self._hub.last_seq(session.agent_id)
        return self._hub.connect_agent(ws, session.agent_id, hello=protocol.encode("hello", hello),
                                       resume=_resume(query.get("resume")), epoch=query.get("epoch"),
                                       tag=session.token)

    def _switch_view(self) -> list[dict[str, Any]]:
        if self._switches is None:
            return []
        try:
            return self._switches.view()
        except Exception:
            log.exception("the queue switches could not be listed; the wallboard starts without them")
            return []

    @staticmethod
    def _safe(get: Callable[[], dict[str, Any]], fallback: dict[str, Any]) -> dict[str, Any]:
        try:
            return get()
        except Exception:
            log.exception("the engine could not give a snapshot; the console starts empty")
            return fallback

    # ------------------------------------------------------------------ commands
    def _on_message(self, conn: Connection, session: Session, raw: str | bytes, tasks: SocketTasks,
                    allowance: SocketAllowance, clock: Callable[[], float]) -> None:
        try:
            command = protocol.decode(raw)
        except protocol.BadCommand as exc:
            conn.push(protocol.encode_error(exc.re, exc))
            return
        try:
            if command.type in protocol.SUPERVISOR_COMMANDS:
                if conn.view != "supervisor" or session.role not in SUPERVISOR_ROLES:
                    raise CallCenterError("forbidden", f"{command.type!r} is a supervisor command",
                                          {"type": command.type})
            elif conn.view != "agent" and command.type not in ("ack", "ping"):
                raise CallCenterError("forbidden", f"{command.type!r} is an agent desk command",
                                      {"type": command.type})
            if command.type in PRESENCE_COMMANDS and not allowance.take_presence(clock()):
                raise _RateLimited()
            if command.type in STORE_COMMANDS:
                tasks.limits.admit(session.agent_id)
            self._commands[command.type](conn, session, command, tasks)
        except Exception as exc:
            conn.push(protocol.encode_error(command.id, error_for(exc, command)))

    def _available(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        self._engine.post(AgentGoAvailable(session.agent_id))
        conn.push(protocol.encode_reply(command.id))

    def _pause(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        reason = protocol.decode_pause(command.data, self._pause_reasons)
        self._engine.post(AgentGoPaused(session.agent_id, reason))
        conn.push(protocol.encode_reply(command.id))

    def _pause_after_call(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        reason = protocol.decode_pause_after_call(command.data, self._pause_reasons)
        self._engine.post(AgentPauseAfterCall(session.agent_id, reason))
        conn.push(protocol.encode_reply(command.id))

    def _choose_queues(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        self._engine.post(AgentSelectQueues(session.agent_id, protocol.decode_queues(command.data)))
        conn.push(protocol.encode_reply(command.id))

    def _wrapups(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        spawn(conn, command, tasks, self._pending_reply(session.agent_id))

    async def _pending_reply(self, agent_id: int) -> dict[str, Any]:
        return {"wrapups": await self._pending.for_agent(agent_id)}

    def _logout(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        self._engine.post(AgentLogOut(session.agent_id))
        conn.push(protocol.encode_reply(command.id))

    def _ack(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        seq = protocol.decode_ack(command.data)
        if conn.view == "agent":
            self._hub.ack(session.agent_id, seq)
        if command.id is not None:
            conn.push(protocol.encode_reply(command.id))

    def _ping(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        conn.push(protocol.encode_reply(command.id, {"now": now_iso()}))

    def _call_control(self, conn: Connection, session: Session, command: protocol.Command, tasks: set[Any]) -> None:
        """Hold, resume, hang up, transfer, click-to-dial: checked against the desk's state here (a clear
        error reply at once); the engine checks again in order and sends an ``error`` frame if the call
        changed meanwhile."""
        kind, agent_id = command.type, session.agent_id
        if kind == "dial":
            number = protocol.decode_dial(command.data, phone_normalize)
            event: Any = DialNumber(agent_id, number)
        elif kind == "transfer":
            data = protocol.decode_transfer(command.data, phone_normalize)
            event = TransferCall(agent_id, data.kind, data.to, data.target)
        elif kind in ("transfer_complete", "transfer_cancel"):   # the engine checks there is one (Atxfer)
            event = (CompleteTransfer if kind == "transfer_complete" else CancelTransfer)(agent_id)
        else:
            event = {"hold": HoldCall, "resume": ResumeCall, "hangup": HangUpCall}[kind](agent_id)
        snapshot = self._safe(lambda: self._engine.agent_snapshot(agent_id), {"call": None})
        call = snapshot.get("call") or {}
        if kind == "dial":
            if call.get("state") in ("ringing", "connected"):
                raise CallCenterError("agent-busy", "finish your current call before dialling")
        elif kind == "hangup":
            if call.get("state") not in ("connected", "ringing") or (call.get("state") == "ringing"
                                                                      and not call.get("outbound")):
                raise CallCenterError("no-connected-call", "you have no call to hang up")
        elif kind in ("transfer_complete", "transfer_cancel") and not call.get("consult"):
            raise CallCenterError("no-attended-transfer", "there is no attended transfer in progress on your call")
        elif call.get("state") != "connected":
            raise CallCenterError("no-connected-call", "you have no connected call to control")
        elif kind in ("hold", "resume", "transfer") and call.get("consult"):
            raise CallCenterError("consulting", "complete or cancel your attended transfer first")
        elif kind == "hold" and call.get("held"):
            raise CallCenterError("already-on-hold", "the call is already on hold")
        elif kind == "resume" and not call.get("held"):
            raise CallCenterError("not-on-hold", "the call is not on hold")
        self._engine.post(event)
        conn.push(protocol.encode_reply(command.id, {"call_id": call.get("call_id")}))

    def _queue_switch(self, conn: Connection, session: Session, command: protocol.Command,
                      tasks: SocketTasks) -> None:
        data = protocol.decode_queue_switch(command.data)
        switches = self._switches
        if switches is None:
            raise _NoSwitches()
        spawn(conn, command, tasks, _flip(switches, data, session.login))


async def _flip(switches: ConsoleSwitches, data: protocol.QueueSwitchData, login: str) -> dict[str, Any]:
    """The reply comes only once the switch is committed (the switches service tells the supervisors)."""
    return {"switch": await switches.set(data.queue, data.closed, by=login, reason=data.reason)}


def _resume(value: str | None) -> int | None:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)


class _RateLimited(CallCenterError):
    def __init__(self) -> None:
        super().__init__("rate-limited", "too many commands from this console; slow down and try again")


def _command_id(raw: str | bytes) -> Any:
    """The id of a refused command, for its error reply (None when it has none we can read)."""
    try:
        return protocol.decode(raw).id
    except protocol.BadCommand as exc:
        return exc.re
    except Exception:       # noqa: BLE001 (a refused command is not checked further)
        return None


async def _finish(tasks: SocketTasks) -> None:
    """Let in-flight saves finish (the user's data is being committed); cancel them only on shutdown."""
    if not tasks:
        return
    pending = tuple(tasks)
    try:
        await asyncio.gather(*pending, return_exceptions=True)
    except asyncio.CancelledError:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        raise

"""The hub: the only publisher to console browsers.

Theory of operation. The engine calls :meth:`Hub.send_to_agent` synchronously from its one writer
task; that call must stay cheap whatever the browsers do. So a frame is encoded **once**, appended to
the agent's replay buffer and put on the bounded outbound queue of each of the agent's sockets; one
writer task per socket drains its queue. A slow or dead browser only fills its own queue: when the
queue overflows that socket is closed with ``4429`` (the browser reconnects and resumes), nobody else
waits, and a failing send ends that socket's writer only.

Sequence numbers are per agent (``seq``), not per socket, and survive reconnects; the last
``replay_size`` frames of each agent are kept so that ``/ws?resume=<seq>`` can replay what a
reconnecting browser missed. ``epoch`` names this hub's life: seqs restart with a new process.

Supervisors get whole ``wallboard`` snapshots: the engine calls :meth:`mark_wallboard_dirty` (sync,
free) on every change, and a notifier task started with :meth:`start` asks the engine for a snapshot
at most once per ``wallboard_interval`` while someone is watching, and broadcasts it encoded once.

Lifetimes: ``await start()`` / ``await stop()`` run the notifier (``Hub(wallboard=engine.wallboard)``
or ``start(engine.wallboard)``), from a ``cleanup_ctx``; :meth:`lifetime` is such a ``cleanup_ctx``
entry ready made (it also closes every socket on exit). :meth:`close_all` runs in ``on_shutdown``
(``setup_console`` registers it) so that open websockets do not hold the graceful shutdown for its
whole timeout.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from console import protocol

log = logging.getLogger(__name__)

Wallboard = Callable[[], dict[str, Any]]


class Connection:
    """One browser socket: a bounded outbound queue drained by exactly one writer task."""

    __slots__ = ("ws", "agent_id", "view", "tag", "open", "_hub", "_queue", "_writer")

    def __init__(self, hub: Hub, ws: web.WebSocketResponse, *, agent_id: int, view: str,
                 tag: str | None, queue_size: int) -> None:
        self.ws = ws
        self.agent_id = agent_id
        self.view = view          # "agent" | "supervisor"
        self.tag = tag            # the session token, to close a session's sockets on logout
        self.open = True
        self._hub = hub
        self._queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self._writer = asyncio.create_task(self._write(), name=f"console-writer-{view}-{agent_id}")

    def push(self, frame: str) -> bool:
        """Queue an encoded frame; never blocks. False when the socket is gone or just overflowed."""
        if not self.open:
            return False
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._hub._overflow(self)
            return False
        return True

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    async def _write(self) -> None:
        ws, queue = self.ws, self._queue
        try:
            while True:
                frame = await queue.get()
                await ws.send_str(frame)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken socket ends this writer only
            log.info("console socket of %s %s: send failed (%r); dropping it", self.view, self.agent_id, exc)
            self._hub._detach(self)

    async def stop_writer(self) -> None:
        try:
            await _cancel_and_wait(self._writer)
        except Exception:  # pragma: no cover - _write catches everything but cancellation
            log.exception("console writer ended with an error")


class _AgentStream:
    __slots__ = ("seq", "acked", "replay", "connections")

    def __init__(self, replay_size: int) -> None:
        self.seq = 0
        self.acked = 0
        self.replay: deque[tuple[int, str]] = deque(maxlen=replay_size)
        self.connections: list[Connection] = []


class Hub:
    def __init__(self, *, wallboard: Wallboard | None = None, queue_size: int = 256, replay_size: int = 32,
                 wallboard_interval: float = 0.25, close_timeout: float = 5.0) -> None:
        self.epoch = secrets.token_hex(4)
        self._queue_size = queue_size
        self._replay_size = replay_size
        self._interval = wallboard_interval
        self._close_timeout = close_timeout
        self._agents: dict[int, _AgentStream] = {}
        self._supervisors: list[Connection] = []
        self._closing: set[asyncio.Task[None]] = set()
        self._dirty = asyncio.Event()
        self._wallboard = wallboard
        self._notifier: asyncio.Task[None] | None = None
        self._shut = False

    # ------------------------------------------------------------------ publishing (sync, engine side)
    def send_to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> None:
        """Send one frame to every socket of the agent (and keep it for replay); never raises, never waits."""
        stream = self._stream(agent_id)
        seq = stream.seq + 1
        try:
            frame = protocol.encode(kind, data, seq)
        except Exception:
            log.exception("cannot encode %r for agent %s; frame dropped", kind, agent_id)
            return
        stream.seq = seq
        stream.replay.append((seq, frame))
        for conn in tuple(stream.connections):
            conn.push(frame)

    def broadcast_supervisors(self, kind: str, data: dict[str, Any]) -> int:
        """Send one frame (no seq) to every supervisor socket; returns how many took it."""
        if not self._supervisors:
            return 0
        try:
            frame = protocol.encode(kind, data)
        except Exception:
            log.exception("cannot encode %r for supervisors; frame dropped", kind)
            return 0
        return sum(conn.push(frame) for conn in tuple(self._supervisors))

    def mark_wallboard_dirty(self) -> None:
        self._dirty.set()

    # ------------------------------------------------------------------ registry (websocket side)
    def connect_agent(self, ws: web.WebSocketResponse, agent_id: int, *, hello: str,
                      resume: int | None = None, epoch: str | None = None, tag: str | None = None) -> Connection:
        """Register an agent socket: queues *hello*, then the frames after *resume*, then live frames.

        Build *hello* with :meth:`last_seq` in the same synchronous step (no await in between), so that
        the snapshot and the stream line up exactly.
        """
        conn = Connection(self, ws, agent_id=agent_id, view="agent", tag=tag, queue_size=self._queue_size)
        conn.push(hello)
        stream = self._stream(agent_id)
        if resume is not None:
            after = resume if epoch in (None, self.epoch) else 0
            for seq, frame in stream.replay:
                if seq > after:
                    conn.push(frame)
        if self._shut:
            self._abort(conn, protocol.CLOSE_GOING_AWAY, b"server shutting down")
        elif conn.open:
            stream.connections.append(conn)
        return conn

    def connect_supervisor(self, ws: web.WebSocketResponse, agent_id: int, *, hello: str,
                           tag: str | None = None) -> Connection:
        conn = Connection(self, ws, agent_id=agent_id, view="supervisor", tag=tag, queue_size=self._queue_size)
        conn.push(hello)
        if self._shut:
            self._abort(conn, protocol.CLOSE_GOING_AWAY, b"server shutting down")
        else:
            self._supervisors.append(conn)
        return conn

    def last_seq(self, agent_id: int) -> int:
        stream = self._agents.get(agent_id)
        return stream.seq if stream else 0

    def ack(self, agent_id: int, seq: int) -> None:
        """Record what the browser has handled (kept for guaranteed delivery; nothing is trimmed yet)."""
        stream = self._agents.get(agent_id)
        if stream is not None and stream.acked < seq <= stream.seq:
            stream.acked = seq

    def acked(self, agent_id: int) -> int:
        stream = self._agents.get(agent_id)
        return stream.acked if stream else 0

    def agents_online(self) -> frozenset[int]:
        return frozenset(agent_id for agent_id, stream in self._agents.items() if stream.connections)

    def agent_online(self, agent_id: int) -> bool:
        """True while at least one desk (agent socket) of *agent_id* is registered."""
        stream = self._agents.get(agent_id)
        return bool(stream and stream.connections)

    @property
    def closing(self) -> bool:
        """The server is shutting down: sockets closing now say nothing about the agents' presence."""
        return self._shut

    def supervisors_online(self) -> int:
        return len(self._supervisors)

    async def disconnect(self, conn: Connection) -> None:
        """The socket's handler is done with it: unregister and stop (and await) its writer."""
        self._detach(conn)
        await conn.stop_writer()

    def close(self, conn: Connection, code: int, message: bytes) -> None:
        """Unregister *conn* now and close it with *code* (in the background; ``close_all`` waits for it)."""
        self._abort(conn, code, message)

    def close_tagged(self, tag: str, code: int, message: bytes) -> int:
        """Close every socket opened under *tag* (a session token), e.g. on logout."""
        victims = [c for c in self._all_connections() if c.tag == tag]
        for conn in victims:
            self._abort(conn, code, message)
        return len(victims)

    async def close_all(self, code: int = protocol.CLOSE_GOING_AWAY, message: bytes = b"server shutting down") -> None:
        """Close every socket and wait until they are closed; later connects are refused. Idempotent."""
        self._shut = True
        for conn in self._all_connections():
            self._abort(conn, code, message)
        while self._closing:
            await asyncio.gather(*tuple(self._closing), return_exceptions=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await self.close_all()

    # ------------------------------------------------------------------ wallboard notifier
    async def start(self, wallboard: Wallboard | None = None) -> None:
        """Start the notifier; *wallboard* (``engine.wallboard``) here or to the constructor."""
        if self._notifier is not None:
            raise RuntimeError("the wallboard notifier is already running")
        if wallboard is not None:
            self._wallboard = wallboard
        if self._wallboard is None:
            raise RuntimeError("Hub.start needs the wallboard source (engine.wallboard)")
        self._notifier = asyncio.create_task(self._notify(), name="console-wallboard")

    async def stop(self) -> None:
        task, self._notifier = self._notifier, None
        if task is not None:
            await _cancel_and_wait(task)

    def lifetime(self, wallboard: Wallboard | None = None) -> Callable[[web.Application], AsyncIterator[None]]:
        """A ``cleanup_ctx`` entry: ``app.cleanup_ctx.append(hub.lifetime(engine.wallboard))``."""
        async def hub_lifetime(app: web.Application) -> AsyncIterator[None]:
            await self.start(wallboard)
            try:
                yield
            finally:
                await self.stop()
                await self.close_all()
        return hub_lifetime

    async def _notify(self) -> None:
        assert self._wallboard is not None
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            if self._supervisors:
                try:
                    board = self._wallboard()
                except Exception:
                    log.exception("engine.wallboard() failed; supervisors keep the previous board")
                else:
                    self.broadcast_supervisors("wallboard", board)
            await asyncio.sleep(self._interval)

    # ------------------------------------------------------------------ internals
    def _stream(self, agent_id: int) -> _AgentStream:
        stream = self._agents.get(agent_id)
        if stream is None:
            stream = self._agents[agent_id] = _AgentStream(self._replay_size)
        return stream

    def _all_connections(self) -> list[Connection]:
        return [c for s in self._agents.values() for c in s.connections] + list(self._supervisors)

    def _detach(self, conn: Connection) -> bool:
        if not conn.open:
            return False
        conn.open = False
        if conn.view == "supervisor":
            if conn in self._supervisors:
                self._supervisors.remove(conn)
        else:
            stream = self._agents.get(conn.agent_id)
            if stream is not None and conn in stream.connections:
                stream.connections.remove(conn)
        return True

    def _overflow(self, conn: Connection) -> None:
        log.warning("console socket of %s %s is not reading (%d frames queued); closing it with %d",
                    conn.view, conn.agent_id, conn.queued, protocol.CLOSE_TOO_SLOW)
        self._abort(conn, protocol.CLOSE_TOO_SLOW, b"too slow: outbound queue full, reconnect to resume")

    def _abort(self, conn: Connection, code: int, message: bytes) -> None:
        if not self._detach(conn) and conn.ws.closed:
            return
        task = asyncio.create_task(self._close(conn, code, message), name="console-close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, conn: Connection, code: int, message: bytes) -> None:
        await conn.stop_writer()
        try:
            await asyncio.wait_for(conn.ws.close(code=code, message=message), self._close_timeout)
        except Exception as exc:
            log.debug("closing console socket of %s %s: %r", conn.view, conn.agent_id, exc)


async def _cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel *task* and wait for it to end; re-raise only if WE are being cancelled meanwhile."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise

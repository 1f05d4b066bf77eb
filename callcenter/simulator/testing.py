"""Small protocol peers for tests: a raw AMI client and a scripted FastAGI server.

They talk to the simulator (or a real Asterisk) over real sockets and keep everything they received,
in order, so a test can assert on frames exactly as they were sent. No panoramisk involved: these are
the reference peers against which the simulator's wire format is checked.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from .protocol import encode


class AmiFrame:
    """One AMI frame: ordered (key, value) pairs, case-insensitive lookup, the raw bytes."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        text = raw.decode("utf-8", "replace")
        self.pairs = tuple(tuple(line.split(": ", 1)) if ": " in line else (line.rstrip(":"), "")
                           for line in text.split("\r\n") if line)

    def get(self, key: str, default: str = "") -> str:
        wanted = key.lower()
        return next((v for k, v in self.pairs if k.lower() == wanted), default)

    def __getitem__(self, key: str) -> str:
        return self.get(key)

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.pairs]

    @property
    def event(self) -> str:
        return self.get("Event")

    @property
    def response(self) -> str:
        return self.get("Response")

    def __repr__(self) -> str:
        return f"<AmiFrame {self.event or self.response} {dict(self.pairs)!r}>"


def parse_ami_stream(data: bytes) -> list[AmiFrame]:
    """Frames of a raw AMI byte stream (a recording); a leading banner line is skipped."""
    if data.startswith(b"Asterisk Call Manager/"):
        data = data.split(b"\r\n", 1)[1]
    return [AmiFrame(raw) for raw in data.split(b"\r\n\r\n") if raw.strip()]


def call_signature(frames: list[AmiFrame], names: frozenset[str] | set[str]) -> list[tuple[str, int | None]]:
    """(event, channel role) for unsolicited events named in *names*; a role numbers the channels in order
    of first appearance, so two calls compare equal when the same events concern the same channels."""
    roles: dict[str, int] = {}
    signature: list[tuple[str, int | None]] = []
    for frame in frames:
        if not frame.event or frame.event not in names or frame.get("ActionID"):
            continue
        channel = frame.get("Channel") or frame.get("LocalOneChannel") or frame.get("DestChannel")
        signature.append((frame.event, roles.setdefault(channel, len(roles)) if channel else None))
    return signature


class AmiClient:
    """Connect, log in, send actions, wait for frames. ``frames`` holds everything received."""

    _ids = itertools.count(1)

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, banner: str) -> None:
        self.reader, self.writer, self.banner = reader, writer, banner
        self.frames: list[AmiFrame] = []
        self.closed = asyncio.Event()
        self._cond = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def logged_in(cls, port: int, username: str, secret: str, host: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
        """A client that has logged in and seen ``SuccessfulAuth``; closed on exit."""
        client = await cls.connect(host, port)
        try:
            await client.login(username, secret)
            await client.event("SuccessfulAuth")
            yield client
        finally:
            await client.close()

    @classmethod
    async def connect(cls, host: str, port: int) -> AmiClient:
        reader, writer = await asyncio.open_connection(host, port)
        banner = (await asyncio.wait_for(reader.readline(), 5)).decode()
        return cls(reader, writer, banner)

    async def _read(self) -> None:
        try:
            while True:
                raw = await self.reader.readuntil(b"\r\n\r\n")
                async with self._cond:
                    self.frames.append(AmiFrame(raw[:-4]))
                    self._cond.notify_all()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self.closed.set()
            async with self._cond:
                self._cond.notify_all()

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    def send(self, action: str, **headers: str | list[str]) -> str:
        """Send an action; returns its ActionID (generated unless given)."""
        action_id = str(headers.pop("ActionID", f"t-{next(self._ids)}"))
        pairs: list[tuple[str, str]] = [("Action", action), ("ActionID", action_id)]
        for key, value in headers.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((key, item))
        self.writer.write(encode(pairs))
        return action_id

    async def wait_for(self, predicate: Callable[[AmiFrame], bool], timeout: float = 5.0,
                       start: int = 0) -> AmiFrame:
        """The first frame from index *start* on that satisfies *predicate*."""
        def found() -> AmiFrame | None:
            return next((f for f in self.frames[start:] if predicate(f)), None)

        async def waiter() -> AmiFrame:
            async with self._cond:
                await self._cond.wait_for(lambda: found() is not None or self.closed.is_set())
                frame = found()
                if frame is None:
                    raise ConnectionError("AMI connection closed")
                return frame
        return await asyncio.wait_for(waiter(), timeout)

    async def event(self, name: str, timeout: float = 5.0, start: int = 0, **match: str) -> AmiFrame:
        return await self.wait_for(lambda f: f.event == name and all(f.get(k) == v for k, v in match.items()),
                                   timeout, start)

    async def action(self, action: str, timeout: float = 5.0, **headers: str | list[str]) -> AmiFrame:
        action_id = self.send(action, **headers)
        return await self.wait_for(lambda f: bool(f.response) and f.get("ActionID") == action_id, timeout)

    async def list_action(self, action: str, timeout: float = 5.0,
                          **headers: str | list[str]) -> tuple[AmiFrame, list[AmiFrame]]:
        """A list action: (its response, its list items up to and including ``*Complete``)."""
        action_id = self.send(action, **headers)
        response = await self.wait_for(lambda f: bool(f.response) and f.get("ActionID") == action_id, timeout)
        await self.wait_for(lambda f: f.event.endswith("Complete") and f.get("ActionID") == action_id, timeout)
        items = [f for f in self.frames if f.event and f.get("ActionID") == action_id]
        return response, items

    async def login(self, username: str, secret: str, events: str = "on") -> AmiFrame:
        response = await self.action("Login", Username=username, Secret=secret, Events=events)
        if response.response != "Success":
            raise PermissionError(response.get("Message"))
        return response

    def events(self, since: int = 0) -> list[AmiFrame]:
        """Unsolicited events (no ActionID) received from index *since* on."""
        return [f for f in self.frames[since:] if f.event and not f.get("ActionID")]

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class AgiConnection:
    """One FastAGI session seen from the server side, with the full transcript."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.env: dict[str, str] = {}
        self.env_lines: list[str] = []
        self.transcript: list[tuple[str, str]] = []     # (">>" from Asterisk | "<<" to Asterisk, line)
        self.hangups = 0

    async def read_env(self) -> None:
        while True:
            line = (await self.reader.readline()).decode()
            self.transcript.append((">>", line))
            if line in ("\n", ""):
                return
            self.env_lines.append(line)
            key, _, value = line.rstrip("\n").partition(": ")
            self.env[key] = value

    async def _line(self) -> str:
        line = (await self.reader.readline()).decode()
        self.transcript.append((">>", line))
        if not line:
            raise ConnectionError("FastAGI client closed the connection")
        return line.rstrip("\n")

    async def command(self, line: str) -> str:
        """Send one command, return its response line (``HANGUP`` notifications are counted, skipped)."""
        self.transcript.append(("<<", line + "\n"))
        self.writer.write(f"{line}\n".encode())
        await self.writer.drain()
        while True:
            reply = await self._line()
            if reply == "HANGUP":
                self.hangups += 1
                continue
            return reply

    async def finish(self, linger: float = 1.0) -> None:
        """Half-close like a server whose script ended, and collect what Asterisk still sends."""
        with contextlib.suppress(Exception):
            self.writer.write_eof()
            while True:
                line = await asyncio.wait_for(self._line(), linger)
                if line == "HANGUP":
                    self.hangups += 1


AgiScript = Callable[[AgiConnection], Awaitable[Any]]


class ScriptedAgiServer:
    """A FastAGI server that runs *script* for each connection; ``sessions`` keeps them all."""

    def __init__(self, script: AgiScript) -> None:
        self.script = script
        self.sessions: list[AgiConnection] = []
        self.errors: list[Exception] = []
        self.connected = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, host, port)

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = AgiConnection(reader, writer)
        self.sessions.append(session)
        self.connected.set()
        try:
            await session.read_env()
            await self.script(session)
            await session.finish()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        except Exception as exc:               # a broken test script: keep it for the test to see
            self.errors.append(exc)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

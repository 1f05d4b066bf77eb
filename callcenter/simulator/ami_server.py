"""The AMI TCP server: sessions, authentication, action dispatch and event fan-out.

Theory of operation. Each TCP connection is a session that first receives the banner
``Asterisk Call Manager/11.0.0``. Frames are parsed by :class:`.protocol.FrameParser` and handled one
at a time, in order, like Asterisk's per-session thread. Before a successful Login only ``Login``,
``Challenge`` and ``Logoff`` are accepted (anything else: "Permission denied"). A Login with a plain
``Secret`` or an MD5 ``Key`` (md5 of the session's challenge + secret) is answered "Authentication
accepted", followed by ``FullyBooted`` and ``SuccessfulAuth``; a wrong one is answered "Authentication
failed" after ``login_failure_delay`` and the socket is closed. A frame without ``Action`` gets
"Missing action in request"; an unknown action "Invalid/unknown command: X. Use Action: ListCommands to
show available commands."; neither disturbs the session or the server.

Events come from :meth:`.pbx.Pbx.emit`; each is encoded once and written to every logged-in session
whose event mask (``Events:`` on Login, ``Events`` action) contains the event's class and whose
``Filter`` regexes (if any) let it through.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from . import events as ev
from .pbx import Pbx
from .protocol import (ALL_CLASSES, BANNER, CLASS_BITS, FrameParser, Pairs, encode, error, header,
                       parse_event_mask, response, success)

log = logging.getLogger(__name__)
Handler = Callable[["Session", Pairs], Awaitable[None]]
_PRE_LOGIN = frozenset({"login", "challenge", "logoff"})


class Session:
    def __init__(self, server: AmiServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.pbx = server.pbx
        self.reader, self.writer = reader, writer
        self.authenticated = False
        self.username = ""
        self.mask = ALL_CLASSES
        self.challenge = ""
        self.closing = False
        self.session_id = f"0x{id(self):x}"
        self.include: list[re.Pattern[str]] = []     # Filter: <regex>
        self.exclude: list[re.Pattern[str]] = []     # Filter: !<regex>

    def wants(self, event_class: str) -> bool:
        return self.authenticated and not self.closing and bool(self.mask & CLASS_BITS.get(event_class, 0))

    def passes_filters(self, text: str) -> bool:
        if self.include and not any(p.search(text) for p in self.include):
            return False
        return not any(p.search(text) for p in self.exclude)

    def write(self, data: bytes) -> None:
        if not self.closing and not self.writer.is_closing():
            self.writer.write(data)

    def send(self, pairs: list[tuple[str, str]]) -> None:
        self.write(encode(pairs))

    def close(self) -> None:
        self.closing = True


class AmiServer:
    def __init__(self, pbx: Pbx, actions: dict[str, Handler]) -> None:
        self.pbx = pbx
        self.config = pbx.config
        self.actions = {name.lower(): handler for name, handler in actions.items()}
        self.sessions: set[Session] = set()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        pbx.add_listener(self._on_event)
        pbx.add_raw_listener(self._on_raw)

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None, "not started"
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._connection, host, port)

    async def stop(self) -> None:
        self.pbx.remove_listener(self._on_event)
        await self._close_listener_and_sessions(abort=False)

    async def cut(self) -> tuple[str, int]:
        """A network failure between Asterisk and its AMI clients: sockets reset without a
        ``Shutdown``, new connections refused, calls carry on. ``resume`` listens again."""
        address = self.address
        await self._close_listener_and_sessions(abort=True)
        return address

    async def resume(self, host: str, port: int) -> None:
        await self.start(host, port)

    async def _close_listener_and_sessions(self, *, abort: bool) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.close()
            if abort:
                session.writer.transport.abort()
            else:
                session.writer.close()      # the session's read sees EOF and its task ends by itself
        tasks = list(self._connections)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=1.0)
            for task in pending:            # stuck in an action (a failed login's delay ...)
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def _on_raw(self, data: bytes) -> None:
        for session in list(self.sessions):
            if session.authenticated:
                session.write(data)

    def _on_event(self, event: ev.Event) -> None:
        data = encode(event.pairs())
        text: str | None = None
        for session in list(self.sessions):
            if session.wants(event.event_class):
                if session.include or session.exclude:
                    text = text if text is not None else data.decode("utf-8", "replace")
                    if not session.passes_filters(text):
                        continue
                session.write(data)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        session = Session(self, reader, writer)
        self.sessions.add(session)
        parser = FrameParser()
        try:
            writer.write(BANNER)
            while not session.closing:
                data = await reader.read(65536)
                if not data:
                    break
                for frame in parser.feed(data):
                    await self._dispatch(session, frame)
                    if session.closing:
                        break
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels a session; ending normally keeps asyncio's stream callback from
            # logging the cancellation as an error (Python 3.11 calls task.exception() on it).
            pass
        finally:
            session.close()
            self.sessions.discard(session)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._connections.discard(task)

    async def _dispatch(self, session: Session, frame: Pairs) -> None:
        action = header(frame, "Action")
        if not action:
            session.send(error(frame, "Missing action in request"))
            return
        name = action.lower()
        if not session.authenticated and name not in _PRE_LOGIN:
            session.send(error(frame, "Permission denied"))
            return
        handler = self.actions.get(name)
        if handler is None:
            session.send(error(frame, f"Invalid/unknown command: {action}. "
                                      "Use Action: ListCommands to show available commands."))
            return
        try:
            await handler(session, frame)
        except asyncio.CancelledError:
            raise
        except Exception:                                  # a bug in one action never kills the server
            log.exception("AMI action %s failed", action)
            session.send(error(frame, f"Internal error while processing {action}"))


# -- the actions every session needs before anything else -------------------------------------------
async def action_login(session: Session, frame: Pairs) -> None:
    config = session.server.config
    if session.authenticated:
        session.send(success(frame, "Already authenticated"))
        return
    username = header(frame, "Username")
    if header(frame, "AuthType").lower() == "md5":
        expected = hashlib.md5((session.challenge + config.secret).encode()).hexdigest()
        ok = bool(session.challenge) and header(frame, "Key").lower() == expected
    else:
        ok = header(frame, "Secret") == config.secret
    if not ok or username != config.username:
        await asyncio.sleep(config.login_failure_delay)
        session.send(error(frame, "Authentication failed"))
        session.close()
        return
    session.authenticated, session.username = True, username
    mask = parse_event_mask(header(frame, "Events"))
    if mask is not None:
        session.mask = mask
    session.send(success(frame, "Authentication accepted"))
    pbx = session.pbx
    uptime = int(pbx.now() - pbx.started)
    if session.wants("system"):
        session.write(encode(ev.fully_booted(uptime, uptime).pairs()))
    local = session.writer.get_extra_info("sockname") or ("127.0.0.1", 0)
    remote = session.writer.get_extra_info("peername") or ("127.0.0.1", 0)
    pbx.emit(ev.successful_auth(_event_tv(), username, session.session_id, local[:2], remote[:2], False))


async def action_challenge(session: Session, frame: Pairs) -> None:
    if header(frame, "AuthType").lower() != "md5":
        session.send(error(frame, "Must specify AuthType"))
        return
    if not session.challenge:
        session.challenge = str(session.pbx.rng.randrange(100_000_000, 2_147_483_647))
    session.send(success(frame, None, [("Challenge", session.challenge)]))


async def action_logoff(session: Session, frame: Pairs) -> None:
    session.send(response(frame, "Goodbye", "Thanks for all the fish."))
    session.close()


async def action_events(session: Session, frame: Pairs) -> None:
    mask = parse_event_mask(header(frame, "EventMask"))
    if mask is None:
        session.send(error(frame, "Invalid event mask"))
        return
    session.mask = mask
    session.send(success(frame, None, [("Events", "On" if mask else "Off")]))


async def action_filter(session: Session, frame: Pairs) -> None:
    """Classic manager filters: a regex an event must match, ``!regex`` one it must not."""
    if header(frame, "Operation").lower() != "add":
        session.send(error(frame, "Unknown operation"))
        return
    text = header(frame, "Filter")
    negate = text.startswith("!")
    try:
        pattern = re.compile(text[1:] if negate else text)
    except re.error:
        session.send(error(frame, "Filter did not compile.  Check the syntax of the filter given."))
        return
    (session.exclude if negate else session.include).append(pattern)
    session.send(success(frame, "Success"))


def _event_tv() -> str:
    now = time.time()
    stamp = datetime.fromtimestamp(now, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(now * 1000) % 1000:03d}+0000"


BASE_ACTIONS: dict[str, Handler] = {"Login": action_login, "Challenge": action_challenge,
                                    "Logoff": action_logoff, "Events": action_events, "Filter": action_filter}

"""The FastAGI server: panoramisk's ``fast_agi.Application`` with a header reader that cannot hang.

Theory of operation. Asterisk connects once per ``AGI(agi://host:port/<script>)``, sends the
``agi_*`` environment ended by a blank line, then runs the commands the script sends until the server
closes the connection; the dialplan then goes on (to ``Queue()``, with the ``CC_*`` variables the script
set or the defaults the dialplan gave them before).

panoramisk 1.4's ``Application.handler`` reads the environment with
``while b'\\n\\n' not in buffer: buffer += await reader.read(100)``: a peer that closes before the blank
line makes ``read`` return ``b''`` forever without yielding, which freezes the whole event loop; one that
never sends it holds a task forever. :class:`_FastAgiApplication` replaces that handler: line by line,
``agi_*`` lines only, bounded in time (``fastagi.header_timeout``) and size; anything else is logged and
the connection closed. Routes stay panoramisk's (``add_route`` with ``async def`` handlers, a
``fast_agi.Request`` per session); each handler wraps the request in an :class:`AgiChannel`.

:class:`IvrServer` owns the listening socket and every session task, so ``stop()`` can cancel and await
them. It admits a connection only from an address on ``fastagi.allow`` (:mod:`ivr.admission`) and while
fewer than ``fastagi.max_connections`` sessions are open; anything else is closed at once, before a
byte is read, so a stranger learns nothing and idle sockets cannot use up the process's open files. A
session (environment and script together) that outlives ``fastagi.session_seconds`` is ended. Each
of these is counted (:attr:`IvrServer.counts`) and logged, refusals at most once a minute per address.
Asterisk takes a closed connection as the end of the AGI and goes on in the dialplan, where
``CC_QUEUE``/``CC_PRIORITY`` were given their defaults before ``AGI()``: the caller is still queued.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from panoramisk import fast_agi

from callcenter.settings import Settings
from ivr.admission import AdmissionCounts, AllowList, RefusalLog, resolve
from ivr.agi_protocol import AgiParseError, parse_env_line
from ivr.channel import COMMAND_TIMEOUT, MEDIA_TIMEOUT, AgiChannel
from ivr.inbound import (Availability, ClosedNow, Clock, Identify, Post, RememberLanguage, RequestCallback,
                         VerifyAccount, run_inbound, utc_now)
from ivr.survey import run_survey
from ivr.variables import INBOUND_SCRIPT, SURVEY_SCRIPT

log = logging.getLogger(__name__)

# Asterisk sends ~25 environment lines; a peer sending far more is not Asterisk.
MAX_ENV_LINES = 200
_CLOSE_TIMEOUT = 1.0


class _FastAgiApplication(fast_agi.Application):
    def __init__(self, *, header_timeout: float, session_seconds: float, counts: AdmissionCounts,
                 loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self.header_timeout = header_timeout
        self.session_seconds = session_seconds
        self.counts = counts

    async def handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        env: dict[str, str] | None = None
        try:
            async with asyncio.timeout(self.session_seconds):
                env = await self._read_env(reader, peer)
                if env is not None:
                    await self._dispatch(env, reader, writer, peer)
        except TimeoutError:
            # The script's own post to the engine is skipped: the queue join (or the Hangup) tells the
            # engine about the call, as when the FastAGI server is down.
            self.counts.over_deadline += 1
            log.warning("FastAGI session from %s for call %s lasted over fastagi.session_seconds (%gs); "
                        "ended, the dialplan goes on with what was set so far or its defaults",
                        peer, (env or {}).get("agi_uniqueid", "?"), self.session_seconds)
        finally:
            await _close(writer)

    async def _read_env(self, reader: asyncio.StreamReader, peer: Any) -> dict[str, str] | None:
        env: dict[str, str] = {}
        try:
            async with asyncio.timeout(self.header_timeout):
                while True:
                    raw = await reader.readline()
                    if not raw.endswith(b"\n"):
                        log.warning("FastAGI peer %s closed the connection before the end of the AGI "
                                    "environment (%d lines)", peer, len(env))
                        return None
                    line = raw.decode(self.default_encoding, "replace").rstrip("\r\n")
                    if not line:
                        break
                    if len(env) >= MAX_ENV_LINES:
                        raise AgiParseError(f"more than {MAX_ENV_LINES} environment lines")
                    key, value = parse_env_line(line)
                    env[key] = value
        except TimeoutError:
            log.warning("FastAGI peer %s sent no complete AGI environment within %gs; closing",
                        peer, self.header_timeout)
            return None
        except ValueError as exc:   # AgiParseError, or a line longer than the stream's limit
            log.warning("FastAGI peer %s is not speaking FastAGI (%s); closing", peer, exc)
            return None
        except ConnectionError as exc:
            log.warning("FastAGI peer %s: connection lost while reading the environment (%s)", peer, exc)
            return None
        if not env:
            log.warning("FastAGI peer %s sent an empty AGI environment; closing", peer)
            return None
        return env

    async def _dispatch(self, env: dict[str, str], reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter, peer: Any) -> None:
        script = env.get("agi_network_script", "")
        if not env.get("agi_uniqueid", "").strip():
            # Asterisk always names the channel (agi_requests.jsonl); a result for no call would
            # reach the engine as a call with an empty id.
            log.warning("FastAGI peer %s sent no agi_uniqueid (script %r); closing", peer, script[:40])
            return
        route = self._route.get(script)
        if route is None:
            # Closing makes Asterisk carry on in the dialplan, with the defaults it set before AGI().
            log.error("FastAGI peer %s asked for unknown script %r (call %s); closing",
                      peer, script, env.get("agi_uniqueid", "?"))
            return
        log.debug("FastAGI script %r for call %s from %s", script, env.get("agi_uniqueid", "?"), peer)
        request = fast_agi.Request(app=self, headers=env, reader=reader, writer=writer,
                                   encoding=self.default_encoding)
        try:
            await route(request)
        except Exception:
            log.exception("FastAGI script %r failed for call %s", script, env.get("agi_uniqueid", "?"))


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        async with asyncio.timeout(_CLOSE_TIMEOUT):
            await writer.wait_closed()
    except TimeoutError:
        writer.transport.abort()     # the peer stopped reading: do not wait for the flush
    except OSError:
        pass


class IvrServer:
    """FastAGI server for the IVR scripts.

    ``identify(number)`` returns screen-pop cards, best first (``[]`` = unknown caller); ``post(event)``
    puts a domain event into the engine inbox (synchronous, never blocks). ``clock()`` is the aware
    ``now`` the business hours are checked at (injectable for tests). ``verify_account(account, pin)``
    returns the card of the customer whose account and PIN match (``None`` otherwise); without it,
    callers are identified by number only. ``remember_language(customer_id, "en")`` saves a language
    the caller switched to in the menu. ``availability()`` is the engine's view of the agents, for the
    routing plan (without it the caller goes to the tier's entry queue). ``closed_now()`` names the queues a supervisor closed with the
    emergency switch (read at the moment the hours are checked).
    """

    def __init__(self, settings: Settings, identify: Identify, post: Post, *,
                 command_timeout: float = COMMAND_TIMEOUT, media_timeout: float = MEDIA_TIMEOUT,
                 clock: Clock = utc_now, verify_account: VerifyAccount | None = None,
                 remember_language: RememberLanguage | None = None, closed_now: ClosedNow | None = None,
                 availability: Availability | None = None,
                 request_callback: RequestCallback | None = None) -> None:
        self._settings = settings
        self._clock = clock
        self._verify_account = verify_account
        self._remember_language = remember_language
        self._closed_now = closed_now
        self._availability = availability
        self._request_callback = request_callback
        self._identify = identify
        self._post = post
        self._command_timeout = command_timeout
        self._media_timeout = media_timeout
        self._server: asyncio.Server | None = None
        self._app: _FastAgiApplication | None = None
        self._sessions: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._allow = AllowList(())
        self._refusals = RefusalLog()
        self.counts = AdmissionCounts()

    @property
    def port(self) -> int:
        """The bound TCP port (useful with ``fastagi.port: 0``)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the FastAGI server is not started")
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the FastAGI server is already started")
        cfg = self._settings.fastagi
        loop = asyncio.get_running_loop()
        self._allow = await resolve(cfg.allowed_peers(self._settings.ami.host), loop)
        # Created here, inside the running loop: panoramisk would otherwise call get_event_loop().
        app = _FastAgiApplication(header_timeout=cfg.header_timeout, session_seconds=cfg.session_seconds,
                                  counts=self.counts, loop=loop)
        app.add_route(INBOUND_SCRIPT, self._inbound)
        app.add_route(SURVEY_SCRIPT, self._survey)
        self._app = app
        self._stopping = False
        self._server = await asyncio.start_server(self._on_connection, cfg.host, cfg.port)
        log.info("FastAGI server listening on %s:%d for %s (at most %d sessions)", cfg.host, self.port,
                 self._allow, cfg.max_connections)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping = True
        server.close()
        sessions = list(self._sessions)
        for task in sessions:
            task.cancel()
        await asyncio.gather(*sessions, return_exceptions=True)
        await server.wait_closed()
        log.info("FastAGI server stopped (%d sessions cancelled; since start: %s)", len(sessions),
                 ", ".join(f"{k} {v}" for k, v in self.counts.as_dict().items()))

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._stopping or self._app is None:
            await _close(writer)
            return
        if not self._admit(writer):
            writer.transport.abort()     # at once: nothing read, nothing flushed
            return
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        try:
            await self._app.handler(reader, writer)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # stop() cancelled this call: end quietly. (Python 3.11's stream server calls
            # task.exception() on a cancelled handler and logs "Exception in callback".)
            writer.close()
        finally:
            self._sessions.discard(task)

    def _admit(self, writer: asyncio.StreamWriter) -> bool:
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        now = asyncio.get_running_loop().time()
        if not self._allow.allows(host):
            self.counts.refused_stranger += 1
            refused = self._refusals.note(host, now)
            if refused is not None:
                log.warning("FastAGI connection from %s refused: not in fastagi.allow (%s); %d refused from "
                            "it since the last report", host, self._allow, refused)
            return False
        limit = self._settings.fastagi.max_connections
        if len(self._sessions) >= limit:
            self.counts.refused_over_cap += 1
            refused = self._refusals.note("(over the cap)", now)
            if refused is not None:
                log.warning("FastAGI connection from %s refused: %d sessions open (fastagi.max_connections); "
                            "%d refused over the cap since the last report", host, limit, refused)
            return False
        self.counts.accepted += 1
        return True

    async def _inbound(self, request: fast_agi.Request) -> None:
        channel = AgiChannel(request.reader, request.writer, request.headers, encoding=request.encoding,
                             timeout=self._command_timeout, media_timeout=self._media_timeout)
        await run_inbound(channel, self._settings, self._identify, self._post, self._clock,
                          verify_account=self._verify_account, remember_language=self._remember_language,
                          closed_now=self._closed_now, availability=self._availability,
                          request_callback=self._request_callback)

    async def _survey(self, request: fast_agi.Request) -> None:
        channel = AgiChannel(request.reader, request.writer, request.headers, encoding=request.encoding,
                             timeout=self._command_timeout, media_timeout=self._media_timeout)
        await run_survey(channel, self._settings, self._post)

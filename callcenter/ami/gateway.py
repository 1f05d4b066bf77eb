"""The AMI gateway: the one adapter that owns the AMI connection (panoramisk ``Manager``).

Theory of operation. Events arrive on panoramisk's protocol (our ``FastAMIProtocol``), are translated
by the pure ``translate`` table and put into the engine inbox with ``post`` (sync, never awaits):
ordering is the order on the wire. Actions go out through :meth:`send`, always with
``as_list=False`` (panoramisk 1.4 otherwise never completes ``QueueAdd``) and a timeout.

Link health: panoramisk only notices a closed socket, so a watchdog pings every ``ping_interval`` and
aborts the transport when no Pong comes within ``ping_timeout``; panoramisk then reconnects. After
every login the gateway posts ``AmiConnected`` and a ``QueueSnapshot`` from ``QueueStatus``: the
engine compares it with what agents asked for and re-tells Asterisk (events of the gap are lost).
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from panoramisk import Manager

from callcenter import domain
from callcenter.ami import actions, translate
from callcenter.ami.protocol import FastAMIProtocol
from callcenter.errors import AmiActionFailed, AmiUnavailable
from callcenter.settings import AmiSettings

log = logging.getLogger(__name__)

_DISABLED = 10**7   # seconds: turns off panoramisk's own pinger, which never checks replies


class _Manager(Manager):
    """panoramisk ``Manager`` that can be stopped for good (no reconnect after ``stop``) and can log
    in with Asterisk's MD5 challenge (panoramisk 1.4 only sends the secret in clear)."""

    stopping = False
    connect_task: asyncio.Task[Any] | None = None
    md5_credentials: tuple[str, str] | None = None

    def connect(self, run_forever: bool = False, on_startup: Any = None, on_shutdown: Any = None) -> Any:
        if self.stopping:
            return None
        self.connect_task = super().connect()
        return self.connect_task

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if self.stopping or f.cancelled():
            return
        super().connection_made(f)      # without "username" in config panoramisk sends no Login
        if self.md5_credentials is not None and self._connected:
            self.authenticated = False
            self.authenticated_future = asyncio.ensure_future(self._md5_login(*self.md5_credentials))
            self.authenticated_future.add_done_callback(self.login)

    async def _md5_login(self, username: str, secret: str) -> Any:
        challenge = await self.send_action({"Action": "Challenge", "AuthType": "MD5"}, as_list=False)
        key = hashlib.md5((challenge.get("Challenge", "") + secret).encode()).hexdigest()  # noqa: S324 (AMI's own scheme)
        return await self.send_action({"Action": "Login", "AuthType": "MD5", "Username": username, "Key": key,
                                       "Events": self.config["events"]}, as_list=False)

    def login(self, future: asyncio.Future[Any]) -> bool:
        ok = super().login(future)
        if not ok and not future.cancelled():
            response = future.result()
            log.error("AMI login as %r refused: %s", self.config.get("username") or (self.md5_credentials or ("?",))[0],
                      getattr(response, "message", "") or response)
        return ok

    def connection_lost(self, exc: Any) -> None:
        if self.stopping:
            return
        super().connection_lost(exc)


class AmiGateway:
    def __init__(self, settings: AmiSettings, post: Callable[[Any], None]) -> None:
        self.settings = settings
        self._post = post
        self._manager: _Manager | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.logins = 0

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        s = self.settings
        protocol = type("BoundFastAMIProtocol", (FastAMIProtocol,), {
            "sink": staticmethod(self._on_event), "wanted": translate.WANTED_EVENTS,
        })
        credentials = {"username": s.username, "secret": s.secret} if s.auth == "plain" else {}
        self._manager = _Manager(
            loop=loop, host=s.host, port=s.port, events=s.events, **credentials,
            ping_delay=_DISABLED, ping_interval=_DISABLED, reconnect_timeout=max(1, round(s.reconnect_seconds)),
            protocol_factory=protocol, on_login=self._on_login, on_disconnect=self._on_disconnect,
            log=logging.getLogger("callcenter.ami.panoramisk"),
        )
        if s.auth == "md5":
            self._manager.md5_credentials = (s.username, s.secret)
        self._manager.register_event("Shutdown", self._on_panoramisk_event)
        self._manager.connect()
        self._watchdog = asyncio.create_task(self._watch(), name="ami-watchdog")

    async def stop(self) -> None:
        manager = self._manager
        if manager is None:
            return
        manager.stopping = True
        tasks = [t for t in (self._watchdog, manager.connect_task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        manager.close()
        for action in list(getattr(manager.protocol, "responses", {}).values()):
            if not action.future.done():
                action.future.cancel()
        self._manager = None

    @property
    def connected(self) -> bool:
        m = self._manager
        return bool(m and m.authenticated and m.protocol is not None and not m.protocol.closed)

    # ------------------------------------------------------------------ events in
    def _on_event(self, headers: dict[str, str]) -> None:
        for event in translate.translate(headers):
            self._post(event)

    def _on_panoramisk_event(self, manager: Manager, message: Any) -> None:
        self._on_event({k.lower(): v for k, v in message.items() if isinstance(v, str)})

    def _on_login(self, manager: Manager) -> None:
        self.logins += 1
        log.info("AMI logged in to %s:%s", self.settings.host, self.settings.port)
        self._post(domain.AmiConnected())
        self._spawn(self._resync(), "ami-resync")

    def _on_disconnect(self, manager: Manager, exc: Any) -> None:
        log.warning("AMI link lost (%s); reconnecting every %ss", exc or "closed", self.settings.reconnect_seconds)
        self._post(domain.AmiDisconnected(reason=str(exc or "closed")))

    async def _resync(self) -> None:
        """Events of a gap are lost: ask Asterisk for its members and its live channels."""
        for headers, fold in ((actions.queue_status(), translate.queue_snapshot),
                              (actions.core_show_channels(), translate.channels_snapshot)):
            try:
                reply = await self.send(headers, as_list=True)
            except Exception as exc:
                log.warning("%s after login failed: %s", headers["Action"], exc)
                return
            self._post(fold([m for m in (reply if isinstance(reply, list) else [reply]) if "event" in m]))

    # ------------------------------------------------------------------ actions out
    async def send(self, headers: dict[str, str], *, as_list: bool = False) -> Any:
        """Send one action and wait for its response; raises our own errors, never hangs."""
        if not self.connected or self._manager is None:
            raise AmiUnavailable()
        future = self._manager.send_action(dict(headers), as_list=as_list)
        try:
            response = await asyncio.wait_for(future, self.settings.action_timeout)
        except asyncio.TimeoutError:
            raise AmiActionFailed(headers.get("Action", "?"), "no response from Asterisk in time") from None
        first = response[0] if isinstance(response, list) and response else response
        if not as_list and getattr(first, "response", "") not in ("Success", "Follows", "Goodbye"):
            raise AmiActionFailed(headers.get("Action", "?"), getattr(first, "message", "") or "failed")
        return response

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch(self) -> None:
        interval, timeout = self.settings.ping_interval, self.settings.ping_timeout
        while True:
            await asyncio.sleep(interval)
            m = self._manager
            if m is None or not self.connected:
                continue
            try:
                await asyncio.wait_for(m.send_action(actions.ping(), as_list=False), timeout)
            except asyncio.TimeoutError:
                log.error("AMI did not answer Ping within %ss: treating the link as dead", timeout)
                transport = getattr(m.protocol, "transport", None)
                if transport is not None:
                    transport.abort()   # -> connection_lost -> panoramisk reconnects
            except Exception:
                log.exception("AMI watchdog ping failed")

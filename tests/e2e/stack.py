"""A whole running system for end-to-end tests: PBX simulator <-> server <-> console clients, real sockets."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from callcenter import appkeys
from callcenter.app import Identify, create_app
from callcenter.settings import Settings, settings_from_mapping
from callcenter.simulator.config import SimulatorConfig, Timing
from callcenter.simulator.simulator import PbxSimulator
from crm_bridge.seed import seed_demo
from crm_bridge.store import Store

FAST = Timing(prompt_seconds=0.02, digit_seconds=0.01, answer_after=0.4, talk_seconds=0.3,
              member_timeout=2.0, retry=0.2, agi_idle_timeout=5.0)


@dataclass
class Stack:
    settings: Settings
    sim: PbxSimulator
    app: web.Application
    base_url: str
    runner: web.AppRunner | None = None
    sim_events: list[Any] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.app[appkeys.STORE]

    @contextlib.asynccontextmanager
    async def restarted_server(self) -> AsyncIterator[Stack]:
        """Stop this server (the PBX keeps running) and start a new one on the same database."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        self.sim_events.clear()
        app, runner, base_url = await _start_server(self.settings, None)
        self.sim.set_agi_target("127.0.0.1", app[appkeys.IVR].port)
        try:
            yield Stack(self.settings, self.sim, app, base_url, runner, self.sim_events)
        finally:
            await runner.cleanup()


async def _start_server(settings: Settings, identify: Identify | None,
                        clock: Callable[[], datetime] | None = None) -> tuple[web.Application, web.AppRunner, str]:
    app = create_app(settings, identify=identify, clock=clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return app, runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def _config(url: str, spool: Path, ami_port: int, wrapup: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**(extra or {}),
        "database": {"url": url, "spool_dir": str(spool)},
        "ami": {"port": ami_port, "username": "callcenter", "secret": "sim-secret", "ping_interval": 1,
                "reconnect_seconds": 1},
        "fastagi": {"port": 0}, "http": {"port": 0},
        "queues": {"vip": {"wrapup_seconds": wrapup}, "enterprise": {"wrapup_seconds": wrapup},
                   "standard": {"wrapup_seconds": wrapup}},
        # Every caller of these tests must be identified: a loaded machine (CI: the server, the simulator,
        # chromium and pytest on two cores) can take longer than the production 0.5 s for a lookup.
        "ivr": {**(extra or {}).get("ivr", {}), "menus": {"timeout_ms": 1000}, "lookup_timeout": 5.0},
    }


@contextlib.asynccontextmanager
async def running_stack(tmp_path: Path, *, identify: Identify | None = None, wrapup: int = 30,
                        timing: Timing = FAST, config: dict[str, Any] | None = None,
                        clock: Callable[[], datetime] | None = None,
                        database_url: str | None = None,
                        prepare: Callable[[Store], Awaitable[None]] | None = None) -> AsyncIterator[Stack]:
    """The whole system; *config* adds top-level sections (``hours``, ...) to the test settings;
    *database_url*: another empty database than a SQLite file in *tmp_path* (the spool stays there);
    *prepare* adds to the demo data before the server starts (more agents, ...)."""
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'cc.db'}"
    spool = tmp_path / "spool"
    seeding = Store(url)
    await seeding.open()
    await seed_demo(seeding)
    if prepare is not None:
        await prepare(seeding)
    await seeding.close()
    placeholder = settings_from_mapping(_config(url, spool, 0, wrapup, config))
    sim = PbxSimulator(SimulatorConfig.from_settings(placeholder, timing=timing, agi_port=None, seed=1))
    await sim.start("127.0.0.1", 0)
    settings = settings_from_mapping(_config(url, spool, sim.ami_port, wrapup, config))
    app, runner, base_url = await _start_server(settings, identify, clock)
    sim.set_agi_target("127.0.0.1", app[appkeys.IVR].port)
    stack = Stack(settings, sim, app, base_url, runner)
    sim.add_listener(stack.sim_events.append)
    try:
        yield stack
    finally:
        if stack.runner is not None:
            await stack.runner.cleanup()
        await sim.stop()


class Console:
    """An agent's or supervisor's browser, reduced to its HTTP session and websocket."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # cookies for 127.0.0.1
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._ids = 0

    async def login(self, login: str, password: str, view: str = "agent") -> dict[str, Any]:
        async with self.http.post(f"{self.base_url}/login", data={"login": login, "password": password},
                                  headers={"Origin": self.base_url}, allow_redirects=False) as resp:
            assert resp.status in (302, 303), f"login {login} failed: {resp.status}"
        self.ws = await self.http.ws_connect(f"{self.base_url}/ws?view={view}", headers={"Origin": self.base_url})
        self._reader = asyncio.create_task(self._read())
        return await self.next("hello")

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.frames.put_nowait(orjson.loads(msg.data))

    async def next(self, kind: str, timeout: float = 10.0, where: Callable[[dict[str, Any]], bool] | None = None,
                   ) -> dict[str, Any]:
        """The next frame of that kind (others are skipped); ``data`` of it, ``reply`` frames whole."""
        async def wait() -> dict[str, Any]:
            while True:
                frame = await self.frames.get()
                if frame["type"] == kind:
                    data = frame if kind == "reply" else frame["data"]
                    if where is None or where(data):
                        return data
        return await asyncio.wait_for(wait(), timeout)

    async def send(self, kind: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command and wait for its reply frame."""
        assert self.ws is not None
        self._ids += 1
        await self.ws.send_str(orjson.dumps({"type": kind, "id": self._ids, "data": data or {}}).decode())
        return await self.next("reply", where=lambda r, i=self._ids: r.get("re") == i)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.http.close()


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0, what: str = "condition") -> Any:
    """Re-check an async condition until it holds (a deadline, not a sleep used as synchronisation)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout}s")
        await asyncio.sleep(0.02)

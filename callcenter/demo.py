"""``callcenter demo``: the real server against the embedded PBX simulator, with simulated callers.

Everything talks over real sockets on 127.0.0.1: the simulator's AMI server (ephemeral port), our
FastAGI server (ephemeral port, told to the simulator's dialplan) and the console on the configured
HTTP port. The CRM is an SQLite file seeded on first run. Some demo agents are put on the phones by
the demo itself ("robot" agents whose simulated phones answer) so the floor is alive; log in as another
agent to take calls yourself.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from pathlib import Path

import phonenumbers
from aiohttp import web
from phonenumbers import PhoneNumberFormat

from callcenter import appkeys, domain
from callcenter.app import create_app
from callcenter.settings import Settings
from callcenter.simulator.config import SimulatorConfig, Timing
from callcenter.simulator.simulator import PbxSimulator
from callcenter.simulator.traffic import run_simulator
from callcenter.simulator.traffic import TrafficGenerator
from crm_bridge.seed import seed_demo
from crm_bridge.store import Store

log = logging.getLogger(__name__)

ROBOT_AGENTS = ("1003", "1004", "1005", "1006")     # 1001, 1002 (vip + standard) are left for you
DEMO_TIMING = Timing(prompt_seconds=1.5, digit_seconds=0.5, answer_after=4.0, talk_seconds=30.0)
UNKNOWN_CALLERS = [("13999990001", ""), ("02188886666", "")]


def _national(e164: str) -> str:
    """Caller ID as a Chinese carrier usually delivers it: 13800000001, 01066000018 (the IVR normalises
    it back to E.164)."""
    number = phonenumbers.parse(e164)
    return "".join(ch for ch in phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL) if ch.isdigit())


def _demo_settings(settings: Settings, db_path: Path, ami_port: int, secret: str, http_port: int | None) -> Settings:
    return settings.model_copy(update={
        "database": settings.database.model_copy(update={"url": f"sqlite+aiosqlite:///{db_path.resolve()}"}),
        "ami": settings.ami.model_copy(update={"host": "127.0.0.1", "port": ami_port, "secret": secret}),
        "fastagi": settings.fastagi.model_copy(update={"host": "127.0.0.1", "port": 0}),
        "http": settings.http.model_copy(update={"port": settings.http.port if http_port is None else http_port}),
    })


async def run_demo(settings: Settings, *, db_path: Path, http_port: int | None, calls_per_minute: float) -> None:
    url = f"sqlite+aiosqlite:///{db_path.resolve()}"
    store = Store(url, default_region=settings.ivr.default_region)
    await store.open()
    try:
        summary = await seed_demo(store)
        callers = [(_national(n), name) for n, name in await store.callers(300)] + UNKNOWN_CALLERS
    finally:
        await store.close()

    secret = settings.ami.secret or secrets.token_urlsafe(12)
    sim = PbxSimulator(SimulatorConfig.from_settings(settings, timing=DEMO_TIMING, secret=secret, agi_port=None))
    await sim.start("127.0.0.1", 0)
    demo_settings = _demo_settings(settings, db_path, sim.ami_port, secret, http_port)
    app = create_app(demo_settings)
    runner = web.AppRunner(app, access_log=None)
    traffic: TrafficGenerator | None = None
    try:
        await runner.setup()
        site = web.TCPSite(runner, demo_settings.http.host, demo_settings.http.port)
        await site.start()
        sim.set_agi_target("127.0.0.1", app[appkeys.IVR].port)
        agents = {a.login: a.id for a in await app[appkeys.STORE].list_agents()}
        for login in ROBOT_AGENTS:
            if login in agents:
                app[appkeys.ENGINE].post(domain.AgentGoAvailable(agents[login]))
        traffic = TrafficGenerator(sim, callers, calls_per_minute / 60.0, patience=(25.0, 120.0), talk=(15.0, 60.0))
        traffic.start()
        host, port = runner.addresses[0][:2]
        print("\n".join([
            "",
            f"callcenter demo is running: open http://{host}:{port}/",
            f"  CRM database {db_path}  |  PBX simulator AMI on 127.0.0.1:{sim.ami_port}  |  "
            f"FastAGI on 127.0.0.1:{app[appkeys.IVR].port}  |  ~{calls_per_minute:g} calls/min",
            *summary.lines(),
            f"  agents {', '.join(ROBOT_AGENTS)} are answering on their own; log in as 1001 (demo1001), press",
            "  Available and take calls; log in as 9001 (demo9001) to watch the floor. Ctrl-C stops.",
            "",
        ]), flush=True)
        await asyncio.Event().wait()
    finally:
        if traffic is not None:
            await traffic.stop()
        with contextlib.suppress(Exception):
            await runner.cleanup()
        await sim.stop()


async def run_simulator_only(settings: Settings, *, ami_port: int, agi: str) -> None:
    host, _, port = agi.rpartition(":")
    config = SimulatorConfig.from_settings(settings, agi_host=host or "127.0.0.1", agi_port=int(port))

    def ready(sim: PbxSimulator) -> None:
        print(f"PBX simulator: AMI on 127.0.0.1:{sim.ami_port} (user {config.username!r}), "
              f"dialplan runs AGI(agi://{host}:{port}/{config.agi_script}). Ctrl-C stops.", flush=True)

    await run_simulator(config, "127.0.0.1", ami_port, ready=ready)

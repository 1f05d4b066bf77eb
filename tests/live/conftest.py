"""Fixtures of the live tier: every scenario runs twice, on the simulator and on a real Asterisk 22.10.1.

``CC_LIVE_REQUIRED=1`` (CI) turns a missing Asterisk build into a failure instead of a skip.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from callcenter import appkeys
from callcenter.settings import Settings, settings_from_mapping
from callcenter.simulator.config import SimulatorConfig, Timing
from callcenter.simulator.simulator import PbxSimulator
from crm_bridge.seed import seed_demo
from crm_bridge.store import Store
from tests.e2e.stack import _start_server

from . import asterisk as ast
from .overlay import config_files, write_media
from .pbx import AsteriskPbx, Pbx, SimulatorPbx, observer
from .relay import TcpRelay

SECRET = "live-secret"
USERNAME = "callcenter"
# Both backends behave alike in time: prompts are short on the simulator, real sound files on Asterisk.
SIM_TIMING = Timing(prompt_seconds=0.3, digit_seconds=0.05, answer_after=0.5, talk_seconds=3600,
                    agi_idle_timeout=10.0)


def scenario_config(db: Path | None, ami_port: int, agi_port: int) -> dict[str, Any]:
    """The settings every scenario runs with (the same file renders the Asterisk config)."""
    queues = {q: {"wrapup_seconds": 2, "member_timeout": 4} for q in ("vip", "enterprise", "standard")}
    return {
        "database": {"url": f"sqlite+aiosqlite:///{db}" if db else "sqlite+aiosqlite:///unused.db"},
        "ami": {"port": ami_port, "username": USERNAME, "secret": SECRET, "ping_interval": 1, "ping_timeout": 2,
                "reconnect_seconds": 1},
        "fastagi": {"host": "127.0.0.1", "port": agi_port},
        "http": {"port": 0},
        "queues": queues,
        "routing": {"ladders": {
            "vip": [{"agent": "account_manager", "seconds": 6}, {"agent": "deputy", "seconds": 6},
                    {"queue": "vip", "priority": 10, "overflow_after": 6}, {"queue": "standard", "priority": 10}],
            "group": [{"agent": "account_manager", "seconds": 6}, {"queue": "enterprise", "priority": 5}],
            "family": [{"queue": "standard", "priority": 2}],
            "individual": [{"queue": "standard", "priority": 0}],
            "unknown": [{"queue": "standard", "priority": 0}]},
            "deputies": {"1001": "1003"}, "transfer_ring_seconds": 5},
        "callbacks": {"abandoned_after": 0, "ring_seconds": 10},
        # A loaded CI machine (Asterisk, the server and pytest on two cores) can take longer than the
        # production 0.5 s for a lookup; a scenario's caller must be known, so the limit is generous here.
        "ivr": {"menus": {"timeout_ms": 3000}, "lookup_timeout": 5.0},
    }


@dataclass
class AsteriskSession:
    process: ast.AsteriskProcess
    agi_port: int


@pytest.fixture(scope="session")
def asterisk_session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    install = ast.prefix()
    if install is None:
        message = "no Asterisk build: run ../shared/asterisk-src/build.sh (CI does)"
        if os.environ.get("CC_LIVE_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("asterisk")
    ami_port, agi_port, sip_port = ast.free_port(), ast.free_port(), ast.free_port()
    raw = scenario_config(None, ami_port, agi_port)
    settings = settings_from_mapping(raw)
    config_path = folder / "config.yaml"
    config_path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    process = ast.AsteriskProcess(install, folder, ami_port, USERNAME, SECRET)
    process.write(config_files(settings, SECRET, sip_port))
    write_media(folder, config_path)
    process.start()
    yield AsteriskSession(process, agi_port)
    process.stop()


@pytest.fixture(params=["sim", "asterisk"])
async def pbx(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Pbx]:
    if request.param == "sim":
        settings = settings_from_mapping(scenario_config(None, 0, 0))
        sim = PbxSimulator(SimulatorConfig.from_settings(settings, timing=SIM_TIMING, agi_port=None, seed=1))
        await sim.start("127.0.0.1", 0)
        relay = TcpRelay(sim.ami_port)
        await relay.start()
        driver: Pbx = SimulatorPbx(sim, await observer(sim.ami_port, USERNAME, SECRET), relay)
        try:
            yield driver
        finally:
            await driver.observer.close()
            await relay.stop()
            await sim.stop()
        return
    session: AsteriskSession = request.getfixturevalue("asterisk_session")
    relay = TcpRelay(session.process.ami_port)
    await relay.start()
    live = AsteriskPbx(session.process, await observer(session.process.ami_port, USERNAME, SECRET), relay)
    live.start_keys()
    await live.reset()
    try:
        yield live
    finally:
        with contextlib.suppress(Exception):
            await live.reset()
        await live.close()
        await relay.stop()


@dataclass
class Live:
    """The server under test, running against one of the PBXs."""

    pbx: Pbx
    settings: Settings
    app: web.Application
    base_url: str

    @property
    def store(self) -> Store:
        return self.app[appkeys.STORE]


@pytest.fixture
def server_overrides() -> dict[str, Any]:
    """Top-level sections of the server's settings a scenario module replaces (by overriding this
    fixture): only the server's own settings, the Asterisk config stays the session's."""
    return {}


@pytest.fixture
async def live(pbx: Pbx, tmp_path: Path, request: pytest.FixtureRequest,
               server_overrides: dict[str, Any]) -> AsyncIterator[Live]:
    db = tmp_path / "cc.db"
    seeding = Store(f"sqlite+aiosqlite:///{db}")
    await seeding.open()
    await seed_demo(seeding)
    await seeding.close()
    if isinstance(pbx, AsteriskPbx):
        agi_port = request.getfixturevalue("asterisk_session").agi_port
    else:
        agi_port = 0
    settings = settings_from_mapping({**scenario_config(db, pbx.ami_port, agi_port), **server_overrides})
    app, runner, base_url = await _start_server(settings, None)
    if isinstance(pbx, SimulatorPbx):
        pbx.sim.set_agi_target("127.0.0.1", app[appkeys.IVR].port)
    try:
        yield Live(pbx, settings, app, base_url)
    finally:
        await runner.cleanup()


# A real Asterisk's own timing races (which leg's Hangup comes first as a bridge comes apart, a Local
# half torn down early) made a scenario on the real PBX fail about once per full CI run, a different
# one each time, while the same scenario passed on rerun and on the simulator. Each such failure found
# so far was a real race the server now handles (issue 9 note, issue 10 note); until the tier runs
# clean for long, a scenario on the real Asterisk gets ONE rerun. pytest prints every rerun ("R" and
# the first failure's traceback in the summary), so a race is never hidden, only kept from turning a
# whole CI run red. The simulator's scenarios are deterministic and get no rerun.
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("rerunfailures"):
        return
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("pbx") == "asterisk":
            item.add_marker(pytest.mark.flaky(reruns=1))

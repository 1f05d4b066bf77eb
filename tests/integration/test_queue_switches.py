"""The "closed now" queue switch over real sockets and a real database.

The store keeps the switch (SQLite and PostgreSQL); a supervisor flips it over the console websocket,
every supervisor sees the flip live, it is in the database when the supervisor is told, and a fresh
switches service (a restarted server) loads it. Agents may not flip it; a wrong queue is a clear error.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from callcenter.settings import Settings
from callcenter.switches import QueueSwitches
from console.hub import Hub
from console.web import setup_console
from crm_bridge.seed import seed_demo
from crm_bridge.store import Store

pytest_plugins = ["tests.integration.pg"]

TIMEOUT = 5.0
T1 = datetime(2024, 5, 3, 8, 0, tzinfo=UTC)
T2 = datetime(2024, 5, 3, 9, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- the store
@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    yield store
    await store.close()


async def test_the_store_keeps_the_last_flip_per_queue_and_returns_the_one_it_replaced(store: Store) -> None:
    assert await store.queue_switches() == []
    before = await store.set_queue_switch("vip", closed=True, reason="台风 typhoon", changed_by="9001", changed_at=T1)
    assert before is None
    before = await store.set_queue_switch("vip", closed=False, reason="", changed_by="9002", changed_at=T2)
    assert before == {"queue": "vip", "closed": True, "reason": "台风 typhoon", "changed_by": "9001",
                      "changed_at": T1}
    await store.set_queue_switch("standard", closed=True, reason="", changed_by="9001", changed_at=T2)
    assert await store.queue_switches() == [
        {"queue": "standard", "closed": True, "reason": "", "changed_by": "9001", "changed_at": T2},
        {"queue": "vip", "closed": False, "reason": "", "changed_by": "9002", "changed_at": T2},
    ]


async def test_a_new_service_on_the_same_database_loads_the_switches(store: Store) -> None:
    first = QueueSwitches(Settings(), store)
    await first.load()
    await first.set("enterprise", True, by="9001", reason="network outage")
    again = QueueSwitches(Settings(), store)
    await again.load()
    assert again.closed() == {"enterprise"}
    entry = next(e for e in again.view() if e["queue"] == "enterprise")
    assert (entry["closed"], entry["by"], entry["reason"]) == (True, "9001", "network outage")


# --------------------------------------------------------------------------- the console websocket
class Engine:
    """Just enough engine for the console: the switches do not go through it."""

    def __init__(self) -> None:
        self.posted: list[Any] = []

    def post(self, event: Any) -> None:
        self.posted.append(event)

    def agent_snapshot(self, agent_id: int) -> dict[str, Any]:
        return {"agent": None, "call": None}

    def wallboard(self) -> dict[str, Any]:
        return {"queues": [], "agents": [], "at": "2024-05-03T08:00:00+00:00"}

    def wallboard_series(self) -> dict[str, Any]:
        return {"day": "2024-05-03", "step": 60.0, "queues": {}}

    def wrapup_call(self, agent_id: int, call_id: str) -> dict[str, Any] | None:
        return None

    def pending_wrapups(self, agent_id: int) -> dict[str, Any]:
        return {"items": [], "live": None}


class Page:
    """One browser page's websocket; frames of other kinds than the one awaited are kept for later."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.backlog: list[dict[str, Any]] = []

    async def receive(self, kind: str | None = None) -> dict[str, Any]:
        for i, frame in enumerate(self.backlog):
            if kind is None or frame["type"] == kind:
                return self.backlog.pop(i)
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), TIMEOUT)
            assert msg.type is WSMsgType.TEXT, msg
            frame = orjson.loads(msg.data)
            if kind is None or frame["type"] == kind:
                return frame
            self.backlog.append(frame)

    async def command(self, kind: str, data: Any, msg_id: Any = "s1") -> dict[str, Any]:
        await self.ws.send_str(orjson.dumps({"type": kind, "id": msg_id, "data": data}).decode())
        frame = await self.receive("reply")
        assert frame["re"] == msg_id, frame
        return frame


@dataclass
class Floor:
    app: web.Application
    store: Store
    switches: QueueSwitches
    aiohttp_client: Any
    server: Any = None

    async def browser(self, login: str, password: str, view: str = "supervisor") -> tuple[Page, dict[str, Any]]:
        """A logged-in browser's page on *view* and its hello."""
        client: TestClient[Any, Any] = await self.aiohttp_client(self.server or self.app)
        self.server = client.server
        origin = f"http://{client.server.host}:{client.server.port}"
        response = await client.post("/login", data={"login": login, "password": password},
                                     headers={"Origin": origin}, allow_redirects=False)
        assert response.status in (302, 303), await response.text()
        page = Page(await client.ws_connect(f"/ws?view={view}", headers={"Origin": origin}))
        hello = await page.receive()
        assert hello["type"] == "hello", hello
        return page, hello["data"]


@pytest.fixture
async def floor(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Floor]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'cc.db'}")
    await store.open()
    await seed_demo(store, customers=23)
    settings = Settings()
    hub = Hub(wallboard_interval=0.01)
    switches = QueueSwitches(settings, store, hub.broadcast_supervisors)
    await switches.load()
    app = web.Application()
    setup_console(app, settings=settings, store=store, engine=Engine(), hub=hub, switches=switches)
    yield Floor(app, store, switches, aiohttp_client)
    await store.close()


async def test_a_supervisor_closes_a_queue_everyone_sees_it_and_it_is_saved(floor: Floor) -> None:
    desk, hello = await floor.browser("9001", "demo9001")
    assert [(e["queue"], e["closed"]) for e in hello["switches"]] == [
        ("vip", False), ("enterprise", False), ("standard", False)]
    other, _ = await floor.browser("9001", "demo9001")          # a second wallboard

    reply = await desk.command("queue_switch", {"queue": "vip", "closed": True, "reason": "fire drill <b>"})
    assert reply["ok"] is True, reply
    switch = reply["data"]["switch"]
    assert (switch["queue"], switch["closed"], switch["by"], switch["reason"]) == ("vip", True, "9001", "fire drill <b>")
    # Acknowledged means committed: the row is there, and a restarted server's service loads it.
    rows = await floor.store.queue_switches()
    assert [(r["queue"], r["closed"], r["changed_by"]) for r in rows] == [("vip", True, "9001")]
    reloaded = QueueSwitches(Settings(), floor.store)
    await reloaded.load()
    assert reloaded.closed() == {"vip"}
    assert floor.switches.closed() == {"vip"}

    for page in (desk, other):
        frame = await page.receive("switches")
        assert frame["data"]["switches"][0] == switch

    _, later = await floor.browser("9001", "demo9001")          # a page opened afterwards
    assert later["switches"][0] == switch

    reply = await desk.command("queue_switch", {"queue": "vip", "closed": False}, msg_id="s2")
    assert reply["ok"] is True and reply["data"]["switch"]["closed"] is False
    assert floor.switches.closed() == frozenset()
    frame = await other.receive("switches")
    assert frame["data"]["switches"][0]["closed"] is False
    assert [r["closed"] for r in await floor.store.queue_switches()] == [False]


async def test_an_unknown_queue_is_a_clear_error_and_the_socket_keeps_working(floor: Floor) -> None:
    page, _ = await floor.browser("9001", "demo9001")
    reply = await page.command("queue_switch", {"queue": "nope", "closed": True})
    assert reply["ok"] is False
    assert reply["error"]["id"] == "no-such-queue"
    assert "'nope'" in reply["error"]["message"] and "vip" in reply["error"]["message"]
    reply = await page.command("queue_switch", {"queue": "vip", "closed": "yes"}, msg_id="s2")
    assert reply["ok"] is False and reply["error"]["id"] == "invalid-input"
    assert reply["error"]["details"]["fields"] == {"closed": "invalid"}
    assert await floor.store.queue_switches() == []
    reply = await page.command("ping", {}, msg_id="s3")
    assert reply["ok"] is True


async def test_an_agent_cannot_flip_a_queue(floor: Floor) -> None:
    page, hello = await floor.browser("1001", "demo1001", view="agent")
    assert "switches" not in hello
    reply = await page.command("queue_switch", {"queue": "vip", "closed": True})
    assert reply["ok"] is False and reply["error"]["id"] == "forbidden"
    assert await floor.store.queue_switches() == [] and floor.switches.closed() == frozenset()


async def test_a_supervisor_on_the_agent_desk_view_cannot_flip_either(floor: Floor) -> None:
    page, _ = await floor.browser("9001", "demo9001", view="agent")
    reply = await page.command("queue_switch", {"queue": "vip", "closed": True})
    assert reply["ok"] is False and reply["error"]["id"] == "forbidden"

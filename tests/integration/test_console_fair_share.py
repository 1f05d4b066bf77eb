"""Every console connection's fair share, over real sockets: commands over the rate limit are refused
(``rate-limited``) and a flooding socket is closed with 4430 while others work on; store work beyond its
bound is ``busy`` at once; a shutdown during a flood ends quickly."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web

from callcenter.settings import ConsoleSettings, FairShareSettings, Settings
from console import protocol
from console.hub import Hub
from console.web import setup_console
from tests.integration.test_console_web import Console, FakeEngine, FakeStore, agent, command, receive

LIMITS = FairShareSettings(socket_rate=5, socket_burst=5, user_rate=8, user_burst=8, flood_close_after=50,
                           presence_rate=1, presence_burst=3,
                           store_concurrency=1, store_queue_per_user=2, store_queue_total=3)


class GatedStore(FakeStore):
    """``pending_wrapups`` (the ``wrapups`` command) waits for ``gate`` once the socket is open."""

    async def pending_wrapups(self, agent_id: int, *, also: Any = ()) -> tuple[list[dict[str, Any]], set[str]]:
        if self.gate is not None and self.gate_armed:
            await self.gate.wait()
        return [], set()

    gate_armed = False


@pytest.fixture
async def console(aiohttp_client: Any) -> Console:
    engine = FakeEngine()
    store = GatedStore({"alice": agent(1, "alice"), "bob": agent(2, "bob"), "carol": agent(3, "carol")})
    hub = Hub(wallboard_interval=0.01, close_timeout=2.0)
    app = web.Application()
    setup_console(app, settings=Settings(console=ConsoleSettings(limits=LIMITS)), store=store, engine=engine, hub=hub)
    app.cleanup_ctx.append(hub.lifetime(engine.wallboard))
    client = await aiohttp_client(app)
    return Console(client, engine, store, hub, app)


async def desk(console: Console, aiohttp_client: Any, login: str) -> Any:
    client = await console.other_client(aiohttp_client)
    await console.login(login, client=client)
    ws = await console.ws(client=client)
    assert (await receive(ws))["type"] == "hello"
    return ws


def raw(kind: str, msg_id: Any) -> str:
    return orjson.dumps({"type": kind, "id": msg_id, "data": {}}).decode()


async def test_a_command_over_the_socket_rate_gets_a_rate_limited_reply_with_its_id(console: Console,
                                                                                   aiohttp_client: Any) -> None:
    ws = await desk(console, aiohttp_client, "alice")
    for i in range(5):
        await ws.send_str(raw("ping", i))
    await ws.send_str(raw("ping", "over"))
    replies = [await receive(ws) for _ in range(6)]
    assert [r["ok"] for r in replies[:5]] == [True] * 5
    assert replies[5]["re"] == "over" and replies[5]["error"]["id"] == "rate-limited"


async def test_a_pause_available_storm_is_held_to_the_presence_rate(console: Console, aiohttp_client: Any) -> None:
    ws = await desk(console, aiohttp_client, "alice")
    answers = [(await command(ws, kind, {"reason": "lunch"} if kind == "pause" else None, msg_id=i))
               for i, kind in enumerate(["available", "pause"] * 2)]
    assert [a["ok"] for a in answers] == [True] * 3 + [False]       # presence_burst 3
    assert answers[3]["error"]["id"] == "rate-limited"
    assert (await command(ws, "ping"))["ok"] is True               # other commands are not held


async def test_the_user_limit_spans_their_tabs_but_not_other_users(console: Console, aiohttp_client: Any) -> None:
    tab1, tab2 = await desk(console, aiohttp_client, "alice"), await desk(console, aiohttp_client, "alice")
    bob = await desk(console, aiohttp_client, "bob")
    answers = [(await command(tab, "ping", msg_id=i))["ok"] for i, tab in enumerate([tab1, tab2] * 5)]
    assert answers == [True] * 8 + [False] * 2          # user_burst 8 over both tabs
    assert (await command(bob, "ping"))["ok"] is True


async def test_a_flooding_socket_is_closed_4430_and_another_agent_works_on(console: Console,
                                                                          aiohttp_client: Any) -> None:
    flooder_client = await console.other_client(aiohttp_client)
    await console.login("alice", client=flooder_client)
    flooder = await console.ws(client=flooder_client)
    assert (await receive(flooder))["type"] == "hello"
    bob = await desk(console, aiohttp_client, "bob")
    refused, close = 0, None
    for i in range(2000):
        try:
            await flooder.send_str(raw("available", i))
        except ConnectionResetError:
            break
    while close is None:
        msg = await asyncio.wait_for(flooder.receive(), 5)
        if msg.type is WSMsgType.TEXT:
            frame = orjson.loads(msg.data)
            refused += frame.get("ok") is False and frame["error"]["id"] == "rate-limited"
        else:
            close = msg
    assert close.type is WSMsgType.CLOSE and close.data == protocol.CLOSE_FLOODING
    assert refused >= 40
    assert (await command(bob, "available"))["ok"] is True
    # The flood reached the engine only as far as the limit let it (5 a second, 5 saved up).
    assert sum(type(e).__name__ == "AgentGoAvailable" and e.agent_id == 1 for e in console.engine.posted) <= 10
    # Reconnecting at once is refused the same way, before any work (the penalty), bob's desk is not.
    again = await console.ws(client=flooder_client)
    msg = await asyncio.wait_for(again.receive(), 5)
    assert msg.type is WSMsgType.CLOSE and msg.data == protocol.CLOSE_FLOODING
    assert (await command(bob, "ping"))["ok"] is True


async def test_store_work_beyond_the_users_bound_is_busy_at_once(console: Console, aiohttp_client: Any) -> None:
    alice = await desk(console, aiohttp_client, "alice")
    bob = await desk(console, aiohttp_client, "bob")
    carol = await desk(console, aiohttp_client, "carol")
    console.store.gate, console.store.gate_armed = asyncio.Event(), True
    for i in range(2):
        await alice.send_str(raw("wrapups", f"w{i}"))
    busy = await command(alice, "wrapups", msg_id="third")
    assert busy["re"] == "third" and busy["error"]["id"] == "busy" and busy["error"]["details"] == {"scope": "user"}
    await bob.send_str(raw("wrapups", "b"))            # bob still gets in (3 in all: the server's bound)
    full = await command(carol, "wrapups", msg_id="c")
    assert full["error"]["id"] == "busy" and full["error"]["details"] == {"scope": "server"}
    console.store.gate.set()
    assert {(await receive(alice))["re"] for _ in range(2)} == {"w0", "w1"}
    assert (await receive(bob))["ok"] is True
    assert (await command(carol, "wrapups", msg_id="again"))["ok"] is True


async def test_shutdown_during_a_flood_ends_within_seconds(console: Console, aiohttp_client: Any) -> None:
    flooder = await desk(console, aiohttp_client, "alice")
    stop = asyncio.Event()

    async def flood() -> None:
        i = 0
        while not stop.is_set() and not flooder.closed:
            i += 1
            try:
                await flooder.send_str(raw("ping", i))
            except ConnectionResetError:
                return
            if i % 20 == 0:
                await asyncio.sleep(0)

    flooding = asyncio.create_task(flood())
    await asyncio.sleep(0.05)
    began = time.monotonic()
    await asyncio.wait_for(console.hub.close_all(), 5)
    took = time.monotonic() - began
    stop.set()
    await flooding
    assert took < 3.0, took
    assert console.hub.agents_online() == frozenset()

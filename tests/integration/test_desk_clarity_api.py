"""The desk's directory, the customer chosen for a call and click-to-dial from the customer pages,
over real sockets (issue 10): what a good request gets, and a clear error reply for a bad one (the
socket stays open)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from callcenter.domain import CustomerChosen, DialNumber
from callcenter.errors import NotFound, ValidationFailed
from callcenter.settings import Settings
from console.hub import Hub
from console.web import setup_console
from tests.integration.test_console_web import Console, FakeEngine, FakeStore, agent, card, command, pop, receive

BOARD = {
    "at": "2024-05-03T08:00:00+00:00",
    "agents": [
        {"agent_id": 1, "login": "alice", "name": "Alice", "state": "on_call", "reason": "", "queues": ["vip"]},
        {"agent_id": 2, "login": "bob", "name": "鲍勃", "state": "paused", "reason": "lunch", "queues": ["vip"]},
        {"agent_id": 5, "login": "1005", "name": "刘洋", "state": "available", "reason": "", "queues": ["standard"]},
    ],
    "queues": [{"name": "vip", "label": "VIP line", "waiting_count": 2, "available": 0},
               {"name": "standard", "label": "standard", "waiting_count": 0, "available": 1}],
}


@dataclass
class ChoiceStore(FakeStore):
    assigned: list[dict[str, Any]] = field(default_factory=list)
    created: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    scopes: list[Any] = field(default_factory=list)

    async def customer_visible(self, customer_id: int, scope: Any) -> bool | None:
        """12 shares the caller's number; 13 is someone else's customer; 404 does not exist."""
        self.scopes.append(scope)
        return None if customer_id == 404 else customer_id != 13

    async def set_call_customer(self, **kw: Any) -> dict[str, Any]:
        if kw["customer_id"] == 404:
            raise NotFound("customer", 404)
        self.assigned.append(kw)
        return {**card("Chosen"), "customer_id": kw["customer_id"]}

    async def add_customer(self, name: str, **kw: Any) -> int:
        if not kw.get("phones"):
            raise ValidationFailed("no phone", {"phones": "missing"})
        self.created.append((name, kw))
        return 99


@pytest.fixture
async def console(aiohttp_client: Any) -> Console:
    engine = FakeEngine()
    engine.board = BOARD
    store = ChoiceStore({"alice": agent(1, "alice"), "bob": agent(2, "bob")})
    hub = Hub(wallboard_interval=0.01)
    app = web.Application()
    setup_console(app, settings=Settings(), store=store, engine=engine, hub=hub)
    app.cleanup_ctx.append(hub.lifetime(engine.wallboard))
    return Console(await aiohttp_client(app), engine, store, hub, app)


async def desk(console: Console) -> Any:
    await console.login("alice")
    ws = await console.ws()
    assert (await receive(ws))["type"] == "hello"
    return ws


def on_desk(console: Console, call: dict[str, Any] | None, pending: list[dict[str, Any]] = ()) -> None:
    console.engine.snapshots[1] = {"agent": {"agent_id": 1, "state": "on_call"}, "call": call, "pending": list(pending)}


# --------------------------------------------------------------------------- directory
async def test_the_directory_lists_the_other_agents_free_first_and_the_queues(console: Console) -> None:
    ws = await desk(console)
    reply = await command(ws, "directory")
    assert reply["ok"], reply
    agents = reply["data"]["agents"]
    assert [(a["login"], a["state"], a["reason"]) for a in agents] == [("1005", "available", ""), ("bob", "paused", "lunch")]
    assert reply["data"]["queues"] == [{"name": "vip", "label": "VIP line", "waiting": 2, "available": 0},
                                       {"name": "standard", "label": "standard", "waiting": 0, "available": 1}]
    found = await command(ws, "directory", {"q": "VIP"}, msg_id="2")
    assert found["data"]["agents"] == [] and [q["name"] for q in found["data"]["queues"]] == ["vip"]
    found = await command(ws, "directory", {"q": "鲍"}, msg_id="3")
    assert [a["login"] for a in found["data"]["agents"]] == ["bob"]


@pytest.mark.parametrize("data,field_name", [({"q": 5}, "q"), ({"q": "x" * 65}, "q")])
async def test_a_bad_directory_query_gets_a_clear_error(console: Console, data: dict[str, Any], field_name: str) -> None:
    ws = await desk(console)
    reply = await command(ws, "directory", data)
    assert not reply["ok"] and reply["error"]["id"] == "invalid-input"
    assert field_name in reply["error"]["details"]["fields"]
    assert (await command(ws, "ping", msg_id="2"))["ok"]          # the socket stays open


async def test_the_directory_says_so_when_the_engine_cannot_answer(console: Console) -> None:
    ws = await desk(console)

    def broken() -> dict[str, Any]:
        raise RuntimeError("model busy")

    console.engine.wallboard = broken          # type: ignore[method-assign]
    reply = await command(ws, "directory")
    assert not reply["ok"] and reply["error"]["id"] == "not-available"


# --------------------------------------------------------------------------- the customer of a call
async def test_picking_a_customer_stores_it_with_the_call_then_tells_the_engine(console: Console) -> None:
    ws = await desk(console)
    on_desk(console, {**pop("c-1"), "state": "connected"})
    reply = await command(ws, "call_customer", {"call_id": "c-1", "customer_id": 12})
    assert reply["ok"], reply
    assert reply["data"]["call_id"] == "c-1" and reply["data"]["card"]["customer_id"] == 12
    assert console.store.assigned == [{"interaction_id": "i-c-1", "call_id": "c-1", "customer_id": 12,
                                       "actor_login": "alice", "actor_agent_id": 1}]
    [chosen] = [e for e in console.engine.posted if isinstance(e, CustomerChosen)]
    assert chosen.agent_id == 1 and chosen.call_id == "c-1" and chosen.card["customer_id"] == 12


async def test_a_call_waiting_for_its_wrap_up_can_get_its_customer_too(console: Console) -> None:
    ws = await desk(console)
    on_desk(console, None, pending=[{**pop("c-0"), "state": "wrapup"}])
    reply = await command(ws, "call_customer", {"call_id": "c-0", "customer_id": 12})
    assert reply["ok"] and console.store.assigned[0]["interaction_id"] == "i-c-0"


@pytest.mark.parametrize("data,error_id", [
    ({"call_id": "c-1"}, "invalid-input"),                           # no customer
    ({"call_id": "c-1", "customer_id": "12"}, "invalid-input"),      # not a number
    ({"customer_id": 12}, "invalid-input"),                          # no call
    ({"call_id": "c-9", "customer_id": 12}, "no-such-call"),         # not on this desk
    ({"call_id": "c-1", "customer_id": 404}, "customer-not-yours"),  # no such customer: not told apart
    ({"call_id": "c-1", "customer_id": 13}, "customer-not-yours"),   # not the caller's, not the agent's
])
async def test_a_bad_customer_choice_gets_a_clear_error(console: Console, data: dict[str, Any], error_id: str) -> None:
    ws = await desk(console)
    on_desk(console, {**pop("c-1"), "state": "connected"})
    reply = await command(ws, "call_customer", data)
    assert not reply["ok"] and reply["error"]["id"] == error_id, reply
    assert not [e for e in console.engine.posted if isinstance(e, CustomerChosen)]
    assert (await command(ws, "ping", msg_id="2"))["ok"]


async def test_a_customer_created_from_the_pop_gets_the_callers_number_and_the_call(console: Console) -> None:
    ws = await desk(console)
    on_desk(console, {**pop("c-1"), "card": None, "state": "ringing"})
    reply = await command(ws, "customer_create", {"call_id": "c-1", "name": " 赵磊 ", "customer_type": "family",
                                                  "number": "13999999999"})
    assert reply["ok"], reply
    [(name, kw)] = console.store.created
    assert name == "赵磊" and kw["customer_type"] == "family" and kw["phones"] == ["+8613999999999"]
    assert kw["language"] == "zh"                                     # the caller's IVR language
    assert console.store.assigned[0]["customer_id"] == 99


@pytest.mark.parametrize("data,field_name", [
    ({"call_id": "c-1", "customer_type": "vip", "number": "13999999999"}, "name"),
    ({"call_id": "c-1", "name": "x", "customer_type": "king", "number": "13999999999"}, "customer_type"),
    ({"call_id": "c-1", "name": "x", "number": "12"}, "number"),
    ({"call_id": "c-1", "name": "x" * 201, "number": "13999999999"}, "name"),
])
async def test_a_bad_new_customer_gets_a_clear_error(console: Console, data: dict[str, Any], field_name: str) -> None:
    ws = await desk(console)
    on_desk(console, {**pop("c-1"), "card": None, "state": "ringing"})
    reply = await command(ws, "customer_create", data)
    assert not reply["ok"] and reply["error"]["id"] == "invalid-input", reply
    assert field_name in reply["error"]["details"]["fields"]
    assert console.store.created == []


# --------------------------------------------------------------------------- click-to-dial (customer pages)
async def dial(console: Console, body: Any = None, *, origin: str | None = None, **kw: Any) -> Any:
    headers = {"Origin": origin or console.origin}
    if "data" not in kw:
        kw["json"] = body
    return await console.client.post("/api/desk/dial", headers=headers, **kw)


async def test_dial_from_a_customer_page_rings_the_agents_desk(console: Console) -> None:
    await console.login("alice")
    on_desk(console, None)
    response = await dial(console, {"number": "138 0000 0001"})
    assert response.status == 202 and (await response.json()) == {"number": "+8613800000001"}
    assert [e for e in console.engine.posted if isinstance(e, DialNumber)] == [DialNumber(1, "+8613800000001")]


async def test_dial_is_refused_clearly(console: Console) -> None:
    assert (await dial(console, {"number": "13800000001"})).status == 401          # not signed in
    await console.login("alice")
    on_desk(console, None)
    assert (await dial(console, {"number": "13800000001"}, origin="http://evil.example")).status == 403
    form = await dial(console, data={"number": "13800000001"})                      # a cross-site form
    assert form.status == 415
    bad = await dial(console, {"number": "12"})
    assert bad.status == 400 and (await bad.json())["error"]["details"]["fields"] == {"number": "invalid"}
    assert (await dial(console, ["13800000001"])).status == 400
    on_desk(console, {**pop("c-1"), "state": "connected"})
    busy = await dial(console, {"number": "13800000001"})
    assert busy.status == 409 and (await busy.json())["error"]["id"] == "agent-busy"
    assert not [e for e in console.engine.posted if isinstance(e, DialNumber)]

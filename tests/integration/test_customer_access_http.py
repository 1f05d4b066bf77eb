"""Least privilege for customer data (issue 11) over HTTP: the real console routes, a real seeded SQLite
store, and one agent (1005, 刘洋, queue ``standard``) whose calls, tasks, complaints, portfolio, deputy
portfolio and desk call each bring one customer; one more customer is nobody's. Every rule is checked
per role, and every read and export must leave its audit entry; on SQLite and on PostgreSQL."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import insert, select

from callcenter.settings import Settings, settings_from_mapping
from console.hub import Hub
from console.web import setup_console
from crm_bridge import seed
from crm_bridge.models import Agent, AuditEntry, Complaint, FollowUp, Interaction, utcnow
from crm_bridge.store import Store

from .test_customers_http import Engine, login

pytest_plugins = ["tests.integration.pg"]           # every rule on SQLite and on PostgreSQL

PREFIX = "隐私"
CALLER = "+8613955550090"            # the number ringing on 1005's desk now (shared by two customers)
OTHER_PHONE = "+8613955550002"
OTHER_ACCOUNT = "77000002"


class DeskEngine(Engine):
    """1005 is talking to the caller on ``CALLER``, whose card says ``desk_call``."""

    def __init__(self) -> None:
        self.customers: dict[str, int] = {}
        self.agent_id = 0

    def agent_snapshot(self, agent_id: int) -> dict[str, Any]:
        if agent_id != self.agent_id:
            return {"agent": None, "call": None, "pending": []}
        return {"agent": {"agent_id": agent_id, "all_queues": ["standard"], "queues": ["standard"]},
                "call": {"call_id": "c1", "interaction_id": "i1", "state": "connected", "caller_number": CALLER,
                         "card": {"customer_id": self.customers["desk_call"]}},
                "pending": []}


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[tuple[Store, DeskEngine]]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    async with store.connect() as conn:
        ids = {login: int(i) for login, i in await conn.execute(select(Agent.login, Agent.id))}
    me, deputised = ids["1005"], ids["1006"]
    engine = DeskEngine()
    engine.agent_id = me
    c = engine.customers
    c["call"] = await store.add_customer(PREFIX + "来电", phones=["13955550001"])
    c["other"] = await store.add_customer(PREFIX + "别人", phones=[OTHER_PHONE], account_number=OTHER_ACCOUNT)
    c["portfolio"] = await store.add_customer(PREFIX + "名下", phones=["13955550003"], account_manager_id=me)
    c["deputy"] = await store.add_customer(PREFIX + "代理", phones=["13955550004"], account_manager_id=deputised)
    c["task"] = await store.add_customer(PREFIX + "待办", phones=["13955550005"])
    c["pool"] = await store.add_customer(PREFIX + "队列待办", phones=["13955550006"])
    c["complaint"] = await store.add_customer(PREFIX + "投诉", phones=["13955550007"])
    c["desk_call"] = await store.add_customer(PREFIX + "通话中", phones=["13955550008"])
    c["shares_number"] = await store.add_customer(PREFIX + "同号", phones=[CALLER])
    now = utcnow()
    async with store.connect(write=True) as conn:
        call_id = str(uuid.uuid4())
        await conn.execute(insert(Interaction).values(id=call_id, customer_id=c["call"], agent_id=me,
                                                      status="completed", started_at=now - timedelta(days=3)))
        await conn.execute(insert(FollowUp).values(customer_id=c["task"], assigned_agent_id=me, due_at=now))
        await conn.execute(insert(FollowUp).values(customer_id=c["pool"], pool="standard", due_at=now))
        await conn.execute(insert(Complaint).values(customer_id=c["complaint"], category="billing", severity="low",
                                                    description="x", owner_agent_id=me))
    yield store, engine
    await store.close()


def app_with(store: Store, engine: Engine, agent_search: str = "number_only") -> web.Application:
    settings = settings_from_mapping({"privacy": {"agent_search": agent_search},
                                      "routing": {"deputies": {"1006": "1005"}}})
    app = web.Application()
    setup_console(app, settings=settings, store=store, engine=engine, hub=Hub(wallboard_interval=0.01))  # type: ignore[arg-type]
    return app


@pytest.fixture
async def client(aiohttp_client: Any, world: tuple[Store, DeskEngine]) -> TestClient[Any, Any]:
    return await aiohttp_client(app_with(*world))


async def names(client: TestClient[Any, Any], q: str) -> dict[str, Any]:
    response = await client.get("/api/customers", params={"q": q, "limit": 50})
    assert response.status == 200, await response.text()
    return await response.json()


OWN = ("call", "portfolio", "deputy", "task", "pool", "complaint", "desk_call", "shares_number")


@pytest.mark.parametrize("which", OWN)
async def test_an_agent_opens_the_page_of_each_of_their_own_customers(
        client: TestClient[Any, Any], world: tuple[Store, DeskEngine], which: str) -> None:
    _, engine = world
    await login(client, "1005")
    response = await client.get(f"/api/customers/{engine.customers[which]}")
    assert response.status == 200, await response.text()
    assert (await response.json())["customer"]["id"] == engine.customers[which]


async def test_an_agent_is_refused_someone_elses_customer_with_a_clear_403(
        client: TestClient[Any, Any], world: tuple[Store, DeskEngine]) -> None:
    _, engine = world
    other = engine.customers["other"]
    await login(client, "1005")
    for url in (f"/api/customers/{other}", f"/api/customers/{other}/audit"):
        response = await client.get(url)
        assert response.status == 403
        assert (await response.json())["error"]["id"] == "customer-not-yours"
    edit = await client.post(f"/api/customers/{other}/contact", json={"email": "a@example.com"},
                             headers={"Origin": f"http://{client.server.host}:{client.server.port}"})
    assert edit.status == 403 and (await edit.json())["error"]["id"] == "customer-not-yours"
    assert (await client.get("/api/customers/99999")).status == 404      # unknown stays 404


async def test_number_only_search_finds_others_by_exact_number_but_names_only_among_own(
        client: TestClient[Any, Any], world: tuple[Store, DeskEngine]) -> None:
    _, engine = world
    await login(client, "1005")
    by_name = await names(client, PREFIX)
    assert by_name["limited"] == "number_only"
    found = {r["id"] for r in by_name["results"]}
    assert found == {engine.customers[k] for k in OWN}
    assert all(r["own"] for r in by_name["results"])
    for exact in (OTHER_PHONE, "139 5555 0002", OTHER_ACCOUNT):
        hit = (await names(client, exact))["results"]
        assert [r["id"] for r in hit] == [engine.customers["other"]], exact
        assert hit[0]["own"] is False and hit[0]["email"] is None and hit[0]["phones"]
    assert (await names(client, "0002"))["results"] == []                 # trailing digits browse: not allowed


async def test_own_mode_finds_only_own_customers_even_by_number(
        aiohttp_client: Any, world: tuple[Store, DeskEngine]) -> None:
    store, engine = world
    client = await aiohttp_client(app_with(store, engine, "own"))
    await login(client, "1005")
    assert (await names(client, OTHER_PHONE))["results"] == []
    own = await names(client, PREFIX)
    assert own["limited"] == "own" and len(own["results"]) == len(OWN)


async def test_all_mode_is_as_before(aiohttp_client: Any, world: tuple[Store, DeskEngine]) -> None:
    store, engine = world
    client = await aiohttp_client(app_with(store, engine, "all"))
    await login(client, "1005")
    everyone = await names(client, PREFIX)
    assert everyone["limited"] is None and len(everyone["results"]) == len(OWN) + 1
    assert (await client.get(f"/api/customers/{engine.customers['other']}")).status == 200


@pytest.mark.parametrize("who", ["9001", "admin"])
async def test_supervisors_and_admins_see_everyone_and_export(
        client: TestClient[Any, Any], world: tuple[Store, DeskEngine], who: str) -> None:
    store, engine = world
    await login(client, who)
    everyone = await names(client, PREFIX)
    assert everyone["limited"] is None and len(everyone["results"]) == len(OWN) + 1
    assert (await client.get(f"/api/customers/{engine.customers['other']}")).status == 200
    export = await client.get("/api/customers/export.csv", params={"q": PREFIX})
    assert export.status == 200
    rows = (await export.read()).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + len(OWN) + 1
    async with store.connect() as conn:
        entry = (await conn.execute(select(AuditEntry.actor_login, AuditEntry.entity, AuditEntry.entity_id,
                                           AuditEntry.after).where(AuditEntry.action == "customer.export"))).one()
    assert tuple(entry[:3]) == (who, "customers", "export")
    assert orjson.loads(entry[3]) == {"query": PREFIX, "rows": len(OWN) + 1, "source": "127.0.0.1"}


async def test_export_is_refused_for_agents(client: TestClient[Any, Any], world: tuple[Store, DeskEngine]) -> None:
    store, _ = world
    await login(client, "1005")
    response = await client.get("/api/customers/export.csv", params={"q": PREFIX})
    assert response.status == 403 and (await response.json())["error"]["id"] == "export-not-allowed"
    async with store.connect() as conn:
        assert (await conn.execute(select(AuditEntry).where(AuditEntry.action == "customer.export"))).first() is None


async def test_every_page_read_and_refusal_is_audited(client: TestClient[Any, Any],
                                                      world: tuple[Store, DeskEngine]) -> None:
    store, engine = world
    mine, other = engine.customers["portfolio"], engine.customers["other"]
    await login(client, "1005")
    assert (await client.get(f"/api/customers/{mine}")).status == 200
    assert (await client.get(f"/api/customers/{mine}")).status == 200
    assert (await client.get(f"/api/customers/{other}")).status == 403
    async with store.connect() as conn:
        rows = (await conn.execute(select(AuditEntry.actor_login, AuditEntry.action, AuditEntry.entity_id,
                                          AuditEntry.after).where(AuditEntry.entity == "customer")
                                   .order_by(AuditEntry.id))).all()
    reads = [(r[0], r[1], r[2]) for r in rows if r[1].startswith("customer.read")]
    assert reads == [("1005", "customer.read", str(mine)), ("1005", "customer.read", str(mine)),
                     ("1005", "customer.read_refused", str(other))]
    assert all('"source": "127.0.0.1"' in (r[3] or "") for r in rows if r[1].startswith("customer.read"))
    # the customer page's own audit list shows the reads, newest first
    entries = (await (await client.get(f"/api/customers/{mine}/audit")).json())["entries"]
    assert [e["action"] for e in entries[:2]] == ["customer.read", "customer.read"]


async def test_a_task_done_or_a_pool_outside_their_queues_gives_no_access(
        client: TestClient[Any, Any], world: tuple[Store, DeskEngine]) -> None:
    """Only open pool tasks of the agent's own queues count (1005 works ``standard`` only)."""
    store, engine = world
    stranger = await store.add_customer(PREFIX + "VIP池", phones=["13955550011"])
    async with store.connect(write=True) as conn:
        await conn.execute(insert(FollowUp).values(customer_id=stranger, pool="vip", due_at=utcnow()))
    await login(client, "1005")
    assert (await client.get(f"/api/customers/{stranger}")).status == 403
    await login(client, "1001")                                      # 1001 works vip
    assert (await client.get(f"/api/customers/{engine.customers['portfolio']}")).status == 403


def test_default_setting_is_number_only() -> None:
    assert Settings().privacy.agent_search == "number_only"

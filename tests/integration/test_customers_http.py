"""Customer search, page, contact edit and CSV export over HTTP: the real console routes and a real,
seeded SQLite store; logins are the demo's (``crm_bridge/seed.py``)."""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from callcenter.settings import Settings
from console.hub import Hub
from console.web import setup_console
from crm_bridge import seed
from crm_bridge.store import Store

EVIL = "<img src=x onerror=alert(1)>"
FORMULA = "=cmd|' /C calc'!A0"


class Engine:
    """The console's engine, idle: no calls, nobody on the wallboard."""

    def post(self, event: Any) -> None:
        pass

    def agent_snapshot(self, agent_id: int) -> dict[str, Any]:
        return {"agent": None, "call": None}

    def wallboard(self) -> dict[str, Any]:
        return {"queues": [], "agents": [], "at": "2024-05-03T08:00:00+00:00"}

    def wallboard_series(self) -> dict[str, Any]:
        return {"day": "2024-05-03", "step": 60.0, "queues": {}}

    def wrapup_call(self, agent_id: int, call_id: str) -> None:
        return None

    def pending_wrapups(self, agent_id: int) -> dict[str, Any]:
        return {"items": [], "live": None}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    await store.add_customer(EVIL, phones=["13911110001"])
    await store.add_customer(FORMULA, phones=["13911110002"])
    yield store
    await store.close()


@pytest.fixture
async def client(aiohttp_client: Any, store: Store) -> TestClient[Any, Any]:
    app = web.Application()
    setup_console(app, settings=Settings(), store=store, engine=Engine(), hub=Hub(wallboard_interval=0.01))  # type: ignore[arg-type]
    return await aiohttp_client(app)


def origin(client: TestClient[Any, Any]) -> str:
    return f"http://{client.server.host}:{client.server.port}"


async def login(client: TestClient[Any, Any], who: str = "1002") -> None:
    response = await client.post("/login", data={"login": who, "password": f"demo{who}"}, allow_redirects=False,
                                 headers={"Origin": origin(client)})
    assert response.status == 303


async def edit(client: TestClient[Any, Any], customer_id: int, changes: Any, **headers: str) -> Any:
    return await client.post(f"/api/customers/{customer_id}/contact", json=changes,
                             headers={"Origin": origin(client), **headers})


async def test_everything_needs_a_login(client: TestClient[Any, Any]) -> None:
    for page in ("/customers", "/customers/1"):
        response = await client.get(page, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"] == "/login"
    for api in ("/api/customers?q=ln", "/api/customers/1", "/api/customers/1/audit", "/api/customers/export.csv?q=ln"):
        response = await client.get(api)
        assert response.status == 401 and (await response.json())["error"]["id"] == "unauthenticated"
    assert (await edit(client, 1, {"email": "x@example.com"})).status == 401


async def test_search_page_and_api(client: TestClient[Any, Any]) -> None:
    await login(client, "9001")            # a supervisor finds everyone (agents: test_customer_access_http.py)
    page = await client.get("/customers")
    html = await page.text()
    assert page.status == 200 and 'id="customer-search"' in html and "js/customers.js" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    found = await (await client.get("/api/customers", params={"q": "ln"})).json()
    assert found["results"][0]["name"] == "李娜" and found["results"][0]["match"] == "initials"
    by_number = await (await client.get("/api/customers", params={"q": "+86 138 0000 0001"})).json()
    assert by_number["results"][0]["id"] == 1
    bad = await client.get("/api/customers", params={"q": "ln", "limit": "lots"})
    assert bad.status == 400 and "limit" in (await bad.json())["error"]["details"]["fields"]


async def test_customer_page_shell_has_no_customer_data(client: TestClient[Any, Any], store: Store) -> None:
    await login(client, "9001")
    evil_id = (await store.search_customers("13911110001"))["results"][0]["id"]
    page = await client.get(f"/customers/{evil_id}")
    html = await page.text()
    assert page.status == 200 and EVIL not in html and "<img" not in html
    assert f'"customer_id": {evil_id}' in html or f'"customer_id":{evil_id}' in html
    data = await (await client.get(f"/api/customers/{evil_id}")).json()
    assert data["customer"]["name"] == EVIL                       # JSON; the page sets it as textContent
    li = await (await client.get("/api/customers/1")).json()
    assert li["customer"]["name"] == "李娜" and len(li["calls"]) == 7 and li["complaints"]
    assert (await client.get("/api/customers/99999")).status == 404
    assert (await client.get("/api/customers/99999999999999")).status == 404


async def test_contact_edit_with_audit(client: TestClient[Any, Any]) -> None:
    await login(client, "1001")
    response = await edit(client, 1, {"email": "li.na@example.com", "add_phones": [{"number": "010-66667777",
                                                                                   "kind": "landline"}]})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["changed"] and body["contact"]["email"] == "li.na@example.com"
    assert "+861066667777" in [p["e164"] for p in body["contact"]["phones"]]
    audit = await (await client.get("/api/customers/1/audit")).json()
    entry = audit["entries"][0]
    assert (entry["actor_login"], entry["action"]) == ("1001", "customer.update")
    assert entry["before"]["email"] is None and entry["after"]["email"] == "li.na@example.com"
    found = await (await client.get("/api/customers", params={"q": "01066667777"})).json()
    assert found["results"][0]["id"] == 1


async def test_contact_edit_refuses_bad_input_and_cross_site_requests(client: TestClient[Any, Any]) -> None:
    await login(client, "1001")            # 李娜's account manager
    bad = await edit(client, 1, {"email": "nope", "add_phones": ["abc"]})
    assert bad.status == 400
    assert set((await bad.json())["error"]["details"]["fields"]) == {"email", "add_phones[0]"}
    evil_site = await client.post("/api/customers/1/contact", json={"email": "x@example.com"},
                                  headers={"Origin": "https://evil.example"})
    assert evil_site.status == 403
    no_origin = await client.post("/api/customers/1/contact", json={"email": "x@example.com"})
    assert no_origin.status == 403
    form = await client.post("/api/customers/1/contact", data={"email": "x@example.com"},
                             headers={"Origin": origin(client)})
    assert form.status == 415
    junk = await client.post("/api/customers/1/contact", data=b"{not json", headers={
        "Origin": origin(client), "Content-Type": "application/json"})
    assert junk.status == 400 and "body" in (await junk.json())["error"]["details"]["fields"]
    assert (await edit(client, 99999, {"email": "x@example.com"})).status == 404
    audit = await (await client.get("/api/customers/1/audit")).json()
    assert audit["entries"] == []


async def test_export_csv_is_an_attachment_safe_against_formulas(client: TestClient[Any, Any]) -> None:
    await login(client, "9001")                                     # a supervisor may export too
    response = await client.get("/api/customers/export.csv", params={"q": "cmd"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = (await response.read()).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["name"] for r in rows] == ["'" + FORMULA]
    assert rows[0]["phones"] == "'+8613911110002"
    li = list(csv.DictReader(io.StringIO((await (await client.get(
        "/api/customers/export.csv", params={"q": "ln"})).read()).decode("utf-8-sig"))))
    assert li[0]["name"] == "李娜"
    assert (await client.get("/api/customers/export.csv")).status == 400


async def test_agent_desk_links_to_the_search(client: TestClient[Any, Any]) -> None:
    await login(client)
    html = await (await client.get("/agent")).text()
    assert 'href="/customers"' in html and 'target="_blank"' in html

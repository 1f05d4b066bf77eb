"""The role walk (issue 11): every route of the console app and every websocket command, against every
role (anonymous, agent, supervisor, admin), on a real seeded SQLite store and real sockets.

Each answer is the one the tables below expect: an allow, or a clean 401/403 (302 to the login page
for pages); never a 500, never an ``internal-error`` reply. A route or command added without a line in
the tables fails the walk: decide who may use it, then add the line. When access rules change (issue
11's least privilege for customer data), change the line here.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from callcenter.settings import Settings
from console import protocol
from console.hub import Hub
from console.web import setup_console
from crm_bridge import seed
from crm_bridge.store import Store

ROLES = ("anonymous", "agent", "supervisor", "admin")
LOGINS = {"agent": "1002", "supervisor": "9001", "admin": "admin"}
TIMEOUT = 5.0

PAGE = {"anonymous": 302, "agent": 200, "supervisor": 200, "admin": 200}
SUPERVISORS_PAGE = {"anonymous": 302, "agent": 403, "supervisor": 200, "admin": 200}
API = {"anonymous": 401, "agent": 200, "supervisor": 200, "admin": 200}
SUPERVISORS_API = {"anonymous": 401, "agent": 403, "supervisor": 200, "admin": 200}

# (method, route as the router names it) -> (the request made, the status expected per role).
# The request: path, and for POSTs the body (JSON when a dict) sent with this site's Origin.
HTTP_EXPECTED: dict[tuple[str, str], tuple[str, Any, dict[str, int]]] = {
    ("GET", "/"): ("/", None, {"anonymous": 302, "agent": 302, "supervisor": 302, "admin": 302}),
    ("GET", "/login"): ("/login", None, {"anonymous": 200, "agent": 302, "supervisor": 302, "admin": 302}),
    ("POST", "/login"): ("/login", "form", {"anonymous": 401, "agent": 303, "supervisor": 303, "admin": 303}),
    ("POST", "/logout"): ("/logout", b"", {"anonymous": 303, "agent": 303, "supervisor": 303, "admin": 303}),
    ("GET", "/agent"): ("/agent", None, PAGE),
    ("GET", "/supervisor"): ("/supervisor", None, SUPERVISORS_PAGE),
    ("GET", "/ws"): ("/ws", None, {role: 400 for role in ROLES}),      # not an upgrade; the walk below upgrades
    ("GET", "/customers"): ("/customers", None, PAGE),
    ("GET", "/customers/{customer_id}"): ("/customers/1", None, PAGE),      # 1: 李娜, in agent 1001's portfolio
    ("GET", "/api/customers"): ("/api/customers?q=zhang", None, API),
    ("GET", "/api/customers/export.csv"): ("/api/customers/export.csv?q=zhang", None, SUPERVISORS_API),
    ("GET", "/api/customers/{customer_id}"): ("/api/customers/1", None, API),
    ("POST", "/api/customers/{customer_id}/contact"): ("/api/customers/1/contact", {"email": "walk@example.cn"}, API),
    ("GET", "/api/customers/{customer_id}/audit"): ("/api/customers/1/audit", None, API),
    ("POST", "/api/desk/dial"): ("/api/desk/dial", {"number": "13800000001"},
                                 {"anonymous": 401, "agent": 202, "supervisor": 403, "admin": 403}),
    ("GET", "/reports"): ("/reports", None, SUPERVISORS_PAGE),
    ("GET", "/api/reports"): ("/api/reports?by=queue", None, SUPERVISORS_API),
    ("GET", "/api/reports.csv"): ("/api/reports.csv?by=queue", None, SUPERVISORS_API),
    ("GET", "/static/{filename}"): ("/static/css/console.css", None, {role: 200 for role in ROLES}),
}

# Websocket: which (role, view) may send which command. "allow": past the role check (the reply may
# still refuse the empty data the walk sends, with a named error); "forbidden": the error id says so.
AGENT_VIEW_ONLY = protocol.DESK_COMMANDS | protocol.DESK_CLARITY_COMMANDS | protocol.CALL_CONTROL_COMMANDS \
    | protocol.TASK_COMMANDS
BOTH_VIEWS = frozenset({"ack", "ping"})
WS_EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    **{command: {("agent", "agent"): "allow", ("supervisor", "agent"): "allow", ("admin", "agent"): "allow",
                 ("supervisor", "supervisor"): "allow" if command in BOTH_VIEWS else "forbidden",
                 ("admin", "supervisor"): "allow" if command in BOTH_VIEWS else "forbidden"}
       for command in AGENT_VIEW_ONLY},
    **{command: {("agent", "agent"): "forbidden", ("supervisor", "agent"): "forbidden",
                 ("admin", "agent"): "forbidden", ("supervisor", "supervisor"): "allow",
                 ("admin", "supervisor"): "allow"}
       for command in protocol.SUPERVISOR_COMMANDS},
}
# Whole sockets: anonymous is closed 4401 on either view; an agent asking for the supervisor view 4403.
WS_REFUSED = {("anonymous", "agent"): protocol.CLOSE_UNAUTHENTICATED,
              ("anonymous", "supervisor"): protocol.CLOSE_UNAUTHENTICATED,
              ("agent", "supervisor"): protocol.CLOSE_FORBIDDEN}


class Engine:
    """Idle, except that the agents (the seed's role ``agent``) each have a desk."""

    def __init__(self, desks: set[int]) -> None:
        self.desks = desks

    def post(self, event: Any) -> None:
        pass

    def agent_snapshot(self, agent_id: int) -> dict[str, Any]:
        agent = {"agent_id": agent_id, "name": "x", "state": "paused", "reason": "", "queues": []}
        return {"agent": agent if agent_id in self.desks else None, "call": None}

    def wallboard(self) -> dict[str, Any]:
        return {"queues": [], "agents": [], "at": "2024-05-03T08:00:00+00:00"}

    def wallboard_series(self) -> dict[str, Any]:
        return {"day": "2024-05-03", "step": 60.0, "queues": {}}

    def wrapup_call(self, agent_id: int, call_id: str) -> None:
        return None

    def pending_wrapups(self, agent_id: int) -> dict[str, Any]:
        return {"items": [], "live": None}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    agent = await store.agent_by_login(LOGINS["agent"])
    assert agent is not None
    app = web.Application()
    hub = Hub(wallboard_interval=0.05)
    engine = Engine({agent.id})
    setup_console(app, settings=Settings(), store=store, engine=engine, hub=hub)  # type: ignore[arg-type]
    app.cleanup_ctx.append(hub.lifetime(engine.wallboard))
    yield app
    await store.close()


def origin(client: TestClient[Any, Any]) -> str:
    return f"http://{client.server.host}:{client.server.port}"


async def client_as(aiohttp_client: Any, server: Any, role: str) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = await aiohttp_client(server)
    if role != "anonymous":
        login = LOGINS[role]
        response = await client.post("/login", data={"login": login, "password": f"demo{login}"},
                                     headers={"Origin": origin(client)}, allow_redirects=False)
        assert response.status == 303, role
    return client


def route_keys(app: web.Application) -> set[tuple[str, str]]:
    keys = set()
    for route in app.router.routes():
        if route.method == "HEAD":       # aiohttp adds HEAD beside every GET
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        keys.add((route.method, info.get("formatter") or info.get("path") or (info.get("prefix", "") + "/{filename}")))
    return keys


async def test_every_route_is_in_the_table(app: web.Application) -> None:
    app.freeze()
    assert route_keys(app) == set(HTTP_EXPECTED), "a route without an expectation (or one removed): update the table"


async def test_every_command_is_in_the_table() -> None:
    assert set(WS_EXPECTED) == set(protocol.COMMANDS), "a command without an expectation: update the table"


@pytest.mark.parametrize("role", ROLES)
async def test_every_route_answers_each_role_as_expected(aiohttp_client: Any, app: web.Application, role: str) -> None:
    first = await aiohttp_client(app)
    client = await client_as(aiohttp_client, first.server, role)
    found = {}
    for (method, _), (path, body, expected) in HTTP_EXPECTED.items():
        if path == "/logout" or (path == "/login" and method == "POST"):
            continue                   # below: they end or replace the session the rest of the walk uses
        found[(method, path)] = (await _request(client, method, path, body, role)).status, expected[role]
    for (method, path) in (("POST", "/login"), ("POST", "/logout")):
        _, body, expected = HTTP_EXPECTED[(method, path)]
        found[(method, path)] = (await _request(client, method, path, body, role)).status, expected[role]
    wrong = {key: got for key, got in found.items() if got[0] != got[1]}
    assert not wrong, f"{role}: (got, expected) {wrong}"


async def _request(client: TestClient[Any, Any], method: str, path: str, body: Any, role: str) -> Any:
    if method == "GET":
        return await client.get(path, allow_redirects=False)
    headers = {"Origin": origin(client)}
    if body == "form":
        login = LOGINS.get(role, "nobody")
        return await client.post(path, data={"login": login, "password": f"demo{login}" if role in LOGINS else "x"},
                                 headers=headers, allow_redirects=False)
    if isinstance(body, dict):
        return await client.post(path, json=body, headers=headers, allow_redirects=False)
    return await client.post(path, data=body, headers=headers, allow_redirects=False)


async def _receive_reply(ws: Any, msg_id: str) -> dict[str, Any]:
    while True:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is WSMsgType.TEXT, msg
        frame = orjson.loads(msg.data)
        if frame.get("type") == "reply" and frame.get("re") == msg_id:
            return frame


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ("agent", "supervisor"))
async def test_every_command_answers_each_role_as_expected(aiohttp_client: Any, app: web.Application,
                                                           role: str, view: str) -> None:
    first = await aiohttp_client(app)
    client = await client_as(aiohttp_client, first.server, role)
    ws = await client.ws_connect(f"/ws?view={view}", headers={"Origin": origin(client)})
    if (role, view) in WS_REFUSED:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is WSMsgType.CLOSE and msg.data == WS_REFUSED[(role, view)]
        return
    wrong = {}
    for n, command in enumerate(sorted(protocol.COMMANDS, key=lambda c: (c == "logout", c))):
        msg_id = f"walk-{n}"
        await ws.send_str(orjson.dumps({"type": command, "id": msg_id, "data": {}}).decode())
        reply = await _receive_reply(ws, msg_id)
        error_id = None if reply["ok"] else reply["error"]["id"]
        got = "forbidden" if error_id == "forbidden" else "internal" if error_id == "internal-error" else "allow"
        if got != WS_EXPECTED[command][(role, view)]:
            wrong[command] = (got, reply.get("error"))
    await ws.close()
    assert not wrong, f"{role} on the {view} view: {wrong}"

"""The console over real sockets: login, pages, the websocket protocol, dispositions.

A fake engine records what is posted and returns canned snapshots; a fake store holds agents with
real argon2 hashes and lets a test hold ``save_disposition`` open or make it fail.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient

from callcenter.domain import AgentGoAvailable, AgentGoPaused, AgentLogOut, DeskConnected, DispositionSaved
from callcenter.errors import StoreUnavailable
from callcenter.settings import Settings
from console import protocol
from console.hub import Hub
from console.web import setup_console
from crm_bridge.passwords import hash_password
from crm_bridge.store import AgentRecord, Disposition, DispositionResult

EVIL = "<img src=x onerror=alert(1)>"
PASSWORD = "correct horse"
TIMEOUT = 5.0


def card(name: str = "Zhang Wei") -> dict[str, Any]:
    return {
        "customer_id": 7, "name": name, "customer_type": "vip", "value_class": "major",
        "account_manager": "Li Na", "credit_status": "good", "language": "zh", "number": "+8613800000001",
        "open_complaints": [{"id": 3, "category": "billing", "severity": "high", "status": "open",
                             "created_at": "2024-05-01T08:00:00+00:00"}],
        "recent": [{"interaction_id": "i-1", "started_at": "2024-05-02T08:00:00+00:00", "queue": "vip",
                    "status": "completed", "outcome": "resolved", "agent": "alice"}],
    }


def pop(call_id: str = "c-1", name: str = "Zhang Wei") -> dict[str, Any]:
    return {"call_id": call_id, "interaction_id": f"i-{call_id}", "queue": "vip", "priority": 10,
            "caller_number": "+8613800000001", "card": card(name),
            "ivr": {"digits": ["2"], "menu_choice": "complaint", "language": "zh", "failed": False},
            "joined_at": "2024-05-03T08:00:00+00:00", "waited_seconds": 12}


class FakeEngine:
    def __init__(self) -> None:
        self.posted: list[Any] = []
        self.calls: dict[tuple[int, str], dict[str, Any]] = {}
        self.snapshots: dict[int, dict[str, Any]] = {}
        self.board: dict[str, Any] = {"queues": [], "agents": [], "at": "2024-05-03T08:00:00+00:00"}
        self.wallboard_calls = 0
        self.on_post: list[Any] = []

    def post(self, event: Any) -> None:
        self.posted.append(event)

    def agent_snapshot(self, agent_id: int) -> dict[str, Any]:
        return self.snapshots.get(agent_id, {
            "agent": {"agent_id": agent_id, "name": "x", "state": "paused", "reason": "lunch",
                      "since": "2024-05-03T08:00:00+00:00", "queues": ["vip"]},
            "call": None})

    def wallboard(self) -> dict[str, Any]:
        self.wallboard_calls += 1
        return self.board

    def wallboard_series(self) -> dict[str, Any]:
        return {"day": "2024-05-03", "step": 60.0, "queues": {}}

    def wrapup_call(self, agent_id: int, call_id: str) -> dict[str, Any] | None:
        return self.calls.get((agent_id, call_id))

    def pending_wrapups(self, agent_id: int) -> dict[str, Any]:
        return {"items": [], "live": None}


@dataclass
class FakeStore:
    agents: dict[str, AgentRecord]
    saved: list[Disposition] = field(default_factory=list)
    gate: asyncio.Event | None = None
    fail: Exception | None = None
    committed: list[str] = field(default_factory=list)
    languages: list[tuple[int, str]] = field(default_factory=list)

    async def agent_by_login(self, login: str) -> AgentRecord | None:
        return self.agents.get(login)

    async def set_agent_language(self, agent_id: int, language: str) -> None:
        self.languages.append((agent_id, language))

    async def pending_wrapups(self, agent_id: int, *, also: Any = ()) -> tuple[list[dict[str, Any]], set[str]]:
        return [], set()

    async def savable_wrapup(self, agent_id: int, interaction_id: str, call_id: str) -> dict[str, Any] | None:
        return None

    async def save_disposition(self, disposition: Disposition, **_: Any) -> DispositionResult:
        self.saved.append(disposition)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        self.committed.append(disposition.call_id)
        return DispositionResult(disposition.interaction_id, 42 if disposition.complaint else None)


_HASH: dict[str, str] = {}


def agent(agent_id: int, login: str, role: str = "agent", name: str | None = None, language: str = "en") -> AgentRecord:
    if PASSWORD not in _HASH:
        _HASH[PASSWORD] = hash_password(PASSWORD)
    return AgentRecord(id=agent_id, login=login, name=name or login.title(), interface=f"PJSIP/{1000 + agent_id}",
                       queues=("vip",), role=role, language=language, password_hash=_HASH[PASSWORD])


@dataclass
class Console:
    client: TestClient[Any, Any]
    engine: FakeEngine
    store: FakeStore
    hub: Hub
    app: web.Application

    @property
    def origin(self) -> str:
        return f"http://{self.client.server.host}:{self.client.server.port}"

    async def login(self, login: str, password: str = PASSWORD, client: TestClient[Any, Any] | None = None) -> Any:
        client = client or self.client
        return await client.post("/login", data={"login": login, "password": password}, allow_redirects=False,
                                 headers={"Origin": f"http://{client.server.host}:{client.server.port}"})

    async def ws(self, path: str = "/ws", client: TestClient[Any, Any] | None = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {"Origin": self.origin})
        return await (client or self.client).ws_connect(path, headers=headers, **kwargs)

    async def other_client(self, aiohttp_client: Any) -> TestClient[Any, Any]:
        return await aiohttp_client(self.client.server)


@pytest.fixture
async def console(aiohttp_client: Any) -> Console:
    engine = FakeEngine()
    store = FakeStore({
        "alice": agent(1, "alice", language="en"),
        "bob": agent(2, "bob", language="zh"),
        "sue": agent(3, "sue", role="supervisor"),
        "eve": agent(4, "eve", name=EVIL),
    })
    hub = Hub(wallboard_interval=0.01)
    app = web.Application()
    setup_console(app, settings=Settings(), store=store, engine=engine, hub=hub)
    app.cleanup_ctx.append(hub.lifetime(engine.wallboard))
    client = await aiohttp_client(app)
    return Console(client, engine, store, hub, app)


async def receive(ws: Any) -> dict[str, Any]:
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.TEXT, msg
    return orjson.loads(msg.data)


async def command(ws: Any, kind: str, data: Any = None, msg_id: Any = "1") -> dict[str, Any]:
    await ws.send_str(orjson.dumps({"type": kind, "id": msg_id, "data": data or {}}).decode())
    return await receive(ws)


# --------------------------------------------------------------------------- login and pages
async def test_login_ok_redirects_to_the_desk_with_a_strict_httponly_cookie(console: Console) -> None:
    response = await console.login("alice")
    assert response.status == 303
    assert response.headers["Location"] == "/agent"
    cookie = response.headers["Set-Cookie"]
    assert "cc_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    page = await console.client.get("/agent")
    assert page.status == 200
    assert "Alice" in await page.text()


@pytest.mark.parametrize("login,password", [("alice", "wrong"), ("nobody", PASSWORD)])
async def test_wrong_password_and_unknown_login_get_the_same_401(console: Console, login: str, password: str) -> None:
    response = await console.login(login, password)
    assert response.status == 401
    text = await response.text()
    assert "Wrong login or password." in text or "登录名或密码错误。" in text
    assert "Set-Cookie" not in response.headers
    assert (await console.client.get("/agent", allow_redirects=False)).status == 302


async def test_repeated_failures_are_throttled_per_login(console: Console) -> None:
    for _ in range(5):
        assert (await console.login("alice", "nope")).status == 401
    throttled = await console.login("alice")           # even the right password waits now
    assert throttled.status == 429
    assert "Retry-After" in throttled.headers
    assert (await console.login("bob")).status == 303  # other logins are not affected


async def test_pages_need_login(console: Console) -> None:
    for path in ("/agent", "/supervisor", "/"):
        response = await console.client.get(path, allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"] == "/login"


async def test_supervisor_page_is_forbidden_to_an_agent(console: Console) -> None:
    await console.login("alice")
    response = await console.client.get("/supervisor")
    assert response.status == 403
    assert "supervisor" in (await response.text()).lower()


async def test_root_redirects_by_role(console: Console, aiohttp_client: Any) -> None:
    await console.login("alice")
    assert (await console.client.get("/", allow_redirects=False)).headers["Location"] == "/agent"
    other = await console.other_client(aiohttp_client)
    await console.login("sue", client=other)
    assert (await other.get("/", allow_redirects=False)).headers["Location"] == "/supervisor"
    assert (await other.get("/supervisor")).status == 200


async def test_logout_ends_the_session_closes_its_sockets_and_logs_the_agent_out(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)  # hello
    response = await console.client.post("/logout", allow_redirects=False, headers={"Origin": console.origin})
    assert response.status == 303
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.CLOSE and msg.data == protocol.CLOSE_UNAUTHENTICATED
    assert AgentLogOut(1) in console.engine.posted
    assert (await console.client.get("/agent", allow_redirects=False)).status == 302


async def test_cross_site_login_post_is_refused(console: Console) -> None:
    response = await console.client.post("/login", data={"login": "alice", "password": PASSWORD},
                                         headers={"Origin": "https://evil.example"}, allow_redirects=False)
    assert response.status == 403


async def test_language_comes_from_the_agent_and_switches_with_lang(console: Console) -> None:
    await console.login("bob")                       # bob's record says zh
    page = await (await console.client.get("/agent")).text()
    assert "坐席工作台" in page and 'lang="zh-CN"' in page
    page = await (await console.client.get("/agent?lang=en")).text()
    assert "Agent desk" in page
    page = await (await console.client.get("/agent")).text()   # kept in the session
    assert "Agent desk" in page and 'lang="en"' in page
    bob = console.store.agents["bob"]
    assert console.store.languages == [(bob.id, "en")]          # and on bob's record, for his next login


async def test_pages_send_security_headers_and_no_inline_script(console: Console) -> None:
    await console.login("alice")
    response = await console.client.get("/agent")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    text = await response.text()
    scripts = text.split("<script")[1:]
    assert scripts and all('type="application/json"' in s.split(">")[0] or "src=" in s.split(">")[0] for s in scripts)
    config = orjson.loads(text.split('id="cc-config">', 1)[1].split("</script>", 1)[0])
    assert config["view"] == "agent" and config["labels"]["btn.available"] == "Available"


async def test_static_modules_are_served(console: Console) -> None:
    for path in ("/static/js/agent.js", "/static/js/protocol.js", "/static/css/console.css"):
        response = await console.client.get(path)
        assert response.status == 200, path
    assert "javascript" in (await console.client.get("/static/js/socket.js")).content_type


async def test_hostile_names_are_escaped_in_server_rendered_html(console: Console, aiohttp_client: Any) -> None:
    console.engine.snapshots[4] = {"agent": None, "call": {**pop(name=EVIL), "state": "ringing"}}
    console.engine.board = {"queues": [{"name": "vip", "label": EVIL, "waiting": [
        {"call_id": "c-1", "caller_number": "1", "name": EVIL, "customer_type": "vip",
         "waiting_since": "2024-05-03T08:00:00+00:00", "priority": 1}], "members": [4], "available": 0}],
        "agents": [{"agent_id": 4, "name": EVIL, "login": "eve", "state": "ringing", "reason": "",
                    "since": "2024-05-03T08:00:00+00:00", "call_id": "c-1", "customer_type": "vip"}],
        "at": "2024-05-03T08:00:00+00:00"}
    await console.login("eve")
    bad_login = await console.client.post("/login", data={"login": EVIL, "password": "x"},
                                          headers={"Origin": console.origin})
    assert EVIL not in await bad_login.text()
    for path in ("/agent", "/supervisor", "/agent?lang=" + EVIL):
        text = await (await console.client.get(path)).text()
        assert EVIL not in text, path
    desk = await (await console.client.get("/agent")).text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in desk          # the name in the header, escaped
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in desk   # the name in the JSON block, escaped
    sup = await console.other_client(aiohttp_client)
    await console.login("sue", client=sup)
    assert EVIL not in await (await sup.get("/supervisor")).text()


# --------------------------------------------------------------------------- websocket: connect
async def test_ws_without_cookie_is_closed_4401(console: Console) -> None:
    ws = await console.ws()
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.CLOSE and msg.data == protocol.CLOSE_UNAUTHENTICATED


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {}])
async def test_ws_from_another_origin_is_closed_4403(console: Console, headers: dict[str, str]) -> None:
    await console.login("alice")
    ws = await console.ws(headers=headers)
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.CLOSE and msg.data == protocol.CLOSE_FORBIDDEN


async def test_ws_supervisor_view_is_forbidden_to_an_agent(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws("/ws?view=supervisor")
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.CLOSE and msg.data == protocol.CLOSE_FORBIDDEN


async def test_ws_hello_carries_user_snapshot_outcomes_and_pause_reasons(console: Console) -> None:
    console.engine.snapshots[1] = {"agent": {"agent_id": 1, "name": "Alice", "state": "ringing", "reason": "",
                                             "since": "2024-05-03T08:00:00+00:00", "queues": ["vip"]},
                                   "call": {**pop(), "state": "ringing"}}
    await console.login("alice")
    ws = await console.ws()
    hello = await receive(ws)
    assert hello["type"] == "hello"
    data = hello["data"]
    assert data["user"] == {"agent_id": 1, "login": "alice", "name": "Alice", "role": "agent", "language": "en"}
    assert data["snapshot"] == console.engine.snapshots[1]
    assert data["outcomes"] == list(Settings().console.outcomes)
    assert data["pause_reasons"] == list(Settings().console.pause_codes)
    assert data["pause_limits"] == Settings().console.pause_limits
    assert data["seq"] == 0 and data["epoch"] == console.hub.epoch
    assert console.hub.agents_online() == {1}


async def test_ws_supervisor_hello_carries_the_wallboard(console: Console) -> None:
    await console.login("sue")
    ws = await console.ws()
    hello = await receive(ws)
    assert hello["data"]["view"] == "supervisor"
    assert hello["data"]["snapshot"] == console.engine.board
    reply = await command(ws, "available")
    assert reply["ok"] is False and reply["error"]["id"] == "forbidden"


async def test_wallboard_is_pushed_to_supervisors_when_dirty(console: Console) -> None:
    await console.login("sue")
    ws = await console.ws()
    await receive(ws)
    console.engine.board = {**console.engine.board, "at": "2024-05-03T09:00:00+00:00"}
    console.hub.mark_wallboard_dirty()
    frame = await receive(ws)
    assert frame["type"] == "wallboard" and frame["data"]["at"] == "2024-05-03T09:00:00+00:00"


# --------------------------------------------------------------------------- websocket: commands
async def test_state_commands_post_to_the_engine(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    reply = await command(ws, "available", msg_id=7)
    assert reply == {"type": "reply", "re": 7, "ok": True, "data": {}}
    assert console.engine.posted == [DeskConnected(1), AgentGoAvailable(1)]
    assert (await command(ws, "pause", {"reason": "lunch"}))["ok"] is True
    assert console.engine.posted[-1] == AgentGoPaused(1, "lunch")
    bad = await command(ws, "pause", {"reason": "nap"})
    assert bad["ok"] is False and bad["error"]["id"] == "invalid-input" and "lunch" in bad["error"]["message"]
    assert (await command(ws, "logout"))["ok"] is True
    assert console.engine.posted[-1] == AgentLogOut(1)
    ping = await command(ws, "ping", msg_id="p")
    assert ping["re"] == "p" and ping["ok"] is True and "now" in ping["data"]


def disposition(call_id: str = "c-1", **extra: Any) -> dict[str, Any]:
    return {"call_id": call_id, "interaction_id": f"i-{call_id}", "outcome": "resolved", "notes": "fixed it",
            "complaint": None, **extra}


async def test_disposition_is_acknowledged_only_after_the_store_committed(console: Console) -> None:
    console.engine.calls[(1, "c-1")] = {"interaction_id": "i-c-1", "call_fields": {"queue": "vip"}}
    console.store.gate = asyncio.Event()
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    await ws.send_str(orjson.dumps({"type": "disposition", "id": "d1", "data": disposition(
        complaint={"category": "billing", "severity": "high", "description": "charged twice"})}).decode())
    # The socket keeps working while the store is busy, and nothing is acknowledged yet.
    ping = await command(ws, "ping", msg_id="p")
    assert ping["re"] == "p"
    assert console.store.saved and not console.store.committed
    assert not any(isinstance(e, DispositionSaved) for e in console.engine.posted)
    console.store.gate.set()
    reply = await receive(ws)
    assert reply == {"type": "reply", "re": "d1", "ok": True, "data": {"interaction_id": "i-c-1", "complaint_id": 42}}
    assert console.store.committed == ["c-1"]
    assert console.engine.posted[-1] == DispositionSaved(1, "c-1", "resolved")
    saved = console.store.saved[0]
    assert (saved.agent_id, saved.outcome, saved.notes, saved.call_fields) == (1, "resolved", "fixed it", {"queue": "vip"})
    assert saved.complaint is not None and saved.complaint.severity == "high"
    pushed = await receive(ws)           # every desk of the agent gets its pending wrap-ups again
    assert (pushed["type"], pushed["data"]) == ("wrapups", {"wrapups": []})
    # A retry (the reply lost to a reconnect) gets the same answer and is not saved twice.
    again = await command(ws, "disposition", disposition(), msg_id="d2")
    assert again["ok"] is True and again["data"]["interaction_id"] == "i-c-1"
    assert len(console.store.saved) == 1


async def test_store_failure_is_an_error_reply_and_nothing_is_posted(console: Console) -> None:
    console.engine.calls[(1, "c-1")] = {"interaction_id": "i-c-1", "call_fields": {}}
    console.store.fail = StoreUnavailable()
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    reply = await command(ws, "disposition", disposition(), msg_id="d1")
    assert reply["re"] == "d1" and reply["ok"] is False
    assert reply["error"]["id"] == "store-unavailable" and reply["error"]["message"]
    assert not any(isinstance(e, DispositionSaved) for e in console.engine.posted)
    console.store.fail = None                                   # the agent presses Save again
    assert (await command(ws, "disposition", disposition(), msg_id="d2"))["ok"] is True
    assert console.engine.posted[-1] == DispositionSaved(1, "c-1", "resolved")


async def test_disposition_for_an_unknown_call_is_no_such_call(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    reply = await command(ws, "disposition", disposition("nope"))
    assert reply["ok"] is False and reply["error"]["id"] == "no-such-call"
    assert console.store.saved == []


@pytest.mark.parametrize("data,field_name", [
    ({"outcome": "maybe"}, "outcome"),
    ({"notes": "x" * 4001}, "notes"),
    ({"notes": 5}, "notes"),
    ({"complaint": {"category": "billing", "severity": "apocalyptic", "description": "d"}}, "complaint.severity"),
    ({"complaint": {"category": "", "severity": "low", "description": "d"}}, "complaint.category"),
    ({"complaint": "yes"}, "complaint"),
    ({"call_id": None}, "call_id"),
])
async def test_invalid_dispositions_name_the_field(console: Console, data: dict[str, Any], field_name: str) -> None:
    console.engine.calls[(1, "c-1")] = {"interaction_id": "i-c-1", "call_fields": {}}
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    reply = await command(ws, "disposition", {**disposition(), **data})
    assert reply["ok"] is False and reply["error"]["id"] == "invalid-input"
    assert field_name in reply["error"]["details"]["fields"]
    assert console.store.saved == []


@pytest.mark.parametrize("raw,expected", [
    ("this is not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"type": "launch_missiles", "id": 9}', "unknown message type"),
    ('{"type": "pause", "id": 9, "data": [1]}', "data must be a JSON object"),
    ('{"type": "ack", "id": 9, "data": {"seq": "three"}}', "seq"),
    ('{"type": "ping", "id": 9, "data": {"pad": "' + "x" * 100_000 + '"}}', "larger than"),
])
async def test_malformed_messages_get_error_replies_and_the_socket_keeps_working(
        console: Console, raw: str, expected: str) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    await ws.send_str(raw)
    reply = await receive(ws)
    assert reply["type"] == "reply" and reply["ok"] is False
    assert reply["error"]["id"] == "invalid-input" and expected in reply["error"]["message"]
    if '"id": 9' in raw and "larger" not in expected:
        assert reply["re"] == 9
    assert (await command(ws, "available"))["ok"] is True
    assert console.engine.posted == [DeskConnected(1), AgentGoAvailable(1)]


async def test_binary_garbage_does_not_break_the_socket(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    await ws.send_bytes(b"\xff\x00\xfe")
    assert (await receive(ws))["ok"] is False
    assert (await command(ws, "ping"))["ok"] is True


# --------------------------------------------------------------------------- hub fan-out through sockets
async def test_send_to_agent_reaches_all_of_that_agents_sockets_only(console: Console, aiohttp_client: Any) -> None:
    await console.login("alice")
    alice_1, alice_2 = await console.ws(), await console.ws()
    other = await console.other_client(aiohttp_client)
    await console.login("bob", client=other)
    bob = await console.ws(client=other)
    for ws in (alice_1, alice_2, bob):
        assert (await receive(ws))["type"] == "hello"
    console.hub.send_to_agent(1, "pop", pop("c-1"))
    console.hub.send_to_agent(1, "pop_withdrawn", {"call_id": "c-1"})
    console.hub.send_to_agent(2, "pop", pop("c-2"))
    for ws in (alice_1, alice_2):
        first, second = await receive(ws), await receive(ws)
        assert (first["type"], first["seq"], second["type"], second["seq"]) == ("pop", 1, "pop_withdrawn", 2)
        assert first["data"]["card"]["name"] == "Zhang Wei"
    theirs = await receive(bob)
    assert (theirs["type"], theirs["seq"], theirs["data"]["call_id"]) == ("pop", 1, "c-2")
    # bob got nothing else: his next frame is the reply to this ping
    assert (await command(bob, "ping", msg_id="b"))["re"] == "b"


async def test_resume_replays_what_was_missed_and_seq_survives_reconnects(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    console.hub.send_to_agent(1, "agent", {"state": "available"})
    assert (await receive(ws))["seq"] == 1
    assert (await command(ws, "ack", {"seq": 1}, msg_id="a"))["ok"] is True
    assert console.hub.acked(1) == 1
    await ws.close()
    console.hub.send_to_agent(1, "pop", pop("c-9"))          # missed while away
    console.hub.send_to_agent(1, "pop_withdrawn", {"call_id": "c-9"})
    ws = await console.ws(f"/ws?resume=1&epoch={console.hub.epoch}")
    hello = await receive(ws)
    assert hello["type"] == "hello" and hello["data"]["seq"] == 3
    replayed = [await receive(ws), await receive(ws)]
    assert [(f["type"], f["seq"]) for f in replayed] == [("pop", 2), ("pop_withdrawn", 3)]
    console.hub.send_to_agent(1, "agent", {"state": "available"})
    assert (await receive(ws))["seq"] == 4


async def test_graceful_shutdown_closes_sockets_with_going_away(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    await console.hub.close_all()
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.CLOSE and msg.data == protocol.CLOSE_GOING_AWAY
    assert console.hub.agents_online() == frozenset()


async def test_an_injected_session_store_is_the_one_used(aiohttp_client: Any) -> None:
    from console.sessions import SessionStore
    from console.web import SESSIONS
    sessions = SessionStore(60)                  # empty, hence falsy: must still be used
    app = web.Application()
    setup_console(app, settings=Settings(), store=FakeStore({"alice": agent(1, "alice")}), engine=FakeEngine(),
                  hub=Hub(), sessions=sessions)
    assert app[SESSIONS] is sessions
    client = await aiohttp_client(app)
    await client.post("/login", data={"login": "alice", "password": PASSWORD}, allow_redirects=False,
                      headers={"Origin": f"http://{client.server.host}:{client.server.port}"})
    assert len(sessions) == 1


@pytest.mark.parametrize("resume", ["abc", "%C2%B2", "-1", "9" * 40])
async def test_a_bad_resume_value_is_ignored(console: Console, resume: str) -> None:
    await console.login("alice")
    ws = await console.ws(f"/ws?resume={resume}")
    assert (await receive(ws))["type"] == "hello"
    assert (await command(ws, "ping"))["ok"] is True


async def test_an_unencodable_snapshot_closes_with_1011_and_the_server_lives_on(console: Console) -> None:
    console.engine.snapshots[1] = {"agent": object(), "call": None}
    await console.login("alice")
    ws = await console.ws()
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.CLOSE and msg.data == 1011
    assert console.hub.agents_online() == frozenset()
    del console.engine.snapshots[1]
    ws = await console.ws()
    assert (await receive(ws))["type"] == "hello"

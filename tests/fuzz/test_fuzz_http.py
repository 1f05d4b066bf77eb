"""Fuzzing every HTTP form of the console (issue 11) through aiohttp's test client on a real socket:
the login form, the customer contact edit, the customer search and export queries, the reports query,
click-to-dial, and the pages' own query strings; with hostile bodies, content types, Origin headers
and query bytes that are not UTF-8. The server runs a real seeded SQLite store.

Property: never a 5xx, and every error (4xx) carries its id: the ``X-Error-Id`` header, or the JSON
body's ``error.id`` for the API. The app's log must hold no unhandled exception either.
(There is no CSV upload form: CSV import is a command-line tool, fuzzed with the importer.)
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import example, given
from hypothesis import strategies as st
from yarl import URL

from callcenter.settings import Settings
from console.hub import Hub
from console.web import setup_console
from crm_bridge import seed
from crm_bridge.store import Store
from tests.integration.test_role_walk import Engine

LOGINS = {"agent": "1002", "supervisor": "9001"}
# Header values a client library can send (no CR/LF; latin-1), including broken URLs.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
                      max_size=80)
origins = st.one_of(st.just("SELF"), st.just(None), header_text,
                    st.sampled_from(["http://a:99999", "http://[::1", "null", "http://127.0.0.1:0", "https://x:-1"]))
raw_bytes = st.binary(max_size=300)
text = st.text(max_size=120)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | text,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                           max_leaves=12)
content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "multipart/form-data",
                                 "text/plain", "application/json; charset=latin-1", ""])


class Harness:
    """One app, one loop, one signed-in client per role, for all the examples of the module."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.tmp = tmp
        self.clients: dict[str, TestClient[Any, Any]] = {}
        self.errors: list[logging.LogRecord] = []

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def start(self) -> None:
        self.store = Store(f"sqlite+aiosqlite:///{self.tmp / 'crm.db'}")
        await self.store.open()
        await seed.seed_demo(self.store, customers=seed.MIN_CUSTOMERS)
        agent = await self.store.agent_by_login(LOGINS["agent"])
        assert agent is not None
        app = web.Application()
        setup_console(app, settings=Settings(), store=self.store, engine=Engine({agent.id}),  # type: ignore[arg-type]
                      hub=Hub())
        self.server = TestServer(app)
        await self.server.start_server()
        for role in ("anonymous", *LOGINS):
            client: TestClient[Any, Any] = TestClient(self.server)
            await client.start_server()
            if role in LOGINS:
                login = LOGINS[role]
                response = await client.post("/login", data={"login": login, "password": f"demo{login}"},
                                             headers={"Origin": self.origin}, allow_redirects=False)
                assert response.status == 303
            self.clients[role] = client

    @property
    def origin(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    async def stop(self) -> None:
        for client in self.clients.values():
            await client.close()
        await self.server.close()
        await self.store.close()

    async def send(self, role: str, method: str, path: str, *, query: bytes | None = None, body: bytes = b"",
                   content_type: str | None = None, origin: str | None = "SELF") -> tuple[int, dict[str, str], bytes]:
        client = self.clients[role]
        url = str(client.make_url(path))
        if query is not None:       # raw bytes, percent-encoded as they are (not UTF-8 on purpose)
            url += "?" + quote_from_bytes(query, safe=b"=&")
        headers = {}
        if origin is not None:
            headers["Origin"] = self.origin if origin == "SELF" else origin
        if content_type is not None:
            headers["Content-Type"] = content_type
        async with client.session.request(method, URL(url, encoded=True), data=body if method == "POST" else None,
                                          headers=headers, allow_redirects=False) as response:
            return response.status, dict(response.headers), await response.read()


class Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    harness = Harness(tmp_path_factory.mktemp("fuzz-http"))
    handler = Collect(harness.errors)
    logging.getLogger().addHandler(handler)
    harness.run(harness.start())
    try:
        yield harness
    finally:
        harness.run(harness.stop())
        harness.loop.close()
        logging.getLogger().removeHandler(handler)
    assert not harness.errors, [r.getMessage() for r in harness.errors[:5]]


def answered_cleanly(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status < 500, (status, body[:300])
    if status >= 400:
        if "X-Error-Id" in headers:
            assert headers["X-Error-Id"]
        else:
            assert orjson.loads(body)["error"]["id"], body[:300]


def json_or_raw(value: Any) -> bytes:
    # The stdlib writes huge integers, NaN and Infinity, which a hand-made client can send.
    return value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@given(login=text | st.text(min_size=100, max_size=400), password=text, raw=st.none() | raw_bytes,
       content_type=content_types, origin=origins)
@example(login="alice", password="x", raw=b"login=%ff%fe&password=x",
         content_type="application/x-www-form-urlencoded", origin="SELF")
@example(login="", password="", raw=b"login=\xff&password=\xfe", content_type="application/x-www-form-urlencoded",
         origin="SELF")
def test_login_form(http: Harness, login: str, password: str, raw: bytes | None, content_type: str,
                    origin: str | None) -> None:
    def field(value: str) -> bytes:
        return quote_from_bytes(value.encode("utf-8", "surrogatepass")).encode()

    body = raw if raw is not None else b"login=" + field(login) + b"&password=" + field(password)
    answered_cleanly(*http.run(http.send("anonymous", "POST", "/login", body=body, content_type=content_type,
                                         origin=origin)))


@given(changes=st.dictionaries(st.sampled_from(["email", "address", "phones", "name", "x"]) | text,
                               json_values, max_size=4) | json_values | raw_bytes,
       content_type=content_types, origin=origins, customer=st.sampled_from(["1", "2", "999999", "99999999999"]))
@example(changes={"phones": ["1e999", "\u202e138", None]}, content_type="application/json", origin="SELF", customer="1")
def test_customer_contact_edit(http: Harness, changes: Any, content_type: str, origin: str | None,
                               customer: str) -> None:
    answered_cleanly(*http.run(http.send("agent", "POST", f"/api/customers/{customer}/contact",
                                         body=json_or_raw(changes), content_type=content_type, origin=origin)))


@given(query=raw_bytes, path=st.sampled_from(["/api/customers", "/api/customers/export.csv", "/customers",
                                              "/api/customers/1/audit"]))
@example(query=b"q=%&limit=1e999&offset=-1", path="/api/customers")
@example(query=b"q=\xff\xfe&limit=\x00", path="/api/customers/export.csv")
def test_customer_search_query(http: Harness, query: bytes, path: str) -> None:
    answered_cleanly(*http.run(http.send("agent", "GET", path, query=query)))


@given(query=raw_bytes | st.builds(lambda f, t, b: f"from={f}&to={t}&by={b}".encode("utf-8", "surrogatepass"),
                                   text, text, st.sampled_from(["day", "hour", "queue", "agent", "tier", "week", ""])),
       path=st.sampled_from(["/api/reports", "/api/reports.csv", "/reports"]))
@example(query=b"from=2024-13-01&to=0000-01-01&by=day", path="/api/reports")
@example(query=b"from=1900-01-01&to=9999-12-31&by=hour", path="/api/reports")
def test_reports_query(http: Harness, query: bytes, path: str) -> None:
    answered_cleanly(*http.run(http.send("supervisor", "GET", path, query=query)))


@given(body=st.dictionaries(st.sampled_from(["number"]) | text, json_values, max_size=3) | json_values | raw_bytes,
       content_type=content_types, origin=origins)
@example(body={"number": "+86" + "1" * 5000}, content_type="application/json", origin="SELF")
def test_click_to_dial(http: Harness, body: Any, content_type: str, origin: str | None) -> None:
    answered_cleanly(*http.run(http.send("agent", "POST", "/api/desk/dial", body=json_or_raw(body),
                                         content_type=content_type, origin=origin)))


@given(role=st.sampled_from(["anonymous", "agent", "supervisor"]),
       path=st.sampled_from(["/", "/login", "/agent", "/supervisor", "/customers/1", "/api/customers/1", "/ws",
                             "/static/css/console.css", "/nowhere"]),
       query=raw_bytes, origin=origins, method=st.sampled_from(["GET", "POST"]))
@example(role="agent", path="/agent", query=b"lang=\xff", origin="SELF", method="GET")
def test_pages_and_queries(http: Harness, role: str, path: str, query: bytes, origin: str | None, method: str) -> None:
    if method == "POST" and path in ("/", "/login"):
        path = "/logout" if path == "/" else path
    if path == "/logout":
        return                    # would end the shared session: logout is in the role walk and the login fuzz
    answered_cleanly(*http.run(http.send(role, method, path, query=query, origin=origin)))

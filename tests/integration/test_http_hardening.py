"""HTTP hardening over a real socket (issue 11): the login throttle by address, malformed input as 4xx
with an error id, Origin/Referer on login and logout, Secure cookies and HSTS over HTTPS."""
from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from callcenter.settings import HttpSettings, Settings
from console.hub import Hub
from console.web import setup_console
from tests.integration.test_console_web import PASSWORD, FakeEngine, FakeStore, agent


async def make_client(aiohttp_client: Any, **http: Any) -> TestClient[Any, Any]:
    settings = Settings(http=HttpSettings(**http))
    app = web.Application()
    setup_console(app, settings=settings, store=FakeStore({"alice": agent(1, "alice"), "bob": agent(2, "bob")}),
                  engine=FakeEngine(), hub=Hub())
    return await aiohttp_client(app)


def origin_of(client: TestClient[Any, Any]) -> str:
    return f"http://{client.server.host}:{client.server.port}"


async def post_login(client: TestClient[Any, Any], login: str, password: str = PASSWORD, *,
                     headers: dict[str, str] | None = None, **kw: Any) -> Any:
    headers = {"Origin": origin_of(client), **(headers or {})}
    return await client.post("/login", data=kw.pop("data", {"login": login, "password": password}),
                             headers=headers, allow_redirects=False, **kw)


async def test_a_real_user_on_another_address_is_not_locked_out_by_someone_elses_failures(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client, trusted_proxies=("127.0.0.1",))
    attacker = {"X-Forwarded-For": "198.51.100.66"}
    for _ in range(5):
        assert (await post_login(client, "alice", "guess", headers=attacker)).status == 401
    assert (await post_login(client, "alice", headers=attacker)).status == 429
    assert (await post_login(client, "alice", headers={"X-Forwarded-For": "10.9.9.9"})).status == 303


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client)                       # no trusted proxies
    for n in range(5):
        await post_login(client, "alice", "guess", headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert (await post_login(client, "alice", headers={"X-Forwarded-For": "10.9.9.9"})).status == 429


async def test_an_over_long_login_is_a_bad_request_that_counts_against_nobody(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client)
    for _ in range(50):
        response = await post_login(client, "alice" + "x" * 200, "guess")
        assert response.status == 400
    assert (await post_login(client, "alice", "p" * 5000)).status == 400
    assert (await post_login(client, "alice")).status == 303


@pytest.mark.parametrize("body,content_type", [
    (b"login=%ff%fe&password=x", "application/x-www-form-urlencoded"),
    (b"login=\xff\xfe&password=x", "application/x-www-form-urlencoded"),
    (b'{"login": "alice"}', "application/json"),
    (b"login=alice&password=" + b"x" * 20_000, "application/x-www-form-urlencoded"),
    (b"login=ali%00ce&password=x", "application/x-www-form-urlencoded"),
])
async def test_malformed_login_forms_are_4xx_with_an_error_id(aiohttp_client: Any, body: bytes,
                                                                 content_type: str) -> None:
    client = await make_client(aiohttp_client)
    response = await post_login(client, "", data=body, headers={"Content-Type": content_type})
    assert 400 <= response.status < 500
    assert response.headers["X-Error-Id"] in ("invalid-input", "unsupported-media-type", "too-large", "login.failed")


@pytest.mark.parametrize("origin", ["http://a:99999", "http://[::1", "http://a:x", "null", "\u00e9://x", ""])
async def test_a_malformed_origin_is_a_403_not_a_500(aiohttp_client: Any, origin: str) -> None:
    client = await make_client(aiohttp_client)
    response = await post_login(client, "alice", headers={"Origin": origin})
    assert response.status == 403
    assert (await response.text()).startswith("forbidden:")
    api = await client.post("/api/desk/dial", json={"number": "1"}, headers={"Origin": origin})
    assert api.status in (401, 403)


async def test_login_and_logout_without_origin_or_referer_are_refused(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client)
    bare = await client.post("/login", data={"login": "alice", "password": PASSWORD}, allow_redirects=False,
                             skip_auto_headers=["Origin"])
    assert bare.status == 403
    referred = await client.post("/login", data={"login": "alice", "password": PASSWORD}, allow_redirects=False,
                                 headers={"Referer": origin_of(client) + "/login"})
    assert referred.status == 303
    assert (await client.post("/logout", allow_redirects=False)).status == 403
    other_scheme = await client.post("/logout", allow_redirects=False,
                                     headers={"Origin": origin_of(client).replace("http:", "https:")})
    assert other_scheme.status == 403
    assert (await client.post("/logout", allow_redirects=False, headers={"Origin": origin_of(client)})).status == 303


async def test_over_https_the_cookie_is_secure_and_hsts_is_sent(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client, public_url="https://cc.example")
    response = await post_login(client, "alice", headers={"Origin": "https://cc.example"})
    assert response.status == 303
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = await post_login(client, "alice")                         # http://127.0.0.1:port is not the site
    assert plain.status == 403


async def test_a_trusted_proxy_says_https(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client, trusted_proxies=("127.0.0.0/8",))
    host = f"{client.server.host}:{client.server.port}"
    response = await post_login(client, "alice", headers={"X-Forwarded-Proto": "https", "Origin": f"https://{host}"})
    assert response.status == 303
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


async def test_plain_http_has_no_hsts(aiohttp_client: Any) -> None:
    client = await make_client(aiohttp_client)
    response = await client.get("/login")
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/api/customers?q=%ff%fe", "/api/reports?from=%ff", "/login?lang=%ff",
                                  "/api/nothing-here", "/customers/%ff"])
async def test_odd_queries_and_unknown_paths_are_4xx_with_an_id(aiohttp_client: Any, path: str) -> None:
    client = await make_client(aiohttp_client)
    response = await client.get(path, allow_redirects=False)
    assert response.status < 500
    if response.status >= 400:
        text = await response.text()
        assert text.startswith(("{\"error\":{\"id\"", "not-found:", "unauthenticated", "forbidden"))


async def test_an_unforeseen_failure_is_a_500_with_an_id_and_no_traceback(aiohttp_client: Any,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail")

    app = web.Application()
    setup_console(app, settings=Settings(), store=FakeStore({}), engine=FakeEngine(), hub=Hub())
    app.router.add_get("/api/broken", broken)
    client = await aiohttp_client(app)
    response = await client.get("/api/broken")
    assert response.status == 500
    assert response.headers["X-Error-Id"] == "internal-error"
    assert "secret detail" not in await response.text()
    assert any("unhandled error" in r.getMessage() for r in caplog.records)

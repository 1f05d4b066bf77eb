"""Console login and logout, and the ``require_login`` check the pages use.

Theory of operation. ``POST /login`` looks the agent up (``store.agent_by_login``) and checks the
password with argon2 in a worker thread (a hash costs ~20 ms: it must not stall screen pops on the
event loop). An unknown login is checked against a dummy hash so that it costs the same and gets the
same message as a wrong password. Failures are counted per login: past ``max_failures`` within
``window_seconds`` the login is refused (429) without checking the password. A good login opens a
fresh server-side session (``console.sessions``) and drops any old one from the same browser.

POSTs must come from our own pages: the cookie is SameSite=Strict, and a request whose ``Origin``
header names another site is refused (403).
"""
from __future__ import annotations

import asyncio
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aiohttp import web

from callcenter.domain import AgentLogOut
from callcenter.errors import CallCenterError
from console import protocol
from console.hub import Hub
from console.i18n import fill, labels_for, language_from_accept, normalise_language
from console.sessions import (
    Session,
    SessionStore,
    clear_session_cookie,
    set_session_cookie,
    token_from_request,
)
from console.ws import ConsoleEngine, same_origin
from crm_bridge.passwords import hash_password, verify_password
from crm_bridge.store import AgentRecord

ROLES = frozenset({"agent", "supervisor", "admin"})
MAX_LOGIN_CHARS = 100
MAX_PASSWORD_CHARS = 1024

Render = Callable[..., web.Response]


class AgentDirectory(Protocol):
    async def agent_by_login(self, login: str) -> AgentRecord | None: ...
    async def set_agent_language(self, agent_id: int, language: str) -> None: ...


class LoginThrottle:
    """At most ``max_failures`` failed logins per login name within ``window_seconds``."""

    def __init__(self, max_failures: int = 5, window_seconds: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic, max_tracked: int = 10_000) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._max_tracked = max_tracked
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, login: str) -> float:
        """Seconds until *login* may try again (0 = now)."""
        failures = self._recent(login.lower())
        if len(failures) < self._max:
            return 0.0
        return max(0.0, failures[0] + self._window - self._clock())

    def failed(self, login: str) -> None:
        if len(self._failures) >= self._max_tracked:
            self._sweep()
        key = login.lower()
        self._recent(key)
        self._failures.setdefault(key, deque(maxlen=self._max)).append(self._clock())

    def succeeded(self, login: str) -> None:
        self._failures.pop(login.lower(), None)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        cutoff = self._clock() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def _sweep(self) -> None:
        for key in list(self._failures):
            self._recent(key)
        if len(self._failures) >= self._max_tracked:   # still full of fresh failures: forget the oldest
            for key in list(self._failures)[: len(self._failures) // 2]:
                del self._failures[key]


def same_site_post(request: web.BaseRequest) -> bool:
    """A POST with no ``Origin`` (old browsers, tests) or one naming this host."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return same_origin(request)


def require_login(request: web.BaseRequest, sessions: SessionStore, roles: Iterable[str] | None = None) -> Session:
    """The request's session; redirects to ``/login`` without one, 403 when its role is not in *roles*."""
    session = sessions.get(token_from_request(request))
    if session is None:
        raise web.HTTPFound("/login")
    if roles is not None and session.role not in set(roles):
        raise web.HTTPForbidden(text="this page needs one of the roles: " + ", ".join(sorted(roles)))
    return session


def home_for(role: str) -> str:
    return "/supervisor" if role in ("supervisor", "admin") else "/agent"


class AuthViews:
    def __init__(self, *, store: AgentDirectory, sessions: SessionStore, hub: Hub, engine: ConsoleEngine,
                 render: Render, secure_cookies: bool, throttle: LoginThrottle | None = None) -> None:
        self._store = store
        self._sessions = sessions
        self._hub = hub
        self._engine = engine
        self._render = render
        self._secure = secure_cookies
        self._throttle = throttle if throttle is not None else LoginThrottle()
        self._dummy_hash: str | None = None

    async def login_form(self, request: web.Request) -> web.Response:
        session = self._sessions.get(token_from_request(request))
        if session is not None:
            raise web.HTTPFound(home_for(session.role))
        notice = "login.logged_out" if request.query.get("bye") == "1" else None
        return self._form(request, notice=notice)

    async def login(self, request: web.Request) -> web.Response:
        if not same_site_post(request):
            raise web.HTTPForbidden(text="cross-site form posts are refused")
        form = await request.post()
        login = str(form.get("login") or "").strip()
        password = str(form.get("password") or "")
        wait = self._throttle.retry_after(login)
        if wait > 0:
            return self._form(request, login=login, status=429, error="login.throttled",
                              seconds=math.ceil(wait), headers={"Retry-After": str(math.ceil(wait))})
        try:
            agent = await self._check(login, password)
        except CallCenterError:
            return self._form(request, login=login, status=503, error="login.unavailable")
        if agent is None:
            self._throttle.failed(login)
            return self._form(request, login=login, status=401, error="login.failed")
        self._throttle.succeeded(login)
        self._sessions.delete(token_from_request(request))
        session = self._sessions.create(agent_id=agent.id, login=agent.login, name=agent.name,
                                        role=agent.role if agent.role in ROLES else "agent",
                                        language=normalise_language(agent.language) or "zh")
        redirect = web.HTTPSeeOther(home_for(session.role))
        set_session_cookie(redirect, session, secure=self._secure, max_age=self._sessions.lifetime_seconds)
        raise redirect

    async def logout(self, request: web.Request) -> web.Response:
        """End the web session and close its sockets; an agent is also logged out of the queues."""
        if not same_site_post(request):
            raise web.HTTPForbidden(text="cross-site form posts are refused")
        session = self._sessions.delete(token_from_request(request))
        if session is not None:
            self._hub.close_tagged(session.token, protocol.CLOSE_UNAUTHENTICATED, b"logged out")
            if session.role == "agent":
                self._engine.post(AgentLogOut(session.agent_id))
        redirect = web.HTTPSeeOther("/login?bye=1")
        clear_session_cookie(redirect, secure=self._secure)
        raise redirect

    async def _check(self, login: str, password: str) -> AgentRecord | None:
        if not login or len(login) > MAX_LOGIN_CHARS or len(password) > MAX_PASSWORD_CHARS:
            return None
        agent = await self._store.agent_by_login(login)
        password_hash = agent.password_hash if agent is not None and agent.password_hash else None
        if password_hash is None:
            # Same cost as a real check, so that response time does not tell which logins exist.
            password_hash = await self._dummy()
        ok = await asyncio.to_thread(verify_password, password_hash, password)
        return agent if ok and agent is not None and agent.password_hash else None

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(hash_password, secrets.token_urlsafe(16))
        return self._dummy_hash

    def _form(self, request: web.Request, *, login: str = "", status: int = 200, error: str | None = None,
              notice: str | None = None, headers: dict[str, str] | None = None, **values: Any) -> web.Response:
        language = (normalise_language(request.query.get("lang"))
                    or language_from_accept(request.headers.get("Accept-Language")) or "zh")
        labels = labels_for(language)
        message = fill(labels[error], **values) if error else None
        response = self._render(request, "login.html", language=language, status=status,
                                login=login, error=message, notice=labels[notice] if notice else None)
        if headers:
            response.headers.update(headers)
        return response

"""Console login and logout, and the ``require_login`` check the pages use.

Theory of operation. ``POST /login`` looks the agent up (``store.agent_by_login``) and checks the
password with argon2 in a worker thread (a hash costs ~20 ms: it must not stall screen pops on the
event loop). An unknown login is checked against a dummy hash so that it costs the same and gets the
same message as a wrong password. Before any of that, the form is checked (a login or password
over the limits, a body that is not a UTF-8 form: 400, counted against nobody) and the throttle
(``console.login_throttle``: per (login, client address) and per address) may refuse with 429. A
good login opens a fresh server-side session (``console.sessions``) and drops any old one from the
same browser.

POSTs must come from our own pages: the cookie is SameSite=Strict, and a login or logout POST whose
``Origin`` (or, without one, ``Referer``) does not name this site, scheme, host and port, or that has
neither, is refused (403, ``console.site``). Over HTTPS the cookie is ``Secure``.
"""
from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aiohttp import web

from callcenter.domain import AgentLogOut
from callcenter.errors import CallCenterError
from console import protocol
from console.hub import Hub
from console.http_errors import ERROR_ID_HEADER, error_response
from console.i18n import fill, labels_for, language_from_accept, normalise_language
from console.sessions import (
    Session,
    SessionStore,
    clear_session_cookie,
    set_session_cookie,
    token_from_request,
)
from console.login_throttle import LoginThrottle
from console.site import form_post_allowed, site_of
from console.ws import ConsoleEngine
from crm_bridge.passwords import hash_password, verify_password
from crm_bridge.store import AgentRecord

ROLES = frozenset({"agent", "supervisor", "admin"})
MAX_LOGIN_CHARS = 100
MAX_PASSWORD_CHARS = 1024
MAX_FORM_BYTES = 8 * 1024
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

Render = Callable[..., web.Response]


class AgentDirectory(Protocol):
    async def agent_by_login(self, login: str) -> AgentRecord | None: ...
    async def set_agent_language(self, agent_id: int, language: str) -> None: ...


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
                 render: Render, throttle: LoginThrottle) -> None:
        self._store = store
        self._sessions = sessions
        self._hub = hub
        self._engine = engine
        self._render = render
        self._throttle = throttle
        self._dummy_hash: str | None = None

    async def login_form(self, request: web.Request) -> web.Response:
        session = self._sessions.get(token_from_request(request))
        if session is not None:
            raise web.HTTPFound(home_for(session.role))
        notice = "login.logged_out" if request.query.get("bye") == "1" else None
        return self._form(request, notice=notice)

    async def login(self, request: web.Request) -> web.Response:
        if not form_post_allowed(request):
            return error_response(request, 403, "cross-site form posts are refused (Origin must name this site)")
        fields = await _login_form(request)
        if isinstance(fields, web.Response):
            return fields
        login, password = fields
        if not login or len(login) > MAX_LOGIN_CHARS or not login.isprintable() or len(password) > MAX_PASSWORD_CHARS:
            # Refused before the throttle: it costs no hashing and must not count against a real user
            # (and a NUL never reaches the database, where PostgreSQL would refuse it).
            return self._form(request, login=login[:MAX_LOGIN_CHARS], status=400, error="login.failed")
        address = site_of(request).client_address(request)
        wait = self._throttle.retry_after(login, address)
        if wait > 0:
            return self._form(request, login=login, status=429, error="login.throttled",
                              seconds=math.ceil(wait), headers={"Retry-After": str(math.ceil(wait))})
        try:
            agent = await self._check(login, password)
        except CallCenterError:
            return self._form(request, login=login, status=503, error="login.unavailable")
        if agent is None:
            self._throttle.failed(login, address)
            return self._form(request, login=login, status=401, error="login.failed")
        self._sessions.delete(token_from_request(request))
        session = self._sessions.create(agent_id=agent.id, login=agent.login, name=agent.name,
                                        role=agent.role if agent.role in ROLES else "agent",
                                        language=normalise_language(agent.language) or "zh")
        redirect = web.HTTPSeeOther(home_for(session.role))
        set_session_cookie(redirect, session, secure=self._secure(request), max_age=self._sessions.lifetime_seconds)
        raise redirect

    async def logout(self, request: web.Request) -> web.Response:
        """End the web session and close its sockets; an agent is also logged out of the queues."""
        if not form_post_allowed(request):
            return error_response(request, 403, "cross-site form posts are refused (Origin must name this site)")
        session = self._sessions.delete(token_from_request(request))
        if session is not None:
            self._hub.close_tagged(session.token, protocol.CLOSE_UNAUTHENTICATED, b"logged out")
            if session.role == "agent":
                self._engine.post(AgentLogOut(session.agent_id))
        redirect = web.HTTPSeeOther("/login?bye=1")
        clear_session_cookie(redirect, secure=self._secure(request))
        raise redirect

    async def _check(self, login: str, password: str) -> AgentRecord | None:
        agent = await self._store.agent_by_login(login)
        password_hash = agent.password_hash if agent is not None and agent.password_hash else None
        if password_hash is None:
            # Same cost as a real check, so that response time does not tell which logins exist.
            password_hash = await self._dummy()
        ok = await asyncio.to_thread(verify_password, password_hash, password)
        return agent if ok and agent is not None and agent.password_hash else None

    @staticmethod
    def _secure(request: web.Request) -> bool:
        site = site_of(request)
        return site.always_secure_cookies or site.is_https(request)

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
        if error:
            response.headers[ERROR_ID_HEADER] = error
        return response


async def _login_form(request: web.Request) -> tuple[str, str] | web.Response:
    """(login, password) from a UTF-8 form of bounded size, or the 4xx that says what is wrong."""
    if request.content_type not in FORM_TYPES:
        return error_response(request, 415, "send the login form as application/x-www-form-urlencoded")
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        return error_response(request, 413, "the login form is too large")
    try:
        form = await request.post()
    except (UnicodeError, ValueError):
        return error_response(request, 400, "the login form is not valid UTF-8")
    login, password = form.get("login", ""), form.get("password", "")
    if not isinstance(login, str) or not isinstance(password, str):
        return error_response(request, 400, "login and password must be text fields")
    return login.strip(), password

"""Customer search, the customer page and contact edits in the console.

Routes (``setup_customers``, called from ``console.web.setup_console``):

* ``GET /customers`` search page, ``GET /customers/{id}`` customer page: thin shells (jinja2,
  autoescape) whose script (``static/js/customers.js``) fetches the JSON below and renders it with
  ``textContent``. Without a session: redirect to ``/login``.
* ``GET /api/customers?q=&limit=&offset=`` search (``crm_bridge.search``), ``GET /api/customers/{id}``
  the page's data, ``GET /api/customers/{id}/audit`` its audit entries,
  ``GET /api/customers/export.csv?q=`` the search result as a CSV attachment (at most
  ``search.EXPORT_MAX`` rows, cells escaped against formula injection).
Least privilege (``crm_bridge.customer_access``, issue 11): an agent's search, page, audit list and
edits cover the customers of their calls (and the call on their desk now, from the engine's
snapshot), tasks and portfolio, and their search finds others only as ``privacy.agent_search`` says;
a customer page outside that is ``403 customer-not-yours``. The CSV export is for supervisors and
admins (``403 export-not-allowed``). Every page read and every export is audited with the reader's
address (``request.remote``).

* ``POST /api/customers/{id}/contact`` a JSON edit of email / address / phones, audited. CSRF: the
  body must be JSON (a cross-site form cannot send that without a CORS preflight, which we never
  grant) and the ``Origin`` header must name this host, as for the websocket.

API errors are JSON ``{"error": {"id", "message", "details"}}``: 401 without a session, 403 for a role
or origin that is not allowed, 400 naming the fields, 404, 503 when the database is down.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import orjson
from aiohttp import web

from callcenter.errors import CallCenterError, NotFound, StoreUnavailable, ValidationFailed
from console.auth import require_login
from console.i18n import labels_for, normalise_language
from console.sessions import Session, SessionStore, token_from_request
from console.site import same_origin
from crm_bridge import audit, csv_io, customer_access, search
from crm_bridge.customer_access import Scope
from crm_bridge.customer_page import Actor

READ_ROLES = frozenset({"agent", "supervisor", "admin"})
EDIT_ROLES = frozenset({"agent", "supervisor", "admin"})
MAX_ID = 2**31 - 1
MAX_BODY = 64 * 1024
FORBIDDEN_IDS = frozenset({"forbidden", "customer-not-yours", "export-not-allowed"})

Render = Callable[..., web.Response]


class CustomerStore(Protocol):
    async def search_customers(self, query: str, *, limit: Any = None, offset: Any = None,
                               max_limit: int = ..., scope: Scope | None = None) -> dict[str, Any]: ...
    async def customer_page(self, customer_id: int, *, limit: int = ..., scope: Scope | None = None,
                            reader: Actor | None = None, source: str | None = None) -> dict[str, Any] | None: ...
    async def customer_visible(self, customer_id: int, scope: Scope) -> bool | None: ...
    async def record_access(self, actor: Actor, action: str, entity: str, entity_id: Any,
                            facts: dict[str, Any]) -> None: ...
    async def update_contact(self, customer_id: int, changes: Any, actor: Actor,
                             scope: Scope | None = None) -> dict[str, Any]: ...
    async def audit_entries(self, *, entity: str | None = None, entity_id: Any = None,
                            actor_login: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...


class DeskEngine(Protocol):
    def agent_snapshot(self, agent_id: int) -> dict[str, Any]: ...


def setup_customers(app: web.Application, *, store: Any, sessions: SessionStore, render: Render,
                    engine: DeskEngine | None = None, agent_search: str = "number_only",
                    deputies: Mapping[str, str] | None = None) -> None:
    """*engine* tells which call is on an agent's desk now; *agent_search* is ``privacy.agent_search``
    and *deputies* ``routing.deputies`` (account manager login -> deputy login)."""
    if agent_search not in customer_access.SEARCH_MODES:
        raise ValueError(f"agent_search: expected one of {customer_access.SEARCH_MODES}, got {agent_search!r}")
    views = CustomerViews(store=store, sessions=sessions, render=render, engine=engine,
                          agent_search=agent_search, deputies=deputies or {})
    app.router.add_get("/customers", views.search_page, name="customers-search")
    app.router.add_get("/customers/{customer_id:\\d+}", views.customer_page, name="customers-page")
    app.router.add_get("/api/customers", views.api_search, name="customers-api-search")
    app.router.add_get("/api/customers/export.csv", views.api_export, name="customers-api-export")
    app.router.add_get("/api/customers/{customer_id:\\d+}", views.api_customer, name="customers-api-page")
    app.router.add_post("/api/customers/{customer_id:\\d+}/contact", views.api_contact, name="customers-api-contact")
    app.router.add_get("/api/customers/{customer_id:\\d+}/audit", views.api_audit, name="customers-api-audit")


def _json(data: Any, status: int = 200) -> web.Response:
    response = web.Response(body=orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), status=status,
                            content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, error_id: str, message: str, details: dict[str, Any] | None = None) -> web.Response:
    return _json({"error": {"id": error_id, "message": message, "details": details or {}}}, status)


def _mapped(exc: CallCenterError) -> web.Response:
    status = 503 if isinstance(exc, StoreUnavailable) else 404 if isinstance(exc, NotFound) else \
        403 if exc.error_id in FORBIDDEN_IDS else 400
    return _json({"error": exc.as_dict()}, status)


def _actor(session: Session) -> Actor:
    return Actor(login=session.login, agent_id=session.agent_id)


def _customer_id(request: web.Request) -> int:
    value = int(request.match_info["customer_id"])
    if value > MAX_ID:
        raise NotFound("customer", request.match_info["customer_id"][:20])
    return value


class CustomerViews:
    def __init__(self, *, store: CustomerStore, sessions: SessionStore, render: Render,
                 engine: DeskEngine | None = None, agent_search: str = "number_only",
                 deputies: Mapping[str, str] | None = None) -> None:
        self._store = store
        self._sessions = sessions
        self._render = render
        self._engine = engine
        self._agent_search = agent_search
        self._deputies = dict(deputies or {})

    def _scope(self, session: Session) -> Scope:
        """What this user may see now: the desk's live call comes from the engine (in memory)."""
        snapshot = self._engine.agent_snapshot(session.agent_id) \
            if self._engine is not None and session.role not in customer_access.SEE_ALL_ROLES else {}
        return customer_access.scope_of(role=session.role, agent_id=session.agent_id, login=session.login,
                                        snapshot=snapshot, search_mode=self._agent_search,
                                        deputies=self._deputies)

    # ------------------------------------------------------------------ pages
    async def search_page(self, request: web.Request) -> web.Response:
        session = self._page_session(request)
        return self._page(request, session, "customers.html", {"view": "customers"})

    async def customer_page(self, request: web.Request) -> web.Response:
        session = self._page_session(request)
        try:
            customer_id = _customer_id(request)
        except NotFound:
            raise web.HTTPNotFound() from None
        return self._page(request, session, "customer.html", {"view": "customer", "customer_id": customer_id,
                                                              "can_edit": session.role in EDIT_ROLES})

    def _page_session(self, request: web.Request) -> Session:
        session = require_login(request, self._sessions)
        language = normalise_language(request.query.get("lang"))
        if language and language != session.language:
            self._sessions.set_language(session.token, language)
        if session.role not in READ_ROLES:
            raise web.HTTPForbidden(text="this page needs one of the roles: " + ", ".join(sorted(READ_ROLES)))
        return session

    def _page(self, request: web.Request, session: Session, template: str, extra: dict[str, Any]) -> web.Response:
        config = {
            "lang": session.language,
            "labels": labels_for(session.language),
            "user": {"agent_id": session.agent_id, "login": session.login, "name": session.name,
                     "role": session.role},
            **extra,
        }
        return self._render(request, template, language=session.language, user=session, config=config)

    # ------------------------------------------------------------------ API
    def _api_session(self, request: web.Request, roles: frozenset[str] = READ_ROLES) -> Session | web.Response:
        session = self._sessions.get(token_from_request(request))
        if session is None:
            return _error(401, "unauthenticated", "sign in first")
        if session.role not in roles:
            return _error(403, "forbidden", "your role may not do this")
        return session

    async def api_search(self, request: web.Request) -> web.Response:
        session = self._api_session(request)
        if isinstance(session, web.Response):
            return session
        try:
            result = await self._store.search_customers(request.query.get("q", ""),
                                                        limit=request.query.get("limit"),
                                                        offset=request.query.get("offset"),
                                                        scope=self._scope(session))
        except CallCenterError as exc:
            return _mapped(exc)
        return _json(result)

    async def api_export(self, request: web.Request) -> web.Response:
        session = self._api_session(request)
        if isinstance(session, web.Response):
            return session
        if not customer_access.may_export(session.role):
            return _mapped(customer_access.ExportNotAllowed(session.role))
        query = request.query.get("q", "").strip()
        if not query:
            return _error(400, "invalid-input", "say what to export", {"fields": {"q": "required"}})
        try:
            lines = [csv_io.csv_line(cells) async for cells in csv_io.export_rows(self._store, query)]
            await self._store.record_access(_actor(session), audit.CUSTOMER_EXPORT, "customers", "export",
                                            {"query": query, "rows": len(lines) - 1, "source": request.remote})
        except CallCenterError as exc:
            return _mapped(exc)
        body = ("\ufeff" + "".join(lines)).encode("utf-8")
        return web.Response(body=body, headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="customers.csv"',
            "Cache-Control": "no-store",
        })

    async def api_customer(self, request: web.Request) -> web.Response:
        session = self._api_session(request)
        if isinstance(session, web.Response):
            return session
        try:
            customer_id = _customer_id(request)
            found = await self._store.customer_page(customer_id, scope=self._scope(session),
                                                    reader=_actor(session), source=request.remote)
            if found is None:
                raise NotFound("customer", customer_id)
        except CallCenterError as exc:
            return _mapped(exc)
        return _json(found)

    async def api_audit(self, request: web.Request) -> web.Response:
        session = self._api_session(request)
        if isinstance(session, web.Response):
            return session
        try:
            customer_id = _customer_id(request)
            limit, _ = search.check_paging(request.query.get("limit") or 50, 0)
            scope = self._scope(session)
            if not customer_access.sees_all(scope):
                visible = await self._store.customer_visible(customer_id, scope)
                if visible is None:
                    raise NotFound("customer", customer_id)
                if not visible:
                    raise customer_access.NotYourCustomer(customer_id)
            entries = await self._store.audit_entries(entity="customer", entity_id=customer_id, limit=limit)
        except CallCenterError as exc:
            return _mapped(exc)
        return _json({"entries": entries})

    async def api_contact(self, request: web.Request) -> web.Response:
        session = self._api_session(request, EDIT_ROLES)
        if isinstance(session, web.Response):
            return session
        if not same_origin(request):
            return _error(403, "forbidden", "cross-site requests are refused (Origin must name this site)")
        if request.content_type != "application/json":
            return _error(415, "invalid-input", "send the changes as application/json",
                          {"fields": {"body": "must be JSON"}})
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, "invalid-input", "the request is too large", {"fields": {"body": "too large"}})
        try:
            raw = await request.read()
            if len(raw) > MAX_BODY:
                return _error(413, "invalid-input", "the request is too large", {"fields": {"body": "too large"}})
            try:
                changes = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ValidationFailed("the body is not JSON", {"body": "must be a JSON object"}) from None
            result = await self._store.update_contact(_customer_id(request), changes, _actor(session),
                                                      scope=self._scope(session))
        except CallCenterError as exc:
            return _mapped(exc)
        return _json(result)

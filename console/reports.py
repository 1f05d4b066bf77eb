"""Reports in the console (supervisors and admins only).

Routes (``setup_reports``, one line in ``console.web.setup_console``):

* ``GET /reports`` the page: a thin shell (jinja2, autoescape) whose script (``static/js/reports.js``)
  fetches the JSON below and draws the table and the SVG charts with ``textContent``.
* ``GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|hour|queue|agent|tier`` the figures
  (``crm_bridge.reports.report``: the same formulas as the wallboard, README "Metrics").
* ``GET /api/reports.csv?...`` the same as a CSV attachment, cells escaped against formula injection.

API errors are JSON ``{"error": {"id", "message", "details"}}``: 401 without a session, 403 for agents,
400 naming the bad parameter, 503 when the database is down.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from callcenter.errors import CallCenterError
from callcenter.metrics import GROUPINGS, Rules
from callcenter.settings import Settings
from console.auth import require_login
from console.customers import _error, _json, _mapped
from console.i18n import labels_for, normalise_language
from console.sessions import Session, SessionStore, token_from_request
from crm_bridge import csv_io, reports

ROLES = frozenset({"supervisor", "admin"})


def setup_reports(app: web.Application, *, settings: Settings, store: Any, sessions: SessionStore,
                  render: Callable[..., web.Response], clock: Callable[[], datetime] | None = None) -> None:
    views = ReportViews(settings=settings, store=store, sessions=sessions, render=render, clock=clock)
    app.router.add_get("/reports", views.page, name="reports-page")
    app.router.add_get("/api/reports", views.api_report, name="reports-api")
    app.router.add_get("/api/reports.csv", views.api_csv, name="reports-api-csv")


class ReportViews:
    def __init__(self, *, settings: Settings, store: Any, sessions: SessionStore,
                 render: Callable[..., web.Response], clock: Callable[[], datetime] | None) -> None:
        self._rules = Rules.of(settings)
        self._store = store
        self._sessions = sessions
        self._render = render
        self._clock = clock or (lambda: datetime.now().astimezone())

    async def page(self, request: web.Request) -> web.Response:
        session = require_login(request, self._sessions, ROLES)
        language = normalise_language(request.query.get("lang"))
        if language and language != session.language:       # the layout's language links (?lang=en)
            self._sessions.set_language(session.token, language)
            session = self._sessions.get(session.token) or session
        today = self._clock().astimezone(self._rules.zone).date().isoformat()
        config = {"lang": session.language, "labels": labels_for(session.language), "today": today,
                  "groupings": list(GROUPINGS), "sl_target": self._rules.sl_target,
                  "user": {"agent_id": session.agent_id, "login": session.login, "name": session.name,
                           "role": session.role}}
        return self._render(request, "reports.html", language=session.language, user=session, config=config)

    def _session(self, request: web.Request) -> Session | web.Response:
        session = self._sessions.get(token_from_request(request))
        if session is None:
            return _error(401, "unauthenticated", "sign in first")
        if session.role not in ROLES:
            return _error(403, "forbidden", "reports are for supervisors and admins")
        return session

    async def _report(self, request: web.Request) -> dict[str, Any] | web.Response:
        session = self._session(request)
        if isinstance(session, web.Response):
            return session
        now = self._clock()
        try:
            start, end, by = reports.parse_range(request.query.get("from"), request.query.get("to"),
                                                 request.query.get("by"), now.astimezone(self._rules.zone).date())
            return await reports.report(self._store, self._rules, start, end, by, now)
        except CallCenterError as exc:
            return _mapped(exc)

    async def api_report(self, request: web.Request) -> web.Response:
        result = await self._report(request)
        return result if isinstance(result, web.Response) else _json(result)

    async def api_csv(self, request: web.Request) -> web.Response:
        result = await self._report(request)
        if isinstance(result, web.Response):
            return result
        lines = [csv_io.csv_line(csv_io.escape_cell(c) for c in cells) for cells in reports.csv_cells(result)]
        name = f"report-{result['by']}-{result['from']}-{result['to']}.csv"
        return web.Response(body=("\ufeff" + "".join(lines)).encode("utf-8"), headers={
            "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})

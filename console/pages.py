"""Console pages: ``/`` (redirect by role), ``/agent`` (agent desk), ``/supervisor`` (wallboard).

Pages are thin shells rendered with jinja2 (autoescape on): the layout, the labels, and a JSON block
(``<script type="application/json" id="cc-config">``, rendered with ``|tojson``) that the ES modules in
``/static/js/`` read; everything live arrives over the websocket. No customer data is rendered here
and no script is inline, so the Content-Security-Policy can say ``script-src 'self'``.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from console.auth import home_for, require_login
from console.http_errors import ERROR_ID_HEADER
from console.i18n import LANGUAGES, labels_for, normalise_language, queue_labels
from console.sessions import Session, SessionStore
from console.ws import SUPERVISOR_ROLES

log = logging.getLogger(__name__)


class PageViews:
    def __init__(self, *, sessions: SessionStore, jinja_key: web.AppKey[jinja2.Environment],
                 static_url: str = "/static/",
                 save_language: Callable[[int, str], Awaitable[None]] | None = None,
                 queues: Mapping[str, Any] | None = None) -> None:
        self._sessions = sessions
        self._queues = dict(queues or {})     # queues.<name>.label: every page reads queues by their label
        # Keeps the agent's interface language on their record: the next login opens in it.
        self._save_language = save_language
        self._jinja_key = jinja_key
        self._static_url = static_url

    def render(self, request: web.Request, template: str, *, language: str, status: int = 200,
               user: Session | None = None, config: dict[str, Any] | None = None, **context: Any) -> web.Response:
        """Render *template* with the layout's context; every page is ``no-store`` (it is personal). A
        page's JS labels get the configured queues' labels (``queue.<name>``) in its language."""
        if config is not None and "labels" in config:
            config = {**config, "labels": {**config["labels"], **queue_labels(self._queues, language)}}
        page = {"t": labels_for(language), "lang": language, "languages": LANGUAGES, "user": user,
                "config": config, "static": self._static_url, "path": request.path, **context}
        response = aiohttp_jinja2.render_template(template, request, page, app_key=self._jinja_key, status=status)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def index(self, request: web.Request) -> web.Response:
        session = require_login(request, self._sessions)
        raise web.HTTPFound(home_for(session.role))

    async def agent_desk(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        return self._console(request, session, "agent.html", "agent")

    async def supervisor(self, request: web.Request) -> web.Response:
        session = await self._session(request)
        if session.role not in SUPERVISOR_ROLES:
            response = self.render(request, "forbidden.html", language=session.language, status=403, user=session)
            response.headers[ERROR_ID_HEADER] = "forbidden"
            return response
        return self._console(request, session, "supervisor.html", "supervisor")

    async def _session(self, request: web.Request) -> Session:
        session = require_login(request, self._sessions)
        language = normalise_language(request.query.get("lang"))
        if language and language != session.language:
            self._sessions.set_language(session.token, language)
            if self._save_language is not None and session.agent_id is not None:
                try:
                    await self._save_language(session.agent_id, language)
                except Exception as exc:       # the page still switches; only the next login would not
                    log.warning("could not keep %s's language %s: %s", session.login, language, exc)
        return session

    def _console(self, request: web.Request, session: Session, template: str, view: str) -> web.Response:
        config = {
            "view": view,
            "lang": session.language,
            "ws": f"/ws?view={view}",
            "login_url": "/login",
            "user": {"agent_id": session.agent_id, "login": session.login, "name": session.name,
                     "role": session.role},
            "labels": labels_for(session.language),
        }
        return self.render(request, template, language=session.language, user=session, config=config)

"""Console route setup: ``setup_console(app, settings=..., store=..., engine=..., hub=..., switches=...)``.

``switches`` (``callcenter.switches.QueueSwitches``) gives supervisors the queues' "closed now"
switches; without it the supervisor page shows none and ``queue_switch`` is refused.

Routes: ``GET /`` (redirect by role), ``GET|POST /login``, ``POST /logout``, ``GET /agent``,
``GET /supervisor``, ``GET /ws`` (websocket), ``POST /api/desk/dial`` (click-to-dial from the customer
pages), ``GET /static/...`` (the top-level ``static/`` folder).
Every response gets the security headers below (Content-Security-Policy with ``script-src 'self'``:
the pages have no inline script, only a JSON data block), and over HTTPS (``console.site``)
Strict-Transport-Security. Every error carries an id (``console.http_errors``).

What the composition root still owns: the hub's notifier lifetime,
``app.cleanup_ctx.append(hub.lifetime(engine.wallboard))``. ``setup_console`` registers
``hub.on_shutdown`` (close every socket with 1001) itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import aiohttp_jinja2
import jinja2
from aiohttp import web

from callcenter.settings import Settings
from console.auth import AgentDirectory, AuthViews
from console.customers import setup_customers
from console.desk.click_to_dial import setup_click_to_dial
from console.http_errors import error_ids
from console.hub import Hub
from console.login_throttle import LoginThrottle
from console.pages import PageViews
from console.reports import setup_reports
from console.sessions import SessionStore
from console.site import SITE, Site, site_of
from console.ws import ConsoleEngine, ConsoleSocket, ConsoleSwitches, DispositionStore

CONSOLE_JINJA: web.AppKey[jinja2.Environment] = web.AppKey("console_jinja", jinja2.Environment)
SESSIONS: web.AppKey[SessionStore] = web.AppKey("console_sessions", SessionStore)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class ConsoleStore(AgentDirectory, DispositionStore, Protocol):
    """The part of ``crm_bridge.store.Store`` the console uses."""


def setup_console(app: web.Application, *, settings: Settings, store: ConsoleStore, engine: ConsoleEngine,
                  hub: Hub, static_dir: Path | str | None = None, sessions: SessionStore | None = None,
                  throttle: LoginThrottle | None = None, switches: ConsoleSwitches | None = None,
                  writes: Any = None) -> None:
    """Add the console's routes, templates, static files and headers to *app* (before it starts)."""
    if sessions is None:   # (an empty SessionStore is falsy: no `or` here)
        sessions = SessionStore(settings.http.session_hours * 3600.0)
    app[SESSIONS] = sessions
    app[SITE] = Site(settings.http)
    if throttle is None:
        throttle = LoginThrottle(settings.http.login_failures, settings.http.login_window_seconds,
                                 address_failures=settings.http.address_failures)
    app.middlewares.append(error_ids)
    aiohttp_jinja2.setup(app, app_key=CONSOLE_JINJA, loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
                         autoescape=True, undefined=jinja2.StrictUndefined, default_helpers=False)

    pages = PageViews(sessions=sessions, jinja_key=CONSOLE_JINJA, static_url="/static/",
                      save_language=store.set_agent_language, queues=settings.queues)
    auth = AuthViews(store=store, sessions=sessions, hub=hub, engine=engine, render=pages.render,
                     throttle=throttle)
    socket = ConsoleSocket(settings=settings, store=store, engine=engine, hub=hub, sessions=sessions,
                           switches=switches, writes=writes)

    app.router.add_get("/", pages.index, name="console-index")
    app.router.add_get("/login", auth.login_form, name="console-login")
    app.router.add_post("/login", auth.login)
    app.router.add_post("/logout", auth.logout, name="console-logout")
    app.router.add_get("/agent", pages.agent_desk, name="console-agent")
    app.router.add_get("/supervisor", pages.supervisor, name="console-supervisor")
    app.router.add_get("/ws", socket.handle, name="console-ws")
    setup_customers(app, store=store, sessions=sessions, render=pages.render, engine=engine,     # issue 11
                    agent_search=settings.privacy.agent_search, deputies=settings.routing.deputies)
    setup_click_to_dial(app, engine=engine, sessions=sessions)       # Dial on the customer pages (issue 10)
    setup_reports(app, settings=settings, store=store, sessions=sessions, render=pages.render)   # issue 5 reports
    app.router.add_static("/static/", Path(static_dir) if static_dir is not None else STATIC_DIR, name="static")

    app.on_response_prepare.append(_security_headers)
    app.on_shutdown.append(hub.on_shutdown)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    site = site_of(request)
    if site.hsts_seconds and site.is_https(request):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={site.hsts_seconds}")

"""An agent's browser on the desk, for the browser tests and the screenshot script.

Theory of operation. Chromium is Debian's (``/usr/bin/chromium``), never a Playwright download. A
:class:`Desk` is one browser context (its own cookies and locale) whose page signs in through the real
login form, as an agent does, and keeps aside what a person would notice besides the page itself: any
dialog the page opened and any uncaught error. A :class:`SocketGate` routes the page's websockets
through Playwright so that a test can drop them and refuse reconnects for a while.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from callcenter.simulator.config import Timing
from tests.e2e.stack import Stack

# The phone behind a demo agent's queue member interface.
PHONE = "Local/{login}@agent-phones/n"
# Phones ring long enough for a person to read the pop, and queue members are rung for 30 s (the
# FAST timing of the e2e tests gives up after 2 s, too short for a browser round trip). Calls last until
# the test hangs them up (``stack.sim.hangup``).
BROWSER_TIMING = Timing(prompt_seconds=0.02, digit_seconds=0.01, answer_after=2.5, talk_seconds=60.0,
                        member_timeout=30.0, retry=0.2, agi_idle_timeout=5.0)
TIMEOUT_MS = 10_000            # Playwright's wait for anything the server has to do
VIEWPORT = {"width": 1280, "height": 900}


def find_chromium() -> str | None:
    """Debian's Chromium binary (``CC_CHROMIUM`` overrides), or None."""
    candidates = (os.environ.get("CC_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser"), "/usr/lib/chromium/chromium")
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def launch_options() -> dict[str, Any]:
    """Headless Debian Chromium; its sandbox (``--no-sandbox`` off) only when not root: as root
    (CI containers) Chromium cannot start it."""
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("no Chromium found (Debian: apt-get install chromium fonts-noto-cjk; or set CC_CHROMIUM)")
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return {"executable_path": executable, "headless": True, "chromium_sandbox": not as_root}


class RoutedSocket:
    """One websocket of the page as the gate saw it: its URL and the server's frames, decoded."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.frames: list[dict[str, Any]] = []


class SocketGate:
    """The page's websockets routed through Playwright, so a test can drop them and refuse reconnects.

    ``await cut()`` closes every open socket (both sides: the server sees the browser go) and refuses
    new ones until ``reopen()``; the page's own reconnect loop (with its backoff) then gets through.
    """

    def __init__(self) -> None:
        self.is_open = True
        self.connections: list[RoutedSocket] = []
        self._live: list[WebSocketRoute] = []

    async def handle(self, route: WebSocketRoute) -> None:
        if not self.is_open:
            await route.close(code=4000, reason="network down (test)")
            return
        seen = RoutedSocket(route.url)
        self.connections.append(seen)
        server = route.connect_to_server()

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str):
                seen.frames.append(json.loads(message))
            route.send(message)

        server.on_message(to_page)
        self._live.append(route)

    async def cut(self) -> None:
        self.is_open = False
        live, self._live = self._live, []
        for route in live:
            await route.close(code=4000, reason="network down (test)")

    def reopen(self) -> None:
        self.is_open = True


class Desk:
    """An agent's browser tab on the desk."""

    def __init__(self, stack: Stack, context: BrowserContext, page: Page, login: str) -> None:
        self.stack = stack
        self.context = context
        self.page = page
        self.login = login
        self.dialogs: list[str] = []           # any alert()/confirm() the page opened
        self.errors: list[str] = []            # uncaught exceptions in the page
        self.watch(page)

    def watch(self, page: Page) -> None:
        """Keep this page's dialogs and uncaught errors too (a tab the desk opened)."""
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    @classmethod
    async def open(cls, browser: Browser, stack: Stack, login: str, password: str | None = None, *,
                   locale: str = "en", viewport: dict[str, int] | None = None,
                   gate: SocketGate | None = None) -> Desk:
        """A new browser context signed in as *login* (password ``demo<login>`` by default)."""
        context = await browser.new_context(locale=locale, viewport=viewport or VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        if gate is not None:
            await page.route_web_socket("**/ws*", gate.handle)
        desk = cls(stack, context, page, login)
        try:
            await desk.sign_in(password or f"demo{login}")
        except BaseException:
            await context.close()
            raise
        return desk

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    @property
    def phone(self) -> str:
        """The member interface of this agent's (simulated) phone: ``stack.sim.phone(desk.phone)``."""
        return PHONE.format(login=self.login)

    async def sign_in(self, password: str) -> None:
        page = self.page
        await page.goto(f"{self.stack.base_url}/login")
        await page.locator("#login").fill(self.login)
        await page.locator("#password").fill(password)
        await page.locator("form[action='/login'] button[type=submit]").click()
        await page.wait_for_url(f"{self.stack.base_url}/agent*", timeout=TIMEOUT_MS)
        # The desk is live once the hello snapshot arrived: the state badge leaves "unknown".
        await expect(page.locator("#state-badge")).not_to_have_class("badge state-unknown", timeout=TIMEOUT_MS)

    async def go_available(self) -> None:
        """Press Available and wait until Asterisk confirmed it (the badge changes)."""
        await self.page.locator("#btn-available").click()
        await expect(self.page.locator("#state-badge")).to_have_class("badge state-available", timeout=TIMEOUT_MS)

    async def close(self) -> None:
        await self.context.close()

"""Browser tests: the real server and the PBX simulator over sockets, driven through Debian's headless Chromium.

Theory of operation. One Chromium (Debian's ``/usr/bin/chromium``, never a Playwright download) is
launched per test session; each test gets a fresh :func:`running_stack` and opens desks with
:func:`desk`: a new browser context (its own cookies and locale) whose page signs in through the
real login form, exactly as an agent does. Playwright's async API shares pytest-asyncio's loop with the
server, so the browser module runs every test in the session loop (``loop_scope="session"``).

Without Chromium (or the ``playwright`` package) these tests skip on a developer machine and fail in CI
(``CI`` set): ``.ci/run`` installs Chromium, so a missing one there is a broken pipeline, not a reason
to pass quietly.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from callcenter.simulator.config import Timing
from tests.e2e.stack import Stack, running_stack

try:
    from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None  # type: ignore[assignment]

# Agents' phones (the member interfaces of the demo agents) and how long things take in these tests:
# the phone rings long enough for a person to read the pop, queue members are rung for 30 s (the
# FAST timing of the e2e tests gives up after 2 s, too short for a browser round trip).
PHONE = "Local/{login}@agent-phones/n"
BROWSER_TIMING = Timing(prompt_seconds=0.02, digit_seconds=0.01, answer_after=2.5, talk_seconds=60.0,
                        member_timeout=30.0, retry=0.2, agi_idle_timeout=5.0)
TIMEOUT_MS = 10_000            # Playwright's wait for anything the server has to do

BROWSER_DIR = Path(__file__).parent
if async_playwright is not None:
    expect.set_options(timeout=TIMEOUT_MS)


def find_chromium() -> str | None:
    """Debian's Chromium binary (``CC_CHROMIUM`` overrides), or None."""
    candidates = (os.environ.get("CC_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser"), "/usr/lib/chromium/chromium")
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def launch_args() -> list[str]:
    # Chromium refuses to start its sandbox as root (CI containers); as a normal user keep it.
    return ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test of this folder: the ``browser`` marker and the session's event loop (the browser lives there)."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if async_playwright is None:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    executable = find_chromium()
    if executable is None:
        _unavailable("no Chromium found (Debian: apt-get install chromium fonts-noto-cjk)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable, headless=True, args=launch_args())
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, timing=BROWSER_TIMING) as running:
        yield running


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
        self._live: list[Any] = []

    async def handle(self, route: Any) -> None:
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
    """An agent's browser tab on the desk, with what a person would notice kept aside."""

    def __init__(self, stack: Stack, context: BrowserContext, page: Page, login: str) -> None:
        self.stack = stack
        self.context = context
        self.page = page
        self.login = login
        self.dialogs: list[str] = []           # any alert()/confirm() the page opened
        self.errors: list[str] = []            # uncaught exceptions in the page
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    @property
    def phone(self) -> str:
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


OpenDesk = Callable[..., Awaitable[Desk]]


@pytest_asyncio.fixture(loop_scope="session")
async def desk(browser: Browser, stack: Stack) -> AsyncIterator[OpenDesk]:
    """``await desk("1002")``: a new browser (context) signed in as that agent on the desk.

    *gate*: route the page's websockets through a :class:`SocketGate` (to drop them).

    *locale* is the browser's language (``en`` or ``zh-CN``: the login page follows it, the desk then
    follows the agent's own setting). On teardown no page may have had an uncaught error.
    """
    opened: list[Desk] = []

    async def open_desk(login: str, password: str | None = None, *, locale: str = "en",
                        viewport: dict[str, int] | None = None, gate: SocketGate | None = None) -> Desk:
        context = await browser.new_context(locale=locale, viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        if gate is not None:
            await page.route_web_socket("**/ws*", gate.handle)
        agent_desk = Desk(stack, context, page, login)
        opened.append(agent_desk)
        await agent_desk.sign_in(password or f"demo{login}")
        return agent_desk

    try:
        yield open_desk
    finally:
        errors = [f"{d.login}: {e}" for d in opened for e in d.errors]
        for agent_desk in opened:
            with contextlib.suppress(Exception):
                await agent_desk.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"

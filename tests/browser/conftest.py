"""Browser tests: the real server and the PBX simulator over sockets, driven through Debian's headless Chromium.

One Chromium is launched per test session (``browser``); each test gets a fresh :func:`running_stack`
(``stack``) and opens desks with ``desk`` (see ``tests/browser/desk.py``). Playwright's async API shares
pytest-asyncio's loop with the server, so every test of this folder runs in the session's loop.

Without Chromium (or the ``playwright`` package) these tests skip on a developer machine and fail in CI
(``CI`` set): ``.ci/run`` installs Chromium, so a missing one there is a broken pipeline, not a reason
to pass quietly.
"""
from __future__ import annotations

import contextlib
import faulthandler
import importlib.util
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from tests.e2e.stack import Stack, running_stack

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from tests.browser.desk import Desk

BROWSER_DIR = Path(__file__).parent
TEST_DEADLINE_SECONDS = 120          # one test, setup and teardown included (they take seconds)
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
IN_CI = bool(os.environ.get("CI"))

# Locally without the package the test modules are not even collected (they import it); in CI they are,
# and their import error fails the run.
collect_ignore_glob = [] if HAVE_PLAYWRIGHT or IN_CI else ["test_*.py"]


def pytest_report_header(config: pytest.Config) -> str | None:
    if not HAVE_PLAYWRIGHT and not IN_CI:
        return "browser tests: not collected, the playwright package is missing (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test of this folder: the ``browser`` marker and the session's event loop (the browser lives there)."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.asyncio(loop_scope="session"), append=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """A browser test that hangs (a page waiting on a server that never answers) must not eat CI's
    time budget: past the deadline, dump every thread's stack and stop the run."""
    if BROWSER_DIR not in Path(str(item.path)).parents:
        yield
        return
    faulthandler.dump_traceback_later(TEST_DEADLINE_SECONDS, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright, expect

    from tests.browser.desk import TIMEOUT_MS, launch_options

    try:
        options = launch_options()
    except FileNotFoundError as exc:
        _unavailable(str(exc))
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(**options)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    from tests.browser.desk import BROWSER_TIMING

    async with running_stack(tmp_path, timing=BROWSER_TIMING) as running:
        yield running


OpenDesk = Callable[..., Awaitable["Desk"]]


@pytest_asyncio.fixture(loop_scope="session")
async def desk(browser: Browser, stack: Stack) -> AsyncIterator[OpenDesk]:
    """``await desk("1002")``: a new browser (context) signed in as that agent on the desk.

    Keywords: *password* (default ``demo<login>``), *locale* (the browser's language, ``en`` or
    ``zh-CN``: the login page follows it, the desk then follows the agent's own setting), *viewport*,
    *gate* (a :class:`SocketGate` to drop the page's websockets). On teardown no page may have had an
    uncaught error.
    """
    from tests.browser.desk import Desk

    opened: list[Desk] = []

    async def open_desk(login: str, password: str | None = None, **options: Any) -> Desk:
        agent_desk = await Desk.open(browser, stack, login, password, **options)
        opened.append(agent_desk)
        return agent_desk

    try:
        yield open_desk
    finally:
        errors = [f"{d.login}: {e}" for d in opened for e in d.errors]
        for agent_desk in opened:
            with contextlib.suppress(Exception):
                await agent_desk.close()
    assert not errors, f"uncaught errors in the page: {errors}"

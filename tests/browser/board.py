"""A supervisor's browser on the wallboard, for the browser tests and the screenshot script.

The same :class:`tests.browser.desk.Desk` (one browser context, dialogs and uncaught errors kept
aside), signed in through the real login form as a supervisor: the server sends supervisors to
``/supervisor``; the page is live once the first wallboard snapshot was drawn (``#board-updated``
leaves "–").
"""
from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.desk import TIMEOUT_MS, VIEWPORT, Desk
from tests.e2e.stack import Stack


async def open_board(browser: Browser, stack: Stack, login: str = "9001", *, locale: str = "zh-CN",
                     viewport: dict[str, int] | None = None, accept_dialogs: bool = False) -> Desk:
    """*accept_dialogs*: answer OK to any browser confirm()/prompt() (the page has none left: its actions
    ask in its own dialogs, see :func:`answer_dialog`); they are still kept in ``board.dialogs``."""
    context = await browser.new_context(locale=locale, viewport=viewport or VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    board = Desk(stack, context, page, login)
    if accept_dialogs:
        page.remove_listener("dialog", board._dialog)

        async def accept(dialog: Any) -> None:
            board.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.accept()

        page.on("dialog", accept)
    try:
        await page.goto(f"{stack.base_url}/login")
        await page.locator("#login").fill(login)
        await page.locator("#password").fill(f"demo{login}")
        await page.locator("form[action='/login'] button[type=submit]").click()
        await page.wait_for_url(f"{stack.base_url}/supervisor*", timeout=TIMEOUT_MS)
        await expect(page.locator("#board-updated")).not_to_have_text("–", timeout=TIMEOUT_MS)
    except BaseException:
        await context.close()
        raise
    return board


def queue_card(page: Page, label: str) -> Locator:
    """The wallboard's card of one queue, by its heading (the queue's label as configured)."""
    return page.locator("#board-queues article.queue-card").filter(
        has=page.get_by_role("heading", name=label, exact=True))


def queue_stat(page: Page, label: str, stat: str) -> Locator:
    """One figure of a queue card, by the text under it (``排队`` / ``Waiting`` ...)."""
    return queue_card(page, label).locator(".stat").filter(
        has=page.locator(".stat-label", has_text=stat)).locator(".stat-value")


def metric(page: Page, testid: str, label: str) -> Locator:
    """One figure of a metrics tile (``metrics-queue-standard``, ``metrics-tier-vip``) by its label."""
    return page.get_by_test_id(testid).locator(".metric").filter(
        has=page.locator(".metric-label", has_text=label)).locator(".metric-value")


def agent_row(page: Page, login: str) -> Locator:
    """The agents table's row of one agent, by login."""
    return page.locator("#board-agents tr").filter(has=page.get_by_role("cell", name=login, exact=True))


def action_dialog(page: Page) -> Locator:
    """The page's own action dialog (an open HTML <dialog>), as a person sees it."""
    return page.locator("dialog[open][data-testid=action-dialog]")


async def answer_dialog(page: Page, reason: str | None, *, other: str | None = None) -> None:
    """Pick *reason* (its label as shown) in the open action dialog, type *other* when given, and confirm."""
    dialog = action_dialog(page)
    await expect(dialog).to_be_visible()
    if reason is not None:
        await dialog.get_by_label(reason, exact=True).check()
    if other is not None:
        await dialog.locator("[data-role=other-text]").fill(other)
    await dialog.locator("[data-action=dialog-ok]").click()
    await expect(dialog).to_have_count(0)

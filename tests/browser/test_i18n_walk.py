"""Every page in Chinese and in English, walked in the real browser through the states that show the most
labels, fails on anything a reader would find untranslated (rules: ``tests/browser/i18n_scan.py``).

The walk: the login page; the agent desk signed out of the queues, refusing a wrong number (a server error
shown by its code), paused for lunch, ringing with 李娜's pop, on the call (hold pressed, the transfer
directory open), in wrap-up, saved with a complaint and a follow-up (the task list and its result form),
then dialling out (menu choice ``click-to-dial``, reason ``outbound``) and paused by the supervisor; the
customer search and 李娜's page; the wallboard with an unidentified caller waiting and its pause,
close-queue and reassign dialogs; the reports by day, hour, hour of day, queue, agent and tier; the TV
wallboard; the "not allowed" page.
"""
from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from crm_bridge.seed import DEMO_UNKNOWN_NUMBER, DEMO_VIP_NUMBER
from tests.browser.board import action_dialog, agent_row, open_board, queue_card
from tests.browser.i18n_scan import SCAN_JS, problems

LOCALES = {"zh": "zh-CN", "en": "en"}
VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")
TYPED = {"zh": ("计费", "五月漫游费被重复扣除。"), "en": ("Billing", "Roaming charged twice in May.")}


class Walk:
    """Reads each page it is shown and keeps what is untranslated, by page."""

    def __init__(self, language: str, names: list[str]) -> None:
        self.language = language
        self.names = names
        self.found: dict[str, list[str]] = {}

    async def read(self, page: Page, where: str) -> None:
        seen = await page.evaluate(SCAN_JS)
        self.text(where, seen["text"], seen["missing"])

    def text(self, where: str, text: str, missing: list[str] = ()) -> None:
        wrong = problems(self.language, text, missing, names=self.names)
        if wrong:
            self.found[where] = wrong

    def verdict(self) -> str:
        return "\n".join(f"{where}: {', '.join(wrong)}" for where, wrong in self.found.items())


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_every_page_reads_in_one_language(stack, desk, browser, language):
    walk = Walk(language, list(stack.settings.queues))
    base = stack.base_url

    # the login page follows the browser's language
    context = await browser.new_context(locale=LOCALES[language])
    login = await context.new_page()
    await login.goto(f"{base}/login")
    await walk.read(login, "login")
    await context.close()

    agent = await desk("1001", locale=LOCALES[language])
    page, badge = agent.page, agent.page.locator("#state-badge")
    await page.goto(f"{base}/agent?lang={language}")               # the agent's own setting follows
    await expect(badge).not_to_have_class("badge state-unknown")
    await walk.read(page, "desk, out of the queues")

    await page.locator("#dial-number").fill("12")                  # refused by the server: invalid-input
    await page.locator("#btn-dial").click()
    await expect(page.locator("[data-testid=desk-message].is-error")).not_to_have_count(0)
    await walk.read(page, "desk, a refused number")

    await agent.go_available()
    await page.locator("#pause-reason").select_option("lunch")
    await page.locator("#btn-pause").click()
    await expect(badge).to_have_class("badge state-paused")
    await walk.read(page, "desk, paused for lunch")
    await agent.go_available()

    stack.sim.phone(agent.phone).answer_after = 3.0
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(page.locator("#pop").get_by_test_id("pop-trace")).to_be_visible()
    await expect(badge).to_have_class("badge state-ringing")
    await walk.read(page, "desk, ringing")
    await expect(badge).to_have_class("badge state-on_call")
    await walk.read(page, "desk, on the call")
    await page.locator("#btn-hold").click()                        # held, or refused with a reason by its code
    await expect(page.locator("#cc-held:not([hidden]), [data-testid=desk-message].is-error").first).to_be_visible()
    await walk.read(page, "desk, hold pressed")
    if await page.locator("#cc-held").is_visible():
        await page.locator("#btn-resume").click()
        await expect(page.locator("#cc-held")).to_be_hidden()
    await page.locator("#btn-transfer").click()
    await expect(page.locator("#transfer-dialog")).to_be_visible()
    await walk.read(page, "desk, transfer dialog")
    stack.sim.hangup(call)
    await expect(badge).to_have_class("badge state-wrap_up")
    wrap = page.locator(".wrap-card").first
    await wrap.locator("select").first.select_option("complaint_logged")
    category, description = TYPED[language]
    await wrap.locator("input[type=text]").first.fill(category)
    await wrap.locator("textarea").nth(1).fill(description)
    await page.locator("#wrap-followup").check()                   # a follow-up: the task list shows it
    await walk.read(page, "desk, wrap-up")
    await wrap.locator("button[type=submit]").click()
    await expect(wrap.locator(".wrap-status")).to_have_class("wrap-status is-ok")
    await expect(page.locator("#tasks li.task").first).to_be_visible()
    await walk.read(page, "desk, wrap-up saved, a task")
    await page.locator("#tasks .task-done").first.click()          # the result form: results, satisfaction
    await expect(page.locator("#tasks .task-save").first).to_be_visible()
    await walk.read(page, "desk, a task's result form")

    # the supervisor watches while an unidentified caller waits and 1001 dials out
    board = await open_board(browser, stack, locale=LOCALES[language])
    await board.page.goto(f"{base}/supervisor?lang={language}")
    await expect(board.page.locator("#board-updated")).not_to_have_text("–")
    stack.sim.phone(agent.phone).answer_after = 0.5
    await page.locator("#dial-number").fill(DEMO_VIP_NUMBER)
    await page.locator("#btn-dial").click()
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_be_visible()
    await expect(badge).to_have_class("badge state-on_call")
    # nobody else is in the queues: the stranger waits (no account number, no PIN: the default queue)
    stranger = await stack.sim.place_call(DEMO_UNKNOWN_NUMBER.removeprefix("+86"), "", digits=("#", "#", "1"),
                                          talk_seconds=60)
    await expect(board.page.locator("#board-queues tbody tr").first).to_be_visible()
    await walk.read(page, "desk, dialling out")
    await expect(agent_row(board.page, "1001").locator(".badge")).to_have_class("badge state-on_call")
    await walk.read(board.page, "wallboard")
    stack.sim.hangup(stranger)
    await page.locator("#btn-hangup").click()
    await expect(badge).not_to_have_class("badge state-on_call")
    await walk.read(page, "desk, after dialling out")

    # the supervisor pauses 1001 in a dialog (reasons by label); the first reason is picked
    await agent_row(board.page, "1001").locator("[data-action=force-pause]").click()
    dialog = action_dialog(board.page)
    await expect(dialog).to_be_visible()
    await walk.read(board.page, "wallboard, pause dialog")
    await dialog.get_by_role("radio").first.check()
    await dialog.locator("[data-action=dialog-ok]").click()
    await expect(dialog).to_have_count(0)
    await expect(badge).to_have_class("badge state-paused")
    await expect(page.locator("#state-reason")).not_to_be_empty()
    await walk.read(page, "desk, paused by the supervisor")
    # and closes the vip queue (a reason is required): the card shows who closed it, when and why
    vip = queue_card(board.page, "vip")
    await vip.locator(".switch-line .btn").click()
    await expect(dialog).to_be_visible()
    await walk.read(board.page, "wallboard, close dialog")
    await dialog.get_by_role("radio").first.check()
    await dialog.locator("[data-action=dialog-ok]").click()
    await expect(vip.locator(".badge-closed")).to_be_visible()
    await walk.read(board.page, "wallboard, 1001 paused, vip closed")
    await board.page.locator("#complaints-board [data-action=reassign]").first.click()
    await expect(dialog).to_be_visible()
    await walk.read(board.page, "complaints board, reassign dialog")
    await board.page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    assert board.dialogs == []                                      # no prompt()/confirm()

    customers = await agent.context.new_page()
    agent.watch(customers)
    await customers.goto(f"{base}/customers?q=ln")
    row = customers.locator("[data-customer-id]").first
    await expect(row).to_be_visible()
    await walk.read(customers, "customer search")
    await row.get_by_role("link").first.click()
    await expect(customers.locator("#customer-calls tbody tr").first).to_be_visible()
    await expect(customers.locator("#customer-audit")).not_to_be_empty()
    await walk.read(customers, "customer page")

    reports = await board.context.new_page()
    board.watch(reports)
    for by in ("day", "hour", "hour_of_day", "queue", "agent", "tier"):
        await reports.goto(f"{base}/reports?by={by}")
        await expect(reports.locator("#report-body tr").first).to_be_visible()
        await walk.read(reports, f"reports by {by}")

    await reports.goto(f"{base}/supervisor?tv=1")                    # the TV wallboard
    await expect(reports.locator(".tv-tile").first).to_be_visible()
    await walk.read(reports, "TV wallboard")

    await page.goto(f"{base}/supervisor")                           # an agent on the supervisor's page
    await walk.read(page, "not allowed")

    assert not walk.found, f"untranslated in {language}:\n{walk.verdict()}"

"""Screenshots of every page in Chinese and English at 1366×768 and 1920×1080, for the visual pass.

    .venv/bin/python -m tests.browser.screenshots_pages [--out docs/screens] [--lang zh en]

Runs the whole system as the browser tests do (server + PBX simulator over sockets, demo data, Debian's
headless Chromium). Per language: agent 1001 (王伟) signs in; the desk idle, then ringing with 李娜's pop,
then in wrap-up with a complaint typed; the customer search and 李娜's page; supervisor 9001 (赵丽) on
the wallboard while agents 1003–1004 take calls; the reports by queue; the login page. Each state is shot
at both sizes (the viewport only, as a person sees it without scrolling):
``<page>-<lang>-<width>.png``.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from callcenter import appkeys, domain
from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.browser.board import open_board
from tests.browser.desk import BROWSER_TIMING, PHONE, TIMEOUT_MS, Desk, launch_options
from tests.e2e.stack import running_stack

ROOT = Path(__file__).resolve().parents[2]
SIZES = ({"width": 1366, "height": 768}, {"width": 1920, "height": 1080})
LOCALES = {"zh": "zh-CN", "en": "en"}
TYPED = {"zh": ("计费", "客户反映五月国际漫游费重复扣费，已解释计费规则并登记投诉。", "五月漫游费被重复扣除两次，要求退还。"),
         "en": ("Billing", "Roaming in May charged twice; explained the billing rules and logged a complaint.",
                "May roaming charged twice; the customer wants a refund.")}


async def shoot(page: Page, out: Path, name: str, language: str) -> list[Path]:
    taken = []
    for size in SIZES:
        await page.set_viewport_size(size)
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        await page.mouse.move(0, 0)
        path = out / f"{name}-{language}-{size['width']}.png"
        await page.screenshot(path=path)
        taken.append(path)
    return taken


async def take(out: Path, languages: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    expect.set_options(timeout=TIMEOUT_MS)
    for language in languages:
        with tempfile.TemporaryDirectory(prefix="cc-shots-") as tmp:
            async with running_stack(Path(tmp), timing=BROWSER_TIMING) as stack, async_playwright() as playwright:
                browser = await playwright.chromium.launch(**launch_options())
                try:
                    taken += await _walk(browser, stack, out, language)
                finally:
                    await browser.close()
    return taken


async def _walk(browser, stack, out: Path, language: str) -> list[Path]:
    taken: list[Path] = []
    base = stack.base_url
    context = await browser.new_context(locale=LOCALES[language], viewport=SIZES[0])
    login = await context.new_page()
    await login.goto(f"{base}/login")
    taken += await shoot(login, out, "login", language)
    await context.close()

    desk = await Desk.open(browser, stack, "1001", locale=LOCALES[language], viewport=SIZES[0])
    page, badge = desk.page, desk.page.locator("#state-badge")
    await page.goto(f"{base}/agent?lang={language}")
    await expect(badge).not_to_have_class("badge state-unknown")
    await desk.go_available()
    taken += await shoot(page, out, "desk-idle", language)

    stack.sim.phone(desk.phone).answer_after = 6.0
    call = await stack.sim.place_call(DEMO_VIP_NUMBER.removeprefix("+86"), "Li Na", digits=("1",), talk_seconds=60)
    await expect(page.locator("#pop").get_by_test_id("pop-trace")).to_be_visible()
    await expect(badge).to_have_class("badge state-ringing")
    taken += await shoot(page, out, "desk-ringing", language)
    await expect(badge).to_have_class("badge state-on_call")
    taken += await shoot(page, out, "desk-oncall", language)
    stack.sim.hangup(call)
    await expect(badge).to_have_class("badge state-wrap_up")
    category, notes, description = TYPED[language]
    wrap = page.locator(".wrap-card").first
    await wrap.locator("select").first.select_option("complaint_logged")
    await wrap.locator("textarea").first.fill(notes)
    await wrap.locator("input[type=text]").first.fill(category)
    await wrap.locator("select").nth(1).select_option("high")
    await wrap.locator("textarea").nth(1).fill(description)
    taken += await shoot(page, out, "desk-wrapup", language)
    await wrap.locator("button[type=submit]").click()
    await expect(wrap.locator(".wrap-status")).to_have_class("wrap-status is-ok")

    customers = await desk.context.new_page()
    await customers.goto(f"{base}/customers?q=ln")
    await expect(customers.locator("[data-customer-id]").first).to_be_visible()
    taken += await shoot(customers, out, "customer-search", language)
    await customers.locator("[data-customer-id]").first.get_by_role("link").first.click()
    await expect(customers.locator("#customer-calls tbody tr").first).to_be_visible()
    taken += await shoot(customers, out, "customer-page", language)

    board = await open_board(browser, stack, locale=LOCALES[language], viewport=SIZES[0])
    await board.page.goto(f"{base}/supervisor?lang={language}")
    ids = {a.login: a.id for a in await stack.store.list_agents()}
    for login, answer_after in (("1003", 1.0), ("1004", 30.0)):
        stack.sim.phone(PHONE.format(login=login)).answer_after = answer_after
        stack.app[appkeys.ENGINE].post(domain.AgentGoAvailable(ids[login]))
    callers = await stack.store.callers(12)
    calls = [await stack.sim.place_call(number.removeprefix("+86"), name, digits=("1",), talk_seconds=120)
             for number, name in callers[3:9]]
    await expect(board.page.locator("#board-agents .badge.state-on_call").first).to_be_visible()
    taken += await shoot(board.page, out, "wallboard", language)
    for placed in calls:
        stack.sim.hangup(placed)
    reports = await board.context.new_page()
    await reports.goto(f"{base}/reports?by=queue")
    await expect(reports.locator("#report-body tr").first).to_be_visible()
    taken += await shoot(reports, out, "reports", language)
    await board.close()
    await desk.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens", help="folder for the PNG files")
    parser.add_argument("--lang", nargs="+", default=list(LOCALES), choices=list(LOCALES))
    args = parser.parse_args()
    for path in asyncio.run(take(args.out, args.lang)):
        print(path)


if __name__ == "__main__":
    main()

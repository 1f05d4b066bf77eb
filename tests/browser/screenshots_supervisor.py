"""Screenshots for the README: the supervisor's wallboard in Chinese during a burst of calls, and the report.

    .venv/bin/python -m tests.browser.screenshots_supervisor [--out docs]

Runs the whole system as the browser tests do (server + PBX simulator over sockets, demo data, Debian's
headless Chromium): agents 1003–1006 go available, a burst of customers of every tier calls, two of the
agents' phones answer at once and two ring on; supervisor 9001 (赵丽) watches the wallboard
(``docs/supervisor-wallboard.png``) and the TV wallboard at 1920×1080 (``docs/supervisor-tv.png``),
then opens the day's report by queue (``docs/report.png``) and by hour in English (``docs/report-en.png``).
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright, expect

from callcenter import appkeys, domain
from callcenter.demo import _national
from tests.browser.board import open_board, queue_stat
from tests.browser.desk import BROWSER_TIMING, PHONE, TIMEOUT_MS, launch_options
from tests.e2e.stack import running_stack

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1280, "height": 1100}
AGENTS = {"1003": 1.0, "1004": 30.0, "1005": 1.0, "1006": 30.0}     # login -> seconds before the phone answers
BURST = 9
SAMPLES = {"metrics": {"sample_seconds": 0.5}}      # the sparklines get points within seconds


async def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    wallboard, report = out / "supervisor-wallboard.png", out / "report.png"
    tv, report_en = out / "supervisor-tv.png", out / "report-en.png"
    expect.set_options(timeout=TIMEOUT_MS)
    with tempfile.TemporaryDirectory(prefix="cc-shots-") as tmp:
        async with running_stack(Path(tmp), timing=BROWSER_TIMING, config=SAMPLES) as stack, \
                async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options())
            try:
                board = await open_board(browser, stack, viewport=VIEWPORT)
                page = board.page
                ids = {a.login: a.id for a in await stack.store.list_agents()}
                for login, answer_after in AGENTS.items():
                    stack.sim.phone(PHONE.format(login=login)).answer_after = answer_after
                    stack.app[appkeys.ENGINE].post(domain.AgentGoAvailable(ids[login]))
                await expect(queue_stat(page, "standard", "空闲坐席")).to_have_text("4")
                callers = [(_national(number), name) for number, name in await stack.store.callers(40)]
                step = max(1, len(callers) // BURST)
                calls = [await stack.sim.place_call(number, name, digits=("1",), talk_seconds=120)
                         for number, name in callers[::step][:BURST]]
                await expect(page.locator("#board-agents .badge.state-on_call")).to_have_count(2)
                await expect(page.locator("#board-agents .badge.state-ringing")).to_have_count(2)
                await page.mouse.move(0, 0)
                await page.screenshot(path=wallboard, full_page=True)
                big = await board.context.new_page()
                await big.set_viewport_size({"width": 1920, "height": 1080})
                await big.goto(f"{stack.base_url}/supervisor?tv=1")
                await expect(big.locator(".tv-state[data-state=on_call] .tv-value")).to_have_text("2")
                await big.mouse.move(0, 0)
                await big.screenshot(path=tv)

                # Every caller hangs up (answered calls complete, the others are abandoned); then the
                # day's report of the same floor, by queue, with its SVG charts.
                for call in calls:
                    stack.sim.hangup(call)
                reports = await board.context.new_page()
                await reports.goto(f"{stack.base_url}/reports?by=queue")
                await expect(reports.locator("#chart-volume svg")).to_be_visible()
                await expect(reports.locator("#chart-sl svg")).to_be_visible()
                await expect(reports.get_by_test_id("report-table")).to_contain_text("standard")
                await reports.mouse.move(0, 0)
                await reports.screenshot(path=report, full_page=True)
                await reports.goto(f"{stack.base_url}/reports?by=hour&lang=en")
                await expect(reports.locator("#chart-volume svg")).to_be_visible()
                await reports.screenshot(path=report_en, full_page=True)
                await board.close()
            finally:
                await browser.close()
    return [wallboard, tv, report, report_en]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files (default: docs/)")
    args = parser.parse_args()
    for path in asyncio.run(take(args.out)):
        print(path)


if __name__ == "__main__":
    main()

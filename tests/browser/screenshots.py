"""Screenshots of the agent desk in Chinese for the README: idle, ringing with the pop, wrap-up.

    .venv/bin/python -m tests.browser.screenshots [--out docs]

Runs the whole system as the browser tests do (server + PBX simulator over sockets, demo data, Debian's
headless Chromium) with agent 1001 (王伟, Chinese desk): goes available, a VIP customer (李娜, whose
account manager 1001 is) calls, the phone answers, the caller hangs up, and the wrap-up form is filled in.
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright, expect

from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.browser.desk import BROWSER_TIMING, TIMEOUT_MS, Desk, launch_options
from tests.e2e.stack import running_stack

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1280, "height": 1000}


async def content_box(page) -> dict[str, float]:
    """The top of the page down to the end of its content (an idle desk is short)."""
    bottom = await page.evaluate("Math.ceil(document.querySelector('main').getBoundingClientRect().bottom) + 24")
    return {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": min(VIEWPORT["height"], bottom)}


async def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = {name: out / f"agent-desk-{name}.png" for name in ("idle", "ringing", "wrapup")}
    expect.set_options(timeout=TIMEOUT_MS)
    with tempfile.TemporaryDirectory(prefix="cc-shots-") as tmp:
        async with running_stack(Path(tmp), timing=BROWSER_TIMING) as stack, async_playwright() as playwright:
            browser = await playwright.chromium.launch(**launch_options())
            try:
                desk = await Desk.open(browser, stack, "1001", locale="zh-CN", viewport=VIEWPORT)
                page, badge = desk.page, desk.page.locator("#state-badge")
                await desk.go_available()
                await page.mouse.move(0, 0)
                await page.screenshot(path=shots["idle"], clip=await content_box(page))

                stack.sim.phone(desk.phone).answer_after = 4.0            # rings long enough for the picture
                call = await stack.sim.place_call(DEMO_VIP_NUMBER.removeprefix("+86"), "Li Na", digits=("1",),
                                                  talk_seconds=60)
                await expect(page.locator("#pop").get_by_test_id("pop-trace")).to_be_visible()
                await expect(badge).to_have_text("振铃")
                await page.screenshot(path=shots["ringing"])

                await expect(badge).to_have_text("通话中")                 # the phone answered
                stack.sim.hangup(call)                                    # then the caller hangs up
                await expect(badge).to_have_text("话后处理")
                wrap = page.locator(".wrap-card").first
                await wrap.get_by_label("处理结果").select_option("complaint_logged")
                await wrap.get_by_label("备注").fill("客户反映五月国际漫游费重复扣费，已解释计费规则并登记投诉。")
                await wrap.get_by_label("投诉类别").fill("计费")
                await wrap.get_by_label("严重程度").select_option("high")
                await wrap.get_by_label("投诉描述").fill("五月漫游费被重复扣除两次，要求退还。")
                await page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
                await page.mouse.move(0, 0)
                await page.screenshot(path=shots["wrapup"])
                await desk.close()
            finally:
                await browser.close()
    return list(shots.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files (default: docs/)")
    args = parser.parse_args()
    for path in asyncio.run(take(args.out)):
        print(path)


if __name__ == "__main__":
    main()

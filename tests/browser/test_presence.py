"""Pause codes and presence in a real browser (issue 10): "pause after this call" pauses at the end of the
call with its code; a closed browser pauses the agent within the configured time and reopening restores
available; a pause beyond its code's limit is highlighted on the supervisor's wallboard and counted in the agent report."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import expect

from callcenter import appkeys
from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.browser.board import agent_row, open_board
from tests.browser.desk import BROWSER_TIMING, TIMEOUT_MS
from tests.e2e.stack import Stack, running_stack

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")
DISCONNECT_PAUSE_SECONDS = 2
DISCONNECT_LOGOUT_SECONDS = 6
PRESENCE = {"console": {
    "pause_reasons": [{"code": "lunch", "limit_minutes": 60}, {"code": "break", "limit_minutes": 0.02}],  # 1 s
    "presence": {"disconnect_pause_seconds": DISCONNECT_PAUSE_SECONDS,
                 "disconnect_logout_seconds": DISCONNECT_LOGOUT_SECONDS}}}


@pytest_asyncio.fixture(loop_scope="session")
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """This module's server: short presence timers and a pause code with a 1 s limit."""
    async with running_stack(tmp_path, timing=BROWSER_TIMING, config=PRESENCE) as running:
        yield running


async def test_pause_after_this_call_pauses_at_the_end_of_the_call_with_its_code(stack, desk):
    agent = await desk("1002")
    page, badge, reason = agent.page, agent.page.locator("#state-badge"), agent.page.locator("#state-reason")
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 0.5
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(badge).to_have_text("On call")

    await page.locator("#pause-reason").select_option("lunch")
    await page.get_by_test_id("pause-after-call").click()
    armed = page.get_by_test_id("pause-armed")
    await expect(armed).to_be_visible()
    await expect(armed).to_contain_text("Pausing after this call: Lunch")
    await expect(badge).to_have_text("On call")              # the call goes on

    stack.sim.hangup(call)
    await expect(badge).to_have_text("Wrap-up")
    wrap = page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("resolved")
    await wrap.get_by_role("button", name="Save").click()
    await expect(wrap.get_by_role("status")).to_have_text("Saved")

    await expect(badge).to_have_text("Paused")               # not available: paused with the chosen code
    await expect(reason).to_have_text("Lunch · limit 60 min")
    await expect(armed).to_be_hidden()


async def test_the_armed_pause_can_be_cancelled(stack, desk):
    agent = await desk("1002")
    page, badge = agent.page, agent.page.locator("#state-badge")
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 0.5
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(badge).to_have_text("On call")
    await page.get_by_test_id("pause-after-call").click()
    await expect(page.get_by_test_id("pause-armed")).to_be_visible()
    await page.get_by_test_id("pause-after-call-cancel").click()
    await expect(page.get_by_test_id("pause-armed")).to_be_hidden()
    stack.sim.hangup(call)
    wrap = page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("resolved")
    await wrap.get_by_role("button", name="Save").click()
    await expect(badge).to_have_text("Available")


async def test_a_closed_browser_pauses_the_agent_in_time_and_reopening_restores_available(stack, desk, browser):
    board = await open_board(browser, stack)                 # the supervisor watches (zh)
    try:
        agent = await desk("1002")
        await agent.go_available()
        row = agent_row(board.page, "1002")
        await expect(row).to_have_attribute("data-state", "available")

        loop = asyncio.get_running_loop()
        closed_at = loop.time()
        await agent.close()                                  # the agent closes the browser without signing out
        await expect(row).to_have_attribute("data-state", "paused", timeout=(DISCONNECT_PAUSE_SECONDS + 5) * 1000)
        await expect(row).to_contain_text("连接中断")            # "connection lost", labelled, never the raw code
        took = loop.time() - closed_at
        assert took >= DISCONNECT_PAUSE_SECONDS - 0.5, f"paused after {took:.1f}s, before the configured time"

        again = await desk("1002")                           # the agent opens the desk again
        await expect(again.page.locator("#state-badge")).to_have_text("Available")
        await expect(again.page.get_by_test_id("desk-message").filter(has_text="Connection back")).to_be_visible()
        await expect(row).to_have_attribute("data-state", "available")
    finally:
        await board.close()


async def test_a_browser_gone_longer_logs_the_agent_out_and_reopening_puts_them_back_paused(stack, desk, browser):
    board = await open_board(browser, stack)
    try:
        agent = await desk("1002")
        await agent.go_available()
        await agent.page.locator("#pause-reason").select_option("lunch")
        await agent.page.locator("#btn-pause").click()
        row = agent_row(board.page, "1002")
        await expect(row).to_have_attribute("data-state", "paused")
        await agent.close()
        await expect(row).to_have_attribute("data-state", "logged_out", timeout=(DISCONNECT_LOGOUT_SECONDS + 5) * 1000)

        again = await desk("1002")
        await expect(again.page.locator("#state-badge")).to_have_text("Paused")     # with their own code back
        await expect(again.page.locator("#state-reason")).to_contain_text("Lunch")
        await expect(row).to_have_attribute("data-state", "paused")
    finally:
        await board.close()


async def test_a_second_open_tab_keeps_the_agent_present(stack, desk):
    agent = await desk("1002")
    await agent.go_available()
    second = await agent.context.new_page()
    await second.goto(f"{stack.base_url}/agent")
    await expect(second.locator("#state-badge")).to_have_text("Available")
    engine, agent_id = stack.app[appkeys.ENGINE], (await stack.store.agent_by_login("1002")).id
    gone = asyncio.Event()
    post = engine.post

    def spy(event):
        post(event)
        if type(event).__name__ == "DeskDisconnected":
            gone.set()
    engine.post = spy
    try:
        await agent.page.close()                             # one tab closed, the other still open
        await expect(second.locator("#state-badge")).to_have_text("Available")
        assert not gone.is_set()
        with_tab = engine.agent_snapshot(agent_id)["agent"]
        assert with_tab["state"] == "available"
    finally:
        engine.post = post


async def test_a_pause_beyond_its_limit_is_highlighted_on_the_wallboard(stack, desk, browser):
    board = await open_board(browser, stack)
    try:
        agent = await desk("1002")
        await agent.go_available()
        page = agent.page
        await page.locator("#pause-reason").select_option("break")       # limit: 1 s
        await page.locator("#btn-pause").click()
        await expect(page.locator("#state-badge")).to_have_text("Paused")
        row = agent_row(board.page, "1002")
        await expect(row).to_have_attribute("data-state", "paused")
        await expect(row).to_have_class(re.compile(r"\bover-limit\b"), timeout=TIMEOUT_MS)  # on time, by the page's clock
        over = row.locator("[data-role=over-limit]")
        await expect(over).to_contain_text("超时")
        await expect(row).to_contain_text("小休")                           # the code, labelled
        # Stay paused a few seconds more (the desk's own clock shows it): the report counts 0.1 min over.
        await expect(page.locator("#state-timer")).to_have_text(re.compile(r"^0:(0[8-9]|[1-5]\d)$"))

        await page.locator("#btn-available").click()                       # back: the highlight goes
        await expect(row).to_have_attribute("data-state", "available")
        await expect(row.locator("[data-role=over-limit]")).to_have_count(0)
        await expect(row).not_to_have_class(re.compile(r"\bover-limit\b"))

        # The agent report counts the minutes beyond the limit (highlighted), per agent.
        await board.page.goto(f"{stack.base_url}/reports?by=agent")
        await expect(board.page.locator("#report-head")).to_contain_text("暂停超时（分钟）")
        report_row = board.page.locator("#report-body tr").filter(has_text="(1002)")
        await expect(report_row.locator("td.over-limit")).to_have_count(1)
        assert float(await report_row.locator("td.over-limit").text_content()) > 0
    finally:
        await board.close()

"""The supervisor's wallboard in a real browser while the simulator runs a burst of calls."""
from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import expect

from callcenter import appkeys, domain
from crm_bridge.seed import DEMO_INDIVIDUAL_NUMBER, DEMO_VIP_NUMBER
from tests.browser.board import action_dialog, agent_row, answer_dialog, metric, open_board, queue_card, queue_stat
from tests.browser.desk import BROWSER_TIMING, PHONE, Desk
from tests.e2e.stack import eventually, running_stack

CALLER = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")      # an individual customer: queued in "standard"
ANSWERING = ("1005", "1006")                             # the two agents of "standard" only
VIP = DEMO_VIP_NUMBER.removeprefix("+86")
TINY = {"supervision": {"paused_minutes": 0.005}}        # paused for more than 0.3 s is stuck


@pytest_asyncio.fixture(loop_scope="session")
async def board(browser, stack) -> AsyncIterator[Desk]:
    """Supervisor 9001 (赵丽, Chinese) on the wallboard; no uncaught error in the page by the end."""
    opened = await open_board(browser, stack)
    try:
        yield opened
    finally:
        errors = list(opened.errors)
        with contextlib.suppress(Exception):
            await opened.close()
    assert not errors, f"uncaught errors in the wallboard: {errors}"


async def test_waiting_counts_follow_a_burst_as_calls_are_answered_and_abandoned(stack, board):
    page = board.page
    waiting, free = queue_stat(page, "standard", "排队"), queue_stat(page, "standard", "空闲坐席")
    await expect(waiting).to_have_text("0")
    for label in ("服务水平", "放弃率"):                                     # nothing answered or abandoned today
        await expect(metric(page, "metrics-queue-standard", label)).to_have_text("–")
    agents = {a.login: a.id for a in await stack.store.list_agents()}
    for login in ANSWERING:
        stack.sim.phone(PHONE.format(login=login)).answer_after = 3.0     # all six are in before any answer
        stack.app[appkeys.ENGINE].post(domain.AgentGoAvailable(agents[login]))
    await expect(free).to_have_text("2")                                  # Asterisk confirmed both logins

    # Four callers: both phones ring (for 3 s) the first of them; then two more callers, who give up
    # after 6 s. On the board: 6 waiting (ringing calls still wait), 4 once answered, 2 once they gave up.
    patient = [await stack.sim.place_call(CALLER, "Liu Qiang", digits=("1",), talk_seconds=60) for _ in range(4)]
    for login in ANSWERING:
        await expect(agent_row(page, login).locator(".badge")).to_have_text("振铃")
    impatient = [await stack.sim.place_call(CALLER, "Liu Qiang", digits=("1",), patience=6.0) for _ in range(2)]
    calls = patient + impatient
    await expect(waiting).to_have_text("6")                               # ringing calls still wait
    await expect(page.locator("#board-queues tbody tr:not(.trace-row)")).to_have_count(6)

    await expect(waiting).to_have_text("4")                               # the two phones answered
    for login in ANSWERING:
        await expect(agent_row(page, login).locator(".badge")).to_have_text("通话中")
    await expect(free).to_have_text("0")

    await expect(metric(page, "metrics-queue-standard", "服务水平")).to_have_text(re.compile(r"\d"))
    await expect(waiting).to_have_text("2")                               # two callers gave up
    await expect(metric(page, "metrics-queue-standard", "放弃率")).to_have_text(re.compile(r"[1-9]"))
    assert [call.outcome for call in impatient] == ["abandoned", "abandoned"]
    assert [call.outcome for call in calls].count(None) == 4


async def test_a_stuck_agent_is_fixed_in_one_click_and_a_call_is_listened_to(browser, tmp_path: Path):
    async with running_stack(tmp_path, timing=BROWSER_TIMING, config=TINY) as stack:
        board = await open_board(browser, stack)
        try:
            page = board.page
            agents = {a.login: a.id for a in await stack.store.list_agents()}
            phone = PHONE.format(login="1002")
            stack.app[appkeys.ENGINE].post(domain.AgentGoPaused(agents["1002"], "break"))
            row = agent_row(page, "1002")
            await expect(row).to_have_class(re.compile(r"\bstuck\b"))     # paused beyond the limit
            assert stack.sim.queue_state("vip").member(phone).paused

            await row.locator("[data-action=force-available]").click()
            await answer_dialog(page, "暂停已结束")
            await expect(row).not_to_have_class(re.compile(r"\bstuck\b"))
            await expect(row.locator(".badge")).to_have_text("空闲")
            assert not stack.sim.queue_state("vip").member(phone).paused     # Asterisk unpaused the agent

            # 李娜 calls; 1002 answers (1001, her manager, is logged out); the supervisor listens in.
            await stack.sim.place_call(VIP, "Li Na", digits=("1",), talk_seconds=60)
            await expect(row).to_have_attribute("data-state", "on_call")
            await row.locator("[data-action=spy-listen]").click()
            await expect(action_dialog(page)).to_contain_text("您的话机将振铃")
            await answer_dialog(page, None)

            async def chanspy():
                return next((e for e in stack.sim_events if e.name == "ChanSpyStart"), None)

            start = await eventually(chanspy, what="the simulator started ChanSpy")
            assert start.get("SpyerChannel").startswith("Local/9001@agent-phones-")
            assert start.get("SpyeeChannel").startswith("Local/1002@agent-phones-")
            assert "9001@agent-phones/n" in [e.get("DialString") for e in stack.sim_events if e.name == "DialBegin"]
        finally:
            errors = list(board.errors) + list(board.dialogs)
            await board.close()
        assert not errors, f"uncaught errors or browser dialogs in the wallboard: {errors}"


async def test_a_forced_pause_is_picked_in_a_dialog_and_the_agent_desk_shows_it(stack, board, desk):
    page = board.page
    agent = await desk("1002")                                           # English desk
    await agent.go_available()
    row = agent_row(page, "1002")
    await expect(row).to_have_attribute("data-state", "available")
    # Only what applies to an available agent: no "make available", but pause and log out.
    await expect(row.locator("[data-action=force-available]")).to_have_count(0)
    await expect(row.locator("[data-action=force-pause]")).to_be_visible()

    # Escape cancels: nothing is sent, the agent stays available.
    await row.locator("[data-action=force-pause]").click()
    await expect(action_dialog(page)).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(action_dialog(page)).to_have_count(0)
    await expect(row).to_have_attribute("data-state", "available")

    # With the keyboard: the first reason has the focus; Space picks it, the arrow moves to the next.
    await row.locator("[data-action=force-pause]").click()
    dialog = action_dialog(page)
    await expect(dialog.get_by_role("radio")).to_have_count(4)          # the configured pause reasons
    await expect(dialog.get_by_role("radio", name="午餐")).to_be_focused()
    await page.keyboard.press("Space")
    await page.keyboard.press("ArrowDown")
    await expect(dialog.get_by_role("radio", name="培训")).to_be_checked()
    await dialog.locator("[data-action=dialog-ok]").click()
    await expect(dialog).to_have_count(0)

    await expect(row).to_have_attribute("data-state", "paused")
    await expect(agent.page.locator("#state-badge")).to_have_text("Paused")
    await expect(agent.page.locator("#state-reason")).to_have_text("Training")
    assert board.dialogs == []                                           # no prompt()/confirm() any more


async def test_a_logged_out_agent_has_no_log_out_and_a_reason_is_needed(stack, board):
    page = board.page
    row = agent_row(page, "1001")                                        # never logged in today
    await expect(row).to_have_attribute("data-state", "logged_out")
    for action in ("force-logout", "force-pause", "force-available", "spy-listen"):
        await expect(row.locator(f"[data-action={action}]")).to_have_count(0)
    await expect(row.locator(".row-actions")).to_have_text("无可用操作")

    agents = {a.login: a.id for a in await stack.store.list_agents()}
    stack.app[appkeys.ENGINE].post(domain.AgentGoAvailable(agents["1003"]))
    other = agent_row(page, "1003")
    await expect(other).to_have_attribute("data-state", "available")
    await other.locator("[data-action=force-logout]").click()
    dialog = action_dialog(page)
    await dialog.locator("[data-action=dialog-ok]").click()               # no reason picked yet
    await expect(dialog.locator("[data-role=dialog-error]")).to_have_text("请选择一个原因。")
    await dialog.get_by_label("其他（请说明）").check()
    await dialog.locator("[data-action=dialog-ok]").click()               # "other" needs words
    await expect(dialog.locator("[data-role=dialog-error]")).to_have_text("请填写原因说明。")
    await answer_dialog(page, None, other="交接班")
    await expect(other).to_have_attribute("data-state", "logged_out")
    entries = await stack.store.audit_entries(entity="agent", entity_id=agents["1003"])
    assert any(e["after"].get("reason") == "交接班" for e in entries if e["action"] == "agent.force")


TV_RULES = {"metrics": {"sl_seconds": 1.5, "sl_target": 0.6, "short_abandon_seconds": 0.5, "sample_seconds": 0.3}}
TV = {"width": 1920, "height": 1080}


async def test_the_tv_wallboard_shows_each_queue_in_large_tiles_coloured_against_the_targets(browser, tmp_path: Path):
    async with running_stack(tmp_path, timing=BROWSER_TIMING, config=TV_RULES) as stack:
        board = await open_board(browser, stack, viewport=TV)
        try:
            page = board.page
            await page.locator("[data-action=tv-open]").click()
            await page.wait_for_url("**/supervisor?tv=1")
            tile = page.get_by_test_id("tv-queue-standard")
            await expect(page.locator(".tv-tile")).to_have_count(len(stack.settings.queues))
            waiting, longest, sl = (tile.locator(f"[data-role={r}]") for r in ("waiting", "longest", "sl"))
            await expect(waiting.locator(".tv-value")).to_have_text("0")
            await expect(sl).to_have_attribute("data-level", "none")          # no call counted yet
            # Readable from across the room: the figures are large and every tile fits the screen.
            # (measured in one step: the tiles are drawn again with every frame)
            layout = await page.evaluate("""() => ({
                value: document.querySelector('[data-testid=tv-queue-standard] [data-role=waiting] .tv-value')
                    .getBoundingClientRect().height,
                rights: [...document.querySelectorAll('.tv-tile')].map((t) => t.getBoundingClientRect().right),
                bottoms: [...document.querySelectorAll('.tv-tile, .tv-agents')].map((t) => t.getBoundingClientRect().bottom),
            })""")
            assert layout["value"] >= 70, layout
            assert all(0 < right <= TV["width"] for right in layout["rights"]), layout
            assert all(0 < bottom <= TV["height"] for bottom in layout["bottoms"]), layout   # no scrolling

            # Nobody in "standard": a caller waits; past sl_seconds the longest wait turns red.
            caller = await stack.sim.place_call(CALLER, "Liu Qiang", digits=("1",), patience=3.0)
            await expect(waiting.locator(".tv-value")).to_have_text("1")
            await expect(waiting).not_to_have_attribute("data-level", "ok")    # nobody free to take them
            await expect(waiting.locator(".tv-word")).to_have_text("无空闲坐席")
            await expect(longest).to_have_attribute("data-level", "bad")
            await expect(waiting).to_have_attribute("data-level", "bad")
            await expect(longest.locator(".tv-value")).to_have_text(re.compile(r"0:0[1-9]"))
            await expect(waiting.locator(".tv-value")).to_have_text("0")       # they gave up
            assert caller.outcome == "abandoned"
            await expect(sl).to_have_attribute("data-level", "bad")           # 0 % against 80 %
            await expect(sl.locator(".tv-value")).to_have_text("0%")
            await expect(tile).to_have_class(re.compile(r"\bis-bad\b"))

            # Both agents of "standard" answer the next two callers at once: 2 of 3 within the threshold,
            # 67 % against the 60 % target: the tile turns green.
            agents = {a.login: a.id for a in await stack.store.list_agents()}
            for login in ANSWERING:
                stack.sim.phone(PHONE.format(login=login)).answer_after = 0.1
                stack.app[appkeys.ENGINE].post(domain.AgentGoAvailable(agents[login]))
            await expect(page.locator(".tv-state[data-state=available] .tv-value")).to_have_text("2")
            for n in (1, 2):
                await stack.sim.place_call(CALLER, "Liu Qiang", digits=("1",), talk_seconds=0.2)
                await eventually_answered(stack, n)
            await expect(sl).to_have_attribute("data-level", "ok")
            await expect(sl.locator(".tv-value")).to_have_text("67%")
            await expect(sl.locator(".tv-word")).to_have_text("达标 · 目标 60%")
            await expect(tile).to_have_class(re.compile(r"\bis-ok\b"))

            # The sparklines drew the day's samples: the waiting caller is the peak of the waiting line.
            spark = tile.locator(".sparkline-waiting")
            await expect(spark).to_have_attribute("data-samples", re.compile(r"^(?:[3-9]|\d{2,})$"))
            await expect(spark.locator("svg title")).to_contain_text("最高 1")
            points = await spark.locator("polyline").get_attribute("data-points")
            assert points is not None and int(points) >= 3
            await expect(tile.locator(".sparkline-sl svg title")).to_contain_text("当前 67%")
        finally:
            errors = list(board.errors) + list(board.dialogs)
            await board.close()
        assert not errors, f"uncaught errors or browser dialogs on the TV wallboard: {errors}"


async def eventually_answered(stack, count: int) -> None:
    """Wait until *count* calls of "standard" were answered and finished (today's figures)."""
    async def done():
        figures = stack.app[appkeys.ENGINE].metrics.figures("queue").get("standard") or {}
        return figures.get("answered", 0) >= count or None

    await eventually(done, what=f"{count} answered calls in standard")


async def test_rows_show_missing_outcomes_and_a_pause_over_its_limit_when_the_server_sends_them(stack, board):
    """Other parts of issue 10 add these fields to the rows; the page draws them when they are there."""
    page = board.page
    engine = stack.app[appkeys.ENGINE]
    agents = {a.login: a.id for a in await stack.store.list_agents()}
    plain = engine.wallboard

    def with_fields() -> dict:
        snapshot = plain()
        for row in snapshot["agents"]:
            if row["login"] == "1002":
                row.update(missing_outcomes=3, pause_limit_seconds=1)
        return snapshot

    engine.wallboard = with_fields                       # the hub asks the engine for every snapshot
    stack.app[appkeys.ENGINE].post(domain.AgentGoPaused(agents["1002"], "break"))
    row = agent_row(page, "1002")
    await expect(row.locator("[data-role=missing-outcomes]")).to_have_text("未填结果 3")
    await expect(row).to_have_class(re.compile(r"\bover-limit\b"))        # paused beyond 1 s, between frames
    await expect(row.locator("[data-role=over-limit]")).to_have_text("超时 1 分钟")
    await expect(agent_row(page, "1003").locator("[data-role=missing-outcomes]")).to_have_count(0)


async def test_closing_a_queue_and_reassigning_a_complaint_go_through_dialogs_with_reasons(stack, board):
    page = board.page
    card = queue_card(page, "standard")
    await card.get_by_role("button", name="立即关闭").click()
    await expect(action_dialog(page).get_by_role("heading")).to_have_text("立即关闭队列「standard」")
    await answer_dialog(page, "系统故障")
    await expect(card.locator(".badge-closed")).to_have_text("已关闭")
    await expect(card.locator(".switch-reason")).to_have_text("原因：系统故障")           # the code, labelled
    await card.get_by_role("button", name="重新开放").click()
    await answer_dialog(page, None)                                      # reopening needs no reason
    await expect(card.locator(".badge-closed")).to_have_count(0)

    complaint = page.locator("#complaints-board tr[data-complaint-id]").first
    await expect(complaint).to_be_visible()
    await complaint.locator("[data-action=reassign]").click()
    dialog = action_dialog(page)
    await dialog.locator("[data-action=dialog-ok]").click()
    await expect(dialog.locator("[data-role=dialog-error]")).to_have_text("请选择新责任人。")
    await dialog.get_by_label("新责任人").select_option(label="陈静 (1006)")
    await answer_dialog(page, "工作量调整")
    await expect(complaint).to_contain_text("陈静 (1006)")
    entries = await stack.store.audit_entries(entity="complaint")
    assert any("工作量调整" in str(e["after"]) for e in entries), entries[:2]

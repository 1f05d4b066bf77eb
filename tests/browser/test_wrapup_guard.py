"""Wrap-up that cannot be cut short and nothing unsaved, in a real browser: with a caller waiting, the
agent in wrap-up is not rung until they save; a reload keeps the typed draft; an unsaved call stays on
the pending list across a server restart and can be saved from there."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import expect

from crm_bridge.seed import DEMO_FAMILY_NUMBER, DEMO_INDIVIDUAL_NUMBER
from tests.browser.desk import Desk
from tests.e2e.stack import eventually

LIU = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")        # 刘强: the standard queue
WANG = DEMO_FAMILY_NUMBER.removeprefix("+86")           # 王芳: the standard queue
QUIET = 3.0          # seconds the waiting caller must not ring the agent in wrap-up (the simulator retries each 0.2 s)


async def interaction_of(stack: Any, call_id: str) -> dict[str, Any] | None:
    rows = await stack.store.recent_interactions(50)
    return next((r for r in rows if r["call_id"] == call_id), None)


async def answered_then_ended(stack: Any, agent: Desk, number: str = LIU, name: str = "刘强") -> Any:
    """A caller reaches the agent, talks, hangs up: the desk is in wrap-up."""
    badge = agent.page.locator("#state-badge")
    call = await stack.sim.place_call(number, name, digits=("1",), talk_seconds=600)
    await expect(agent.page.locator("#pop").get_by_test_id("pop-name")).to_have_text(name)
    await expect(badge).to_have_text("On call")
    stack.sim.hangup(call)
    await expect(badge).to_have_text("Wrap-up")
    return call


async def test_with_a_caller_waiting_the_agent_in_wrap_up_is_not_rung_until_they_save(stack, desk):
    agent = await desk("1002")
    page, badge = agent.page, agent.page.locator("#state-badge")
    await agent.go_available()
    first = await stack.sim.place_call(LIU, "刘强", digits=("1",), talk_seconds=600)
    await expect(badge).to_have_text("On call")
    assert await page.locator("#wrapup-countdown").is_hidden()

    rung = asyncio.Event()
    waiting: dict[str, str] = {}

    def watch(event: Any) -> None:
        if event.name == "QueueCallerJoin" and event.get("CallerIDNum") == WANG:
            waiting["call_id"] = event.get("Uniqueid")
        if event.name == "AgentCalled" and event.get("Uniqueid") == waiting.get("call_id"):
            rung.set()

    stack.sim.add_listener(watch)
    second = await stack.sim.place_call(WANG, "王芳", digits=("1",), talk_seconds=600)
    await eventually(lambda: _async(waiting.get("call_id")), what="the second caller waits in the queue")

    stack.sim.hangup(first)
    await expect(badge).to_have_text("Wrap-up")
    countdown = page.get_by_test_id("wrapup-countdown")
    await expect(countdown).to_be_visible()
    await expect(countdown).to_contain_text("Wrap-up ends in")
    # The phone is free and a caller waits: still nothing rings while the form is open.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(rung.wait(), QUIET)
    await expect(badge).to_have_text("Wrap-up")
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_have_text("刘强")

    wrap = page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("resolved")
    await wrap.get_by_role("button", name="Save").click()
    await expect(wrap.get_by_role("status")).to_have_text("Saved")
    await asyncio.wait_for(rung.wait(), 10)                     # the save lets the waiting caller through
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_have_text("王芳")
    await expect(badge).to_have_text("Ringing")
    await expect(countdown).to_be_hidden()
    stack.sim.hangup(second)


async def test_a_reload_during_wrap_up_keeps_the_typed_draft_until_it_is_saved(stack, desk):
    agent = await desk("1002")
    page = agent.page
    await agent.go_available()
    call = await answered_then_ended(stack, agent)
    wrap = page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("complaint_logged")
    await wrap.get_by_label("Notes").fill("wants the fee back")
    await wrap.get_by_label("Complaint category").fill("billing")
    await wrap.get_by_label("Severity").select_option("high")
    await wrap.get_by_label("Description").fill("charged a roaming fee at home")

    await page.reload()
    await expect(page.locator("#state-badge")).to_have_text("Wrap-up")
    wrap = page.locator(".wrap-card")
    await expect(wrap).to_have_count(1)
    await expect(wrap.get_by_label("Outcome")).to_have_value("complaint_logged")
    await expect(wrap.get_by_label("Notes")).to_have_value("wants the fee back")
    await expect(wrap.get_by_label("Log a complaint")).to_be_checked()
    await expect(wrap.get_by_label("Complaint category")).to_have_value("billing")
    await expect(wrap.get_by_label("Severity")).to_have_value("high")
    await expect(wrap.get_by_label("Description")).to_have_value("charged a roaming fee at home")

    await wrap.get_by_role("button", name="Save").click()
    await expect(wrap.get_by_role("status")).to_have_text("Saved")
    row = await interaction_of(stack, call.call_id)
    assert row is not None and row["outcome"] == "complaint_logged" and row["notes"] == "wants the fee back"
    drafts = await page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cc.wrapup-draft.'))")
    assert drafts == []                                          # saved: the draft is gone


async def test_an_unsaved_call_stays_on_the_pending_list_across_a_server_restart(stack, browser, desk):
    agent = await desk("1002")
    await agent.go_available()
    call = await answered_then_ended(stack, agent)
    pending = agent.page.get_by_test_id("pending-wrapups")
    await expect(pending.get_by_test_id("pending-item")).to_have_count(1)
    await expect(pending.get_by_test_id("pending-title")).to_have_text("Pending wrap-ups (1)")
    await agent.close()                                          # the agent walks away without saving

    async with stack.restarted_server() as restarted:
        again = await Desk.open(browser, restarted, "1002")
        try:
            page = again.page
            pending = page.get_by_test_id("pending-wrapups")
            item = pending.get_by_test_id("pending-item")
            await expect(item).to_have_count(1)
            await expect(item).to_contain_text("刘强")
            await expect(page.locator(".wrap-card")).to_have_count(0)
            await item.get_by_role("button", name="Fill in").click()
            wrap = page.locator(".wrap-card")
            await expect(wrap).to_contain_text("刘强")
            await wrap.get_by_label("Outcome").select_option("resolved")
            await wrap.get_by_role("button", name="Save").click()
            await expect(wrap.get_by_role("status")).to_have_text("Saved")
            await expect(pending).to_contain_text("No call is waiting for its outcome.")
            row = await interaction_of(restarted, call.call_id)
            assert row is not None and row["outcome"] == "resolved" and row["agent_login"] == "1002"
            assert again.errors == []
        finally:
            await again.close()


async def _async(value: Any) -> Any:
    return value


async def test_a_wrap_up_whose_timer_ran_out_comes_back_when_the_agent_pauses(browser, tmp_path):
    from tests.browser.desk import BROWSER_TIMING
    from tests.e2e.stack import running_stack

    async with running_stack(tmp_path, timing=BROWSER_TIMING, wrapup=2) as short:
        agent = await Desk.open(browser, short, "1002")
        try:
            page, badge = agent.page, agent.page.locator("#state-badge")
            await agent.go_available()
            await answered_then_ended(short, agent)
            await expect(badge).to_have_text("Available")        # the 2 s wrap-up ran out, nothing saved
            await page.reload()                                   # the open form is gone with the page
            await expect(badge).to_have_text("Available")
            await expect(page.locator(".wrap-card")).to_have_count(0)
            await expect(page.get_by_test_id("pending-item")).to_have_count(1)

            await page.locator("#btn-pause").click()
            await expect(badge).to_have_text("Paused")
            wrap = page.locator(".wrap-card")
            await expect(wrap).to_have_count(1)                   # the oldest unsaved wrap-up is back
            await expect(wrap).to_contain_text("刘强")
            await expect(page.get_by_test_id("desk-message")).to_contain_text(
                "A call still has no outcome: the oldest one is open.")
            assert agent.errors == []
        finally:
            await agent.close()

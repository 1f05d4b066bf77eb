"""The agent desk in a real browser: a call pops, is answered, ends and is wrapped up; the pop survives a
dropped websocket; customer data is text; the interface speaks Chinese and English."""
from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import expect

from callcenter import appkeys
from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.browser.desk import SocketGate
from tests.e2e.stack import eventually

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")       # the caller ID as a Chinese carrier delivers it


async def interaction_of(stack, call_id: str) -> dict[str, Any] | None:
    rows = await stack.store.recent_interactions(50)
    return next((r for r in rows if r["call_id"] == call_id), None)


async def test_a_call_pops_before_answer_and_the_wrap_up_is_saved_only_after_the_commit(stack, desk, monkeypatch):
    agent = await desk("1002")        # English desk; not 李娜's account manager: the call goes through the vip queue
    page, pop, badge = agent.page, agent.page.locator("#pop"), agent.page.locator("#state-badge")
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 3.0

    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(pop.get_by_test_id("pop-name")).to_have_text("李娜")
    await expect(pop.get_by_test_id("pop-customer_type")).to_contain_text("VIP")
    await expect(pop.get_by_test_id("pop-value_class")).to_contain_text("Major")
    await expect(pop.get_by_test_id("pop-trace")).to_contain_text("account manager 王伟 logged out")
    await expect(pop.get_by_test_id("pop-trace")).to_contain_text("queue vip")
    await expect(badge).to_have_text("Ringing")
    assert not call.answered.is_set(), "the pop must be on screen while the phone still rings"

    # The (simulated) phone answers: the desk follows Asterisk.
    await expect(badge).to_have_text("On call")
    await expect(pop.get_by_test_id("pop-status")).to_have_text("On call")
    assert call.answered.is_set()

    stack.sim.hangup(call)                                   # the caller hangs up: wrap-up
    await expect(badge).to_have_text("Wrap-up")
    wrap = page.locator(".wrap-card")
    await expect(wrap).to_be_visible()
    await wrap.get_by_label("Outcome").select_option("resolved")
    await wrap.get_by_label("Notes").fill("roaming charges explained")
    await wrap.get_by_label("Log a complaint").check()
    await wrap.get_by_label("Complaint category").fill("billing")
    await wrap.get_by_label("Severity").select_option("high")
    await wrap.get_by_label("Description").fill("charged twice for roaming in May")

    # Hold the database commit: the page must not claim "Saved" before it happened.
    commit_may_start, commit_asked = asyncio.Event(), asyncio.Event()
    save_disposition = stack.store.save_disposition

    async def held_save(*args, **kwargs):
        commit_asked.set()
        await commit_may_start.wait()
        return await save_disposition(*args, **kwargs)

    monkeypatch.setattr(stack.store, "save_disposition", held_save)
    status = wrap.get_by_role("status")
    await wrap.get_by_role("button", name="Save").click()
    await asyncio.wait_for(commit_asked.wait(), 10)
    await expect(status).to_have_text("Saving…")
    assert (await interaction_of(stack, call.call_id) or {}).get("outcome") is None

    commit_may_start.set()
    await expect(status).to_have_text("Saved")
    row = await interaction_of(stack, call.call_id)    # "Saved" on screen: the row is committed already
    assert row is not None and row["outcome"] == "resolved" and row["notes"] == "roaming charges explained"
    assert row["agent_login"] == "1002"
    complaints = [c for c in await stack.store.list_complaints(owner_agent_id=row["agent_id"])
                  if c["interaction_id"] == row["id"]]
    assert [(c["category"], c["severity"], c["description"], c["customer_name"]) for c in complaints] == [
        ("billing", "high", "charged twice for roaming in May", "李娜")]
    await expect(badge).to_have_text("Available")          # the saved outcome ends wrap-up


async def test_a_pop_sent_while_the_websocket_is_down_is_shown_after_reconnect(stack, desk, monkeypatch):
    gate = SocketGate()
    agent = await desk("1002", gate=gate)
    page, banner = agent.page, agent.page.locator("#conn-banner")
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 20.0          # still ringing when the desk comes back
    hub = stack.app[appkeys.HUB]

    pop_sent = asyncio.Event()
    send_to_agent = hub.send_to_agent

    def spy(agent_id, kind, data):
        send_to_agent(agent_id, kind, data)
        if kind == "pop":
            pop_sent.set()

    monkeypatch.setattr(hub, "send_to_agent", spy)

    await gate.cut()                                          # the network drops; reconnects are refused
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("the desk may be out of date")

    async def socket_gone():
        return not hub.agents_online()

    await eventually(socket_gone, what="the server saw the socket go")

    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await asyncio.wait_for(pop_sent.wait(), 10)               # sent to nobody: kept for replay
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_have_count(0)

    gate.reopen()                                             # the network is back
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")
    await expect(banner).to_be_hidden()
    await expect(page.locator("#state-badge")).to_have_text("Ringing")
    assert not call.answered.is_set()
    # Delivered by the replay of the resumed stream, not by a new live frame.
    resumed = gate.connections[-1]
    assert "resume=" in resumed.url
    hello = next(f for f in resumed.frames if f["type"] == "hello")
    pops = [f for f in resumed.frames if f["type"] == "pop"]
    assert pops and pops[0]["data"]["call_id"] == call.call_id and pops[0]["seq"] <= hello["data"]["seq"]


async def test_a_customer_name_with_markup_is_shown_as_text(stack, desk):
    name = "<img src=x onerror=alert(1)>"
    await stack.store.add_customer(name, phones=["+8613712345678"])
    agent = await desk("1002")
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 20.0

    await stack.sim.place_call("13712345678", "Mallory", digits=("1",), talk_seconds=60)
    pop = agent.page.locator("#pop")
    await expect(pop.get_by_test_id("pop-name")).to_have_text(name)
    assert await pop.get_by_test_id("pop-name").evaluate("node => node.textContent") == name
    assert await pop.locator("img").count() == 0
    assert await agent.page.locator("img[src=x]").count() == 0
    assert agent.dialogs == []


async def test_the_language_switch_changes_the_labels(stack, desk):
    agent = await desk("1002", locale="en")                   # 1002's own setting: English
    page = agent.page
    await expect(page.locator("#btn-available")).to_have_text("Available")
    await expect(page.locator("#pop")).to_contain_text("No call right now.")

    await page.get_by_role("link", name="中文").click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.locator("#btn-available")).to_have_text("置闲")
    await expect(page.locator("#pop")).to_contain_text("暂无来电。")
    await expect(page.locator("#state-badge")).to_have_text("未签入")     # JS labels follow too

    await page.get_by_role("link", name="English").click()
    await expect(page.locator("#btn-available")).to_have_text("Available")
    await expect(page.locator("#state-badge")).to_have_text("Logged out")

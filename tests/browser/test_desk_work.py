"""The work around a call in a real browser: finding a customer by pinyin initials, a blind transfer to
another agent's desk, and a wrap-up with a complaint and a follow-up that lands on the task list."""
from __future__ import annotations

from playwright.async_api import expect

from crm_bridge.seed import DEMO_VIP_NUMBER

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")


async def answered_vip_call(stack, agent):
    """李娜 calls; agent 1002's desk pops her and the (simulated) phone answers."""
    stack.sim.phone(agent.phone).answer_after = 0.5
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(agent.page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")
    await expect(agent.page.locator("#state-badge")).to_have_text("On call")
    return call


async def test_the_customer_is_found_by_pinyin_initials_and_opened(stack, desk):
    agent = await desk("1001", locale="zh-CN")                 # 王伟's desk is in Chinese
    async with agent.context.expect_page() as opened:
        await agent.page.get_by_test_id("nav-customers").click()   # opens the search in a new tab
    search = await opened.value
    agent.watch(search)
    await search.locator("#customer-search").fill("ln")
    await search.locator("#customer-search").press("Enter")
    row = search.locator("[data-customer-id]").filter(has_text="李娜")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("+8613800000001")
    await expect(row).to_contain_text("VIP 客户")

    await row.get_by_role("link", name="李娜").click()
    await expect(search.locator("#customer-name")).to_have_text("李娜")
    await expect(search.get_by_test_id("pop-account_manager")).to_contain_text("王伟")
    await expect(search.locator("#customer-calls tbody tr")).not_to_have_count(0)   # her call history


async def test_a_blind_transfer_to_an_agent_pops_the_caller_on_their_desk(stack, desk):
    agent = await desk("1002")
    other = await desk("1005", locale="zh-CN")
    await agent.go_available()
    await other.go_available()
    stack.sim.phone(other.phone).answer_after = 2.0
    call = await answered_vip_call(stack, agent)

    page = agent.page
    await page.locator("#btn-transfer").click()                   # the directory: 1005 with their live state
    await page.locator("#directory-search").fill("1005")
    target = page.locator("#directory-agents li[data-login='1005']")
    await expect(target.get_by_test_id("dir-state")).to_have_text("Available")
    await target.get_by_role("button").click()
    await page.locator("#transfer-kind").select_option("blind")
    await page.locator("#btn-transfer-go").click()

    # 1002 is done with the call (wrap-up); 1005's desk pops 李娜 while the phone rings, then answers.
    await expect(page.locator("#state-badge")).to_have_text("Wrap-up")
    await expect(page.locator(".wrap-card")).to_be_visible()
    await expect(other.page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")
    await expect(other.page.locator("#state-badge")).to_have_text("振铃")
    assert call.agent_interface != other.phone, "the pop must come before 1005 answers"
    await expect(other.page.locator("#state-badge")).to_have_text("通话中")
    assert call.agent_interface == other.phone


async def test_an_outcome_with_a_complaint_and_a_follow_up_puts_the_follow_up_on_the_task_list(stack, desk):
    agent = await desk("1002")
    await agent.go_available()
    page = agent.page
    tasks = page.locator("#tasks")
    await expect(tasks).to_contain_text("Nothing to do.")
    call = await answered_vip_call(stack, agent)
    stack.sim.hangup(call)

    wrap = page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("complaint_logged")     # ticks "Log a complaint" itself
    await expect(wrap.get_by_label("Log a complaint")).to_be_checked()
    await wrap.get_by_label("Complaint category").fill("network")
    await wrap.get_by_label("Severity").select_option("medium")
    await wrap.get_by_label("Description").fill("no signal at home since Monday")
    await page.locator("#wrap-followup").check()
    await expect(page.locator("#wrap-followup-due")).to_be_visible()          # tomorrow by default
    await page.locator("#wrap-followup-assign").select_option("me")
    await page.locator("#wrap-followup-note").fill("check the signal after the repair")
    await wrap.get_by_role("button", name="Save").click()
    await expect(wrap.get_by_role("status")).to_have_text("Saved")

    task = tasks.locator("[data-follow-up-id]")
    await expect(task).to_have_count(1)
    await expect(task).to_contain_text("李娜")
    await expect(task).to_contain_text("check the signal after the repair")
    await expect(task).to_contain_text("network")
    await expect(task).to_contain_text("assigned to me")
    follow_up = await stack.store.follow_up(int(await task.get_attribute("data-follow-up-id")))
    assert follow_up is not None and follow_up["note"] == "check the signal after the repair"
    [complaint] = [c for c in await stack.store.list_complaints(customer_id=follow_up["customer_id"], status="open")
                   if c["description"] == "no signal at home since Monday"]
    assert complaint["category"] == "network" and complaint["severity"] == "medium" and complaint["owner_login"] == "1002"

"""Desk clarity (issue 10) in a real browser: the transfer directory with live states, a desktop
notification for a pop in a background tab, the customer of an unknown or shared-number caller chosen
from the pop and stored with the call, Dial from the customer search, a message that goes with its
call, and the whole desk on one 1366×768 screen."""
from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import expect

from crm_bridge.seed import DEMO_SHARED_NUMBER, DEMO_UNKNOWN_NUMBER, DEMO_VIP_NUMBER
from tests.browser.desk import TIMEOUT_MS

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")
UNKNOWN_LOCAL = DEMO_UNKNOWN_NUMBER.removeprefix("+86")


async def interaction_of(stack, call_id: str) -> dict[str, Any] | None:
    rows = await stack.store.recent_interactions(50)
    return next((r for r in rows if r["call_id"] == call_id), None)


async def answered_call(stack, agent, number: str, name: str, digits=("1",)):
    stack.sim.phone(agent.phone).answer_after = 0.5
    call = await stack.sim.place_call(number, name, digits=digits, talk_seconds=60)
    await expect(agent.page.locator("#state-badge")).to_have_class("badge state-on_call")
    return call


async def pause(agent, reason: str = "lunch") -> None:
    await agent.page.locator("#pause-reason").select_option(reason)
    await agent.page.locator("#btn-pause").click()
    await expect(agent.page.locator("#state-badge")).to_have_class("badge state-paused")


async def test_the_transfer_directory_shows_live_states_and_follows_them(stack, desk):
    agent, free, away = await desk("1002"), await desk("1005"), await desk("1006")
    for each in (agent, free, away):
        await each.go_available()
    await pause(away, "lunch")
    await answered_call(stack, agent, VIP_LOCAL, "Li Na")

    page = agent.page
    await page.locator("#btn-transfer").click()
    agents = page.locator("#directory-agents")
    await expect(agents.locator("li[data-login='1005']").get_by_test_id("dir-state")).to_have_text("Available")
    await expect(agents.locator("li[data-login='1006']").get_by_test_id("dir-state")).to_have_text("Paused · Lunch")
    await expect(agents.locator("li[data-login='1001']").get_by_test_id("dir-state")).to_have_text("Logged out")
    await expect(agents.locator("li[data-login='1002']")).to_have_count(0)           # not oneself
    await expect(page.locator("#directory-queues li[data-queue='standard']")).to_contain_text("available: 1")

    # The others change state while the directory stays open: it follows without a click.
    await pause(free, "break")
    await away.go_available()
    await expect(agents.locator("li[data-login='1005']").get_by_test_id("dir-state")).to_have_text("Paused · Break")
    await expect(agents.locator("li[data-login='1006']").get_by_test_id("dir-state")).to_have_text("Available")

    # Searchable by name or extension.
    await page.locator("#directory-search").fill("陈静")
    await expect(agents.locator("li")).to_have_count(1)
    await expect(agents.locator("li")).to_have_attribute("data-login", "1006")
    await page.locator("#directory-search").fill("1005")
    await expect(agents.locator("li")).to_have_count(1)
    await expect(agents.locator("li")).to_have_attribute("data-login", "1005")


RECORD_NOTIFICATIONS = """
  // Every Notification the page makes is reported to the test, and still made for real; so is every
  // tone the page starts (the ring).
  const realStart = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.notified({ ring: this.frequency.value });
    return realStart.apply(this, args);
  };
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.notified({ title, body: (options || {}).body, tag: (options || {}).tag });
    }
  };
"""
# The test says when the tab is in the background (as when the agent works in another tab).
BACKGROUND_SWITCH = """
  window.__hidden = false;
  Object.defineProperty(document, "hidden", { get: () => window.__hidden });
  Object.defineProperty(document, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
"""


async def notifications_recorded(agent, stack, *, background: bool) -> asyncio.Queue:
    shown: asyncio.Queue = asyncio.Queue()
    await agent.context.grant_permissions(["notifications"], origin=stack.base_url)
    await agent.context.expose_binding("notified", lambda source, note: shown.put_nowait(note))
    await agent.context.add_init_script(RECORD_NOTIFICATIONS + (BACKGROUND_SWITCH if background else ""))
    await agent.page.reload()
    await expect(agent.page.locator("#state-badge")).not_to_have_class("badge state-unknown")
    await agent.page.locator("#btn-enable-notify").click()               # the agent allows it once
    await expect(agent.page.locator("#notify-on")).to_be_visible()
    await expect(agent.page.locator("#btn-enable-notify")).to_be_hidden()
    return shown


async def test_a_pop_in_a_background_tab_shows_a_desktop_notification(stack, desk):
    agent = await desk("1002")
    shown = await notifications_recorded(agent, stack, background=True)
    await agent.go_available()
    await agent.page.evaluate("window.__hidden = true")
    stack.sim.phone(agent.phone).answer_after = 30
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    got = [await asyncio.wait_for(shown.get(), TIMEOUT_MS / 1000) for _ in range(3)]
    assert sorted(n["ring"] for n in got if "ring" in n) == [440, 480]          # the ring tone
    [note] = [n for n in got if "title" in n]
    assert note["title"] == "Incoming call: 李娜" and note["body"].startswith("Queue vip")
    assert note["tag"] == f"call-{call.call_id}"


async def test_a_pop_in_the_visible_tab_gets_no_notification(stack, desk):
    agent = await desk("1002")
    shown = await notifications_recorded(agent, stack, background=False)
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 30
    await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(agent.page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")
    await agent.page.evaluate("0")       # a round trip after the pop: a notification made with it is in
    assert shown.empty()


async def test_a_customer_created_from_an_unknown_callers_pop_is_stored_with_the_call(stack, desk):
    agent = await desk("1004")          # James Wilson: an English desk in the standard queue
    await agent.go_available()
    call = await answered_call(stack, agent, UNKNOWN_LOCAL, "Stranger", digits=("", "1"))
    pop = agent.page.locator("#pop")
    await expect(pop.get_by_test_id("pop-name")).to_have_text("Unknown caller")

    await pop.locator("#btn-popc-create").click()
    await expect(pop.locator("#popc-number")).to_have_value(UNKNOWN_LOCAL)       # the caller's number, prefilled
    await pop.get_by_label("Customer name").fill("赵磊 <b>new</b>")
    await pop.get_by_label("Customer type").select_option("family")
    await pop.get_by_role("button", name="Save and link to this call").click()

    await expect(pop.get_by_test_id("pop-name")).to_have_text("赵磊 <b>new</b>")     # as text
    await expect(pop.get_by_test_id("pop-customer_type")).to_contain_text("Family")
    row = await interaction_of(stack, call.call_id)
    assert row is not None and row["customer_id"] is not None
    cards = await stack.store.identify(DEMO_UNKNOWN_NUMBER)
    assert [(c["customer_id"], c["name"], c["customer_type"]) for c in cards] == [
        (row["customer_id"], "赵磊 <b>new</b>", "family")]

    # The call ends and is wrapped up: the row keeps the customer the agent created.
    stack.sim.hangup(call)
    wrap = agent.page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("resolved")
    await wrap.get_by_role("button", name="Save").click()
    await expect(wrap.get_by_role("status")).to_have_text("Saved")
    row = await interaction_of(stack, call.call_id)
    assert row["customer_id"] == cards[0]["customer_id"] and row["outcome"] == "resolved"


async def test_the_agent_picks_who_is_calling_among_customers_sharing_the_number(stack, desk):
    agent = await desk("1004")
    await agent.go_available()
    call = await answered_call(stack, agent, DEMO_SHARED_NUMBER, "Wang", digits=("", "1"))
    pop = agent.page.locator("#pop")
    shared = pop.get_by_test_id("popc-shared")
    await expect(shared).to_contain_text("2 customers share this number")
    first = (await pop.get_by_test_id("pop-name").text_content()) or ""
    other = "王强" if first == "王芳" else "王芳"
    await shared.get_by_role("button", name=other).click()

    await expect(pop.get_by_test_id("pop-name")).to_have_text(other)
    await expect(shared.get_by_role("button", name=other)).to_have_attribute("aria-pressed", "true")
    linked = agent.page.get_by_test_id("desk-message").filter(has_text=f"Linked to this call: {other}")
    await linked.get_by_role("button", name="Dismiss").click()                   # a general message: dismissable
    await expect(linked).to_have_count(0)
    [chosen] = [c for c in await stack.store.identify(DEMO_SHARED_NUMBER) if c["name"] == other]
    row = await interaction_of(stack, call.call_id)
    assert row is not None and row["customer_id"] == chosen["customer_id"]

    # A reload shows the chosen customer: the server's copy of the call follows the choice.
    await agent.page.reload()
    await expect(pop.get_by_test_id("pop-name")).to_have_text(other)


async def test_a_message_about_a_call_goes_with_that_call(stack, desk):
    agent = await desk("1002")
    page = agent.page
    await agent.go_available()
    stack.sim.phone(agent.phone).answer_after = 0.5
    stack.sim.phone(agent.phone).talk_seconds = 60
    await page.locator("#dial-number").fill(VIP_LOCAL)
    await page.locator("#btn-dial").click()
    message = page.get_by_test_id("desk-message").filter(has_text="your phone rings first")
    await expect(message).to_be_visible()
    await expect(page.locator("#state-badge")).to_have_class("badge state-on_call")
    await expect(message).to_be_visible()                      # still about the call on the desk

    await page.locator("#btn-hangup").click()
    await expect(page.locator(".wrap-card")).to_be_visible()
    await expect(message).to_have_count(0)                     # the call left the desk: so did its message
    wrap = page.locator(".wrap-card")
    await wrap.get_by_label("Outcome").select_option("resolved")
    await wrap.get_by_role("button", name="Save").click()
    await expect(page.locator("#state-badge")).to_have_class("badge state-available")

    await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")
    await expect(page.get_by_test_id("desk-message")).to_have_count(0)

    # The number dialled is among this agent's recent numbers in the transfer directory.
    await expect(page.locator("#state-badge")).to_have_class("badge state-on_call")
    await page.locator("#btn-transfer").click()
    await page.locator(f"#directory-recent [data-number='{VIP_LOCAL}']").click()
    await expect(page.locator("#transfer-number")).to_have_value(VIP_LOCAL)
    await expect(page.locator("#transfer-chosen")).to_have_text(f"Transfer to: {VIP_LOCAL}")
    await expect(page.locator("#btn-transfer-go")).to_be_enabled()


async def test_dial_from_the_customer_search_rings_the_agents_phone(stack, desk):
    # 1001 is 李娜's account manager: an agent finds by name only the customers they may see (issue 11)
    agent = await desk("1001")
    stack.sim.phone(agent.phone).answer_after = 0.5
    stack.sim.phone(agent.phone).talk_seconds = 60
    async with agent.context.expect_page() as opened:
        await agent.page.get_by_test_id("nav-customers").click()
    search = await opened.value
    agent.watch(search)
    await search.goto(f"{stack.base_url}/customers?lang=en")       # 1001's own language is Chinese
    await search.locator("#customer-search").fill("ln")
    await search.locator("#customer-search").press("Enter")
    row = search.locator("[data-customer-id]").filter(has_text="李娜")
    await row.get_by_role("button", name=f"Dial {DEMO_VIP_NUMBER}").click()
    await expect(search.get_by_test_id("dial-status")).to_contain_text("pick up your phone")

    # The desk (the other tab) shows the outbound call with her card.
    await expect(agent.page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")
    await expect(agent.page.locator("#state-badge")).to_have_class("badge state-on_call")

    # The customer page has the same button.
    await row.get_by_role("link", name="李娜").click()
    await expect(search.locator("#customer-name")).to_have_text("李娜")
    await search.get_by_role("button", name=f"Dial {DEMO_VIP_NUMBER}").click()
    await expect(search.get_by_test_id("dial-status")).to_contain_text("Finish your current call")   # the label of agent-busy


async def test_the_desk_fits_1366x768_with_the_pop_and_the_wrap_up_side_by_side(stack, desk):
    agent = await desk("1002", viewport={"width": 1366, "height": 768})
    page = agent.page
    await agent.go_available()
    call = await answered_call(stack, agent, VIP_LOCAL, "Li Na")
    stack.sim.hangup(call)
    wrap = page.locator(".wrap-card")
    await expect(wrap).to_be_visible()
    await expect(page.locator("#pop").get_by_test_id("pop-name")).to_have_text("李娜")

    sizes = await page.evaluate("""() => ({
      scroll: document.documentElement.scrollHeight, view: window.innerHeight,
      pop: document.getElementById("pop").getBoundingClientRect().toJSON(),
      wrap: document.querySelector(".wrap-card").getBoundingClientRect().toJSON(),
    })""")
    assert sizes["scroll"] <= sizes["view"], sizes                   # no page scrolling
    pop, form = sizes["pop"], sizes["wrap"]
    assert pop["right"] <= form["left"] and abs(pop["top"] - form["top"]) < 2, sizes    # side by side
    assert pop["bottom"] <= 768 and form["top"] < 768 - 200, sizes    # both on screen
    await expect(wrap.get_by_role("button", name="Save")).to_be_in_viewport()

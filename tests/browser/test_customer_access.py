"""Least privilege for customer data in the browser (issue 11): an agent's customer search lists only the
customers they may see, says how it was limited, and a customer found by their exact number is listed
(with a Dial button) but without a link to a page the agent may not open. A supervisor sees everyone
and may export."""
from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import select

from crm_bridge.models import Agent
from tests.browser.board import open_board

PREFIX = "隐私"


async def _customers(stack) -> tuple[int, int]:
    async with stack.store.connect() as conn:
        me = (await conn.execute(select(Agent.id).where(Agent.login == "1004"))).scalar_one()
    mine = await stack.store.add_customer(PREFIX + "名下", phones=["13955550003"], account_manager_id=me)
    other = await stack.store.add_customer(PREFIX + "别人", phones=["13955550002"])
    return mine, other


async def test_an_agents_search_shows_only_their_customers_with_the_limitation_notice(stack, desk):
    mine, other = await _customers(stack)
    agent = await desk("1004")              # James Wilson: his desk speaks English
    page = await agent.context.new_page()
    agent.watch(page)
    await page.goto(f"{stack.base_url}/customers?q={PREFIX}")
    rows = page.get_by_test_id("customer-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-customer-id", str(mine))
    notice = page.get_by_test_id("customer-search-limit")
    await expect(notice).to_be_visible()
    await expect(notice).to_contain_text("Names and pinyin find only your customers")
    await expect(page.get_by_test_id("customer-export")).to_be_hidden()

    # someone else's customer, by their exact number: listed, dialable, but no page link
    await page.locator("#customer-search").fill("13955550002")
    await page.locator("#customer-search").press("Enter")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-customer-id", str(other))
    await expect(rows.first.get_by_test_id("customer-not-own")).to_contain_text("not one of your customers")
    await expect(rows.first.get_by_role("link")).to_have_count(0)
    await expect(rows.first.get_by_role("button", name="Dial +8613955550002")).to_be_visible()

    # and their page, opened by hand, is refused with the error's label
    await page.goto(f"{stack.base_url}/customers/{other}")
    await expect(page.locator("#customer-load-status")).to_contain_text("not among your calls, tasks or portfolio")


async def test_a_supervisors_search_is_not_limited(browser, stack):
    await _customers(stack)
    supervisor = await open_board(browser, stack)
    page = await supervisor.context.new_page()
    await page.goto(f"{stack.base_url}/customers?q={PREFIX}")
    await expect(page.get_by_test_id("customer-row")).to_have_count(2)
    await expect(page.get_by_test_id("customer-search-limit")).to_be_hidden()
    await expect(page.get_by_test_id("customer-export")).to_be_visible()
    await supervisor.close()

"""An outcome saved while the database is away, in a real browser: the form says "will retry" at once
(no error, nothing to press again), and turns to "Saved" by itself when the database is back."""
from __future__ import annotations

from playwright.async_api import expect

from tests.browser.test_wrapup_guard import answered_then_ended, interaction_of
from tests.integration.outage import database_down


async def test_the_form_shows_will_retry_then_saved_by_itself(stack, desk):
    agent = await desk("1002")
    page = agent.page
    await agent.go_available()
    call = await answered_then_ended(stack, agent)
    wrap = page.locator(".wrap-card")
    async with database_down(stack.settings.database.url):
        await wrap.get_by_label("Outcome").select_option("resolved")
        await wrap.get_by_role("button", name="Save").click()
        await expect(wrap.get_by_role("status")).to_contain_text("it will retry by itself", timeout=15_000)
        await expect(wrap.get_by_role("button", name="Save")).to_be_disabled()
        await expect(page.locator("#pending-wrapups")).not_to_contain_text("刘强")
        row = await interaction_of(stack, call.call_id)
        assert row is None or row["outcome"] is None
    await expect(wrap.get_by_role("status")).to_have_text("Saved", timeout=20_000)
    assert (await interaction_of(stack, call.call_id))["outcome"] == "resolved"

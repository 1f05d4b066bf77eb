"""The supervisor's wallboard in a real browser while the simulator runs a burst of calls."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import expect

from callcenter import appkeys, domain
from crm_bridge.seed import DEMO_INDIVIDUAL_NUMBER
from tests.browser.board import agent_row, open_board, queue_stat
from tests.browser.desk import PHONE, Desk

CALLER = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")      # an individual customer: queued in "standard"
ANSWERING = ("1005", "1006")                             # the two agents of "standard" only


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

    await expect(waiting).to_have_text("2")                               # two callers gave up
    assert [call.outcome for call in impatient] == ["abandoned", "abandoned"]
    assert [call.outcome for call in calls].count(None) == 4

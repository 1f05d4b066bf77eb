"""Bounded store work per user and overall (console/work_limits.py)."""
from __future__ import annotations

import asyncio

import pytest

from callcenter.settings import FairShareSettings
from console.work_limits import Busy, SocketTasks, WorkLimits


def work_limits(concurrency: int = 1) -> WorkLimits:
    return WorkLimits(FairShareSettings(store_concurrency=concurrency, store_queue_per_user=2, store_queue_total=3))


async def test_a_user_over_their_bound_is_busy_and_others_are_not_until_the_total() -> None:
    limits = work_limits()
    gate = asyncio.Event()
    alice, bob = SocketTasks(limits, 1), SocketTasks(limits, 2)
    for tasks in (alice, alice, bob):
        tasks.limits.admit(tasks.user_id)
        tasks.add(asyncio.create_task(limits.run(gate.wait())))
    with pytest.raises(Busy) as user:
        limits.admit(1)
    assert user.value.error_id == "busy" and user.value.details == {"scope": "user"}
    with pytest.raises(Busy) as server:
        limits.admit(3)
    assert server.value.details == {"scope": "server"}
    gate.set()
    await asyncio.gather(*alice, *bob)
    await asyncio.sleep(0)                  # done callbacks run on the next turn
    assert limits.pending == 0 and len(alice) == 0
    limits.admit(1)


async def test_work_runs_at_most_concurrency_at_once() -> None:
    limits = work_limits(concurrency=2)
    running, peak, gate = 0, 0, asyncio.Event()

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1

    tasks = [asyncio.create_task(limits.run(work())) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert running == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert peak == 2


def test_every_command_that_works_on_the_store_is_bounded() -> None:
    from console import protocol
    from console.work_limits import STORE_COMMANDS
    assert protocol.TASK_COMMANDS | protocol.SUPERVISOR_COMMANDS <= STORE_COMMANDS
    assert {"disposition", "wrapups", "call_customer", "customer_create"} <= STORE_COMMANDS <= protocol.COMMANDS

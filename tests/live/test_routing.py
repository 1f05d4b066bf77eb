"""Routing ladders on the simulator and on a real Asterisk: the account manager's phone rung directly
(Dial), the deputy, the VIP pool, a queue step overflowing into the next queue; menus in the caller's
language."""
from __future__ import annotations

import json

import pytest

from crm_bridge.seed import DEMO_VIP_EN_NUMBER, DEMO_VIP_NUMBER

from .captures import matches_capture
from .desks import desks, eventually, row

pytestmark = pytest.mark.live
LI_NA = DEMO_VIP_NUMBER.removeprefix("+86")          # VIP, Chinese; account manager 1001, deputy 1003 here
BROWN = DEMO_VIP_EN_NUMBER.removeprefix("+86")       # VIP, English; no account manager


async def test_vip_account_manager_answers_and_the_caller_hangs_up(live):
    pbx = live.pbx
    async with desks(live, "1001") as (manager,):
        caller = await pbx.call_in(LI_NA, digits=["1"])
        pop = await manager.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
        assert pop["card"]["name"] == "李娜" and "account manager 王伟" in pop["trace"]["en"]
        dial = await pbx.event("DialBegin", Uniqueid=caller.call_id)
        assert dial.get("DestChannel").startswith("Local/1001@agent-phones-")
        await manager.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        assert not pbx.events("QueueCallerJoin", Uniqueid=caller.call_id)      # never waited in a queue
        await pbx.hang_up(caller)
        ended = await manager.next("call", where=lambda c: c["state"] == "ended", timeout=15)
        assert ended["reason"] == "caller"
        stored = await row(live, ended["interaction_id"], "ended_at", status="completed")
        assert stored["agent_login"] == "1001" and stored["answered_at"] is not None


async def test_vip_manager_and_deputy_do_not_answer_then_the_vip_pool_does(live):
    pbx = live.pbx
    async with desks(live, "1001", "1003", "1002") as (manager, deputy, pool):
        await pbx.phone("1001", answers=False)
        await pbx.phone("1003", answers=False)
        caller = await pbx.call_in(LI_NA, digits=["1"])
        for desk in (manager, deputy):          # each rang with the pop, then lost it
            await desk.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
            await desk.next("pop_withdrawn", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
            if desk is manager:                 # the manager steps away (else the vip pool rings them first)
                assert (await manager.send("pause", {"reason": "meeting"}))["ok"]
        joined = await pbx.event("QueueCallerJoin", Uniqueid=caller.call_id, timeout=20)
        assert joined.get("Queue") == "vip"
        pop = await pool.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
        assert "王伟: no answer → 张敏: no answer" in pop["trace"]["en"]
        await pool.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        await pbx.hang_up(caller)
        ended = await pool.next("call", where=lambda c: c["state"] == "ended", timeout=15)
        stored = await row(live, ended["interaction_id"], "ended_at", status="completed")
        assert stored["queue"] == "vip" and stored["agent_login"] == "1002"
        log = [entry["en"] for entry in json.loads(stored["routing_trace"])["log"]]
        assert log[:2] == ["王伟: no answer", "张敏: no answer"]


async def test_a_queue_step_overflows_into_the_next_queue_and_is_answered_there(live):
    """Real app_queue reports a Queue() timeout as QueueCallerAbandon + QueueCallerLeave: an overflow,
    not an abandon. The standard agent gets the pop, no callback is filed, the row is answered there."""
    pbx = live.pbx
    async with desks(live, "1002", "1005") as (vip_agent, standard_agent):
        assert (await vip_agent.send("pause", {"reason": "lunch"}))["ok"]      # the vip pool is staffed, busy
        await vip_agent.next("agent", where=lambda a: a["state"] == "paused")
        caller = await pbx.call_in(LI_NA, digits=["1"])
        first = await pbx.event("QueueCallerJoin", Uniqueid=caller.call_id, timeout=20)
        assert first.get("Queue") == "vip"
        await pbx.event("QueueCallerLeave", Uniqueid=caller.call_id, Queue="vip", timeout=20)
        pop = await standard_agent.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
        assert pop["queue"] == "standard"
        await standard_agent.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        await pbx.hang_up(caller)
        ended = await standard_agent.next("call", where=lambda c: c["state"] == "ended", timeout=15)
        stored = await row(live, ended["interaction_id"], "ended_at", status="completed")
        assert stored["queue"] == "standard" and stored["agent_login"] == "1005"
        assert not await live.store.list_callbacks(statuses=("pending", "dialing"))
        abandoned = await live.store.recent_interactions(20, status="abandoned")
        assert not [r for r in abandoned if r["call_id"] == caller.call_id]
        await matches_capture(pbx, "queue_overflow", caller)


@pytest.mark.parametrize("number, language", [(LI_NA, "zh"), (BROWN, "en")])
async def test_the_voice_menu_plays_in_the_caller_s_language(live, number, language):
    pbx = live.pbx
    caller = await pbx.call_in(number, digits=["1"])
    await pbx.event("QueueCallerJoin", Uniqueid=caller.call_id, timeout=20)

    async def menu_played():
        return [entry for entry in await pbx.played(caller) if entry[0].endswith("menu")]
    [(sound, heard)] = await eventually(menu_played, timeout=10, what="the main menu played")
    assert heard == language, f"the main menu was played in {heard!r}"
    await pbx.hang_up(caller)


async def test_a_caller_hanging_up_while_the_account_manager_s_phone_rings(live):
    pbx = live.pbx
    async with desks(live, "1001") as (manager,):
        await pbx.phone("1001", answers=False)
        caller = await pbx.call_in(LI_NA, digits=["1"])
        await manager.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
        await pbx.event("DialBegin", Uniqueid=caller.call_id)
        await pbx.hang_up(caller)
        await manager.next("pop_withdrawn", where=lambda p: p["call_id"] == caller.call_id, timeout=10)
        await manager.next("agent", where=lambda a: a["state"] == "available", timeout=10)

        async def ended():
            rows = await live.store.recent_interactions(20)
            found = next((r for r in rows if r["call_id"] == caller.call_id), None)
            return found if found and found.get("ended_at") else None
        stored = await eventually(ended, timeout=15, what="the call's row ended")
        assert stored["answered_at"] is None and stored["agent_id"] is None
        assert stored["status"] == "abandoned"

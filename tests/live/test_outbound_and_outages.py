"""Calls the server places (a callback, a supervisor's ChanSpy) and what it survives (Asterisk restarting
mid-call, the AMI link cut mid-call), on the simulator and on a real Asterisk."""
from __future__ import annotations

import pytest

from crm_bridge.seed import DEMO_INDIVIDUAL_NUMBER

from .desks import Console, desks, eventually, row, save_outcome

pytestmark = pytest.mark.live
LIU = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")
PHONE = "Local/1005@agent-phones/n"


async def test_a_callback_asked_for_in_the_menu_is_placed_agent_first(live):
    pbx = live.pbx
    async with desks(live, "1005", available=False) as (desk,):
        since = pbx.mark()
        caller = await pbx.call_in(LIU, digits=["4"])         # 4: call me back
        await pbx.event("Hangup", since=since, Uniqueid=caller.call_id, timeout=30)
        assert not pbx.events("QueueCallerJoin", since=since, Uniqueid=caller.call_id)

        async def pending():
            return await live.store.list_callbacks(statuses=("pending",))
        [callback] = await eventually(pending, timeout=10, what="the callback saved")
        assert callback["number"] == LIU and callback["source"] == "ivr"

        assert (await desk.send("available"))["ok"]
        pop = await desk.next("pop", timeout=20)
        assert pop["caller_number"] == LIU and pop["card"]["name"] == "刘强"
        connected = await desk.next("call", where=lambda c: c["state"] == "connected", timeout=30)
        dial = await pbx.observer.wait_for(
            lambda f: f.event == "DialBegin" and "@customer-phones" in f.get("DestChannel"), timeout=10, start=since)
        assert LIU in dial.get("DestChannel")
        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["call_id"] == connected["call_id"]
        stored = await row(live, ended["interaction_id"], "ended_at", "answered_at")
        assert stored["menu_choice"] == "callback" and stored["agent_login"] == "1005"

        async def done():
            return await live.store.list_callbacks(statuses=("done",))
        assert (await eventually(done, timeout=10, what="the callback done"))[0]["attempts"] == 1


async def test_the_supervisor_listens_to_an_agent_s_call(live):
    pbx = live.pbx
    supervisor = Console(live.base_url)
    try:
        await live.pbx.phone("9001")
        await supervisor.login("9001", "demo9001", view="supervisor")
        async with desks(live, "1005") as (desk,):
            caller = await pbx.call_in(LIU, digits=["1"])
            await desk.next("call", where=lambda c: c["state"] == "connected", timeout=20)

            def on_call(board):
                agent = next(a for a in board["agents"] if a["login"] == "1005")
                return agent if agent["state"] == "on_call" else None
            board = await supervisor.next("wallboard", where=on_call, timeout=10)
            reply = await supervisor.send("spy", {"agent_id": on_call(board)["agent_id"], "mode": "listen"})
            assert reply["ok"], reply
            start = await pbx.event("ChanSpyStart", timeout=15)
            assert start.get("SpyerChannel").startswith("Local/9001@agent-phones-")
            assert start.get("SpyeeChannel").startswith("Local/1005@agent-phones-")
            await pbx.hang_up(caller)
            await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
    finally:
        await supervisor.close()


async def test_asterisk_restarting_mid_call_ends_the_call_and_the_agent_is_put_back(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        caller = await pbx.call_in(LIU, digits=["1"])
        await desk.next("call", where=lambda c: c["state"] == "connected", timeout=20)
        await pbx.restart()
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=20)
        assert ended["call_id"] == caller.call_id
        await save_outcome(desk, ended, outcome="follow_up", notes="cut off by a PBX restart")
        stored = await row(live, ended["interaction_id"], "ended_at", "outcome")
        assert stored["notes"] == "cut off by a PBX restart"

        async def member_back():             # dynamic members vanish in a restart: the server re-adds them
            member = (await pbx.members("standard")).get(PHONE)
            return member is not None and member.get("Paused") == "0"
        await eventually(member_back, timeout=20, what="1005 back in standard, unpaused")
        follow = await pbx.call_in(LIU, digits=["1"])
        pop = await desk.next("pop", where=lambda p: p["call_id"] == follow.call_id, timeout=20)
        assert pop["card"]["name"] == "刘强"
        await pbx.hang_up(follow)


async def test_an_ami_link_cut_mid_call_loses_no_end_and_no_outcome(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        caller = await pbx.call_in(LIU, digits=["1"])
        await desk.next("call", where=lambda c: c["state"] == "connected", timeout=20)
        since = pbx.mark()
        async with pbx.link_cut():
            await pbx.hang_up(caller)              # the caller leaves while the server sees nothing
            await pbx.event("Hangup", since=since, Uniqueid=caller.call_id, timeout=10)
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=20)
        assert ended["call_id"] == caller.call_id
        await save_outcome(desk, ended, notes="link cut")
        stored = await row(live, ended["interaction_id"], "ended_at", "outcome")
        assert stored["notes"] == "link cut"
        await desk.next("agent", where=lambda a: a["state"] == "available", timeout=15)
        member = (await pbx.members("standard"))[PHONE]
        assert member.get("Paused") == "0" and member.get("InCall") == "0"

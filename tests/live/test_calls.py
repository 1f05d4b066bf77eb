"""Inbound calls, on the simulator and on a real Asterisk: answered, abandoned, hung up in the IVR,
ring-no-answer, a paused member."""
from __future__ import annotations

import pytest

from crm_bridge.seed import DEMO_INDIVIDUAL_NUMBER

from .captures import matches_capture
from .desks import desks, eventually, row, save_outcome

pytestmark = pytest.mark.live
LIU = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")        # 刘强, individual: the standard queue


async def test_answered_call_pops_while_ringing_and_the_outcome_is_stored(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        await pbx.phone("1005", answer_after=1.5)
        caller = await pbx.call_in(LIU, digits=["1"])
        joined = await pbx.event("QueueCallerJoin", Uniqueid=caller.call_id)
        assert joined.get("Queue") == "standard"
        pop = await desk.next("pop", timeout=15)
        assert pop["call_id"] == caller.call_id and pop["card"]["name"] == "刘强"
        assert pop["ivr"]["digits"] == ["1"] and pop["ivr"]["menu_choice"] == "service"
        assert not pbx.events("AgentConnect", Uniqueid=caller.call_id), "the pop comes while the phone rings"
        await desk.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        await pbx.event("AgentConnect", Uniqueid=caller.call_id)

        await pbx.hang_up(caller)
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=15)
        assert ended["call_id"] == caller.call_id and ended["reason"] == "caller"
        complete = await pbx.event("AgentComplete", Uniqueid=caller.call_id)
        assert complete.get("Reason") == "caller"
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up")
        await save_outcome(desk, ended, notes="asked about the bill")
        stored = await row(live, ended["interaction_id"], "ended_at", "outcome", status="completed")
        assert stored["queue"] == "standard"
        assert stored["outcome"] == "resolved" and stored["notes"] == "asked about the bill"
        assert stored["started_at"] <= stored["answered_at"] < stored["ended_at"]
        await desk.next("agent", where=lambda a: a["state"] == "available")
        member = (await pbx.members("standard"))["Local/1005@agent-phones/n"]
        assert member.get("Paused") == "0" and member.get("InCall") == "0"
        await matches_capture(pbx, "answered_call", caller)


async def test_a_caller_who_gives_up_waiting_is_stored_as_abandoned(live):
    pbx = live.pbx
    caller = await pbx.call_in(LIU, digits=["1"])
    await pbx.event("QueueCallerJoin", Uniqueid=caller.call_id)
    await pbx.hang_up(caller)
    abandon = await pbx.event("QueueCallerAbandon", Uniqueid=caller.call_id)
    assert abandon.get("Queue") == "standard"

    async def abandoned():
        rows = await live.store.recent_interactions(20, status="abandoned")
        return next((r for r in rows if r["call_id"] == caller.call_id), None)

    stored = await eventually(abandoned, timeout=15, what="abandoned row")
    assert stored["queue"] == "standard" and stored["agent_id"] is None and stored["ended_at"] is not None


async def test_a_caller_who_hangs_up_in_the_voice_menu_never_reaches_a_queue(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        since = pbx.mark()
        caller = await pbx.call_in(LIU, digits=[])          # no key: the menu waits
        await pbx.event("AGIExecStart", since=since, Channel=caller.channel)
        await pbx.hang_up(caller)
        await pbx.event("Hangup", since=since, Uniqueid=caller.call_id)
        # The IVR's session ends; nothing rings and the desk stays available for the next caller.
        follow = await pbx.call_in(LIU, digits=["1"])
        pop = await desk.next("pop", timeout=15)
        assert pop["call_id"] == follow.call_id
        assert not pbx.events("QueueCallerJoin", since=since, Uniqueid=caller.call_id)
        await pbx.hang_up(follow)


async def test_ring_no_answer_moves_to_the_next_agent_and_withdraws_the_pop(live):
    pbx = live.pbx
    async with desks(live, "1005", "1006") as (first, second):
        await pbx.phone("1005", answers=False)
        await pbx.phone("1006", answers=False)
        caller = await pbx.call_in(LIU, digits=["1"])
        called = await pbx.event("AgentCalled", Uniqueid=caller.call_id)
        rung = called.get("Interface") or called.get("MemberName")
        silent, answering = (first, "1006") if "1005" in rung else (second, "1005")
        await pbx.phone(answering)              # the other agent's phone will answer
        await silent.next("pop", timeout=10)
        noanswer = await pbx.event("AgentRingNoAnswer", Uniqueid=caller.call_id, timeout=15)
        assert noanswer.get("RingTime") == "4000"      # milliseconds, the member timeout of 4 s
        await silent.next("pop_withdrawn", timeout=10)
        other = second if silent is first else first
        pop = await other.next("pop", timeout=20)
        assert pop["call_id"] == caller.call_id
        await other.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        await pbx.hang_up(caller)
        await other.next("call", where=lambda c: c["state"] == "ended", timeout=15)


async def test_a_paused_member_is_not_rung(live):
    pbx = live.pbx
    async with desks(live, "1005", "1006") as (paused, working):
        assert (await paused.send("pause", {"reason": "lunch"}))["ok"]
        await paused.next("agent", where=lambda a: a["state"] == "paused")
        member = (await pbx.members("standard"))["Local/1005@agent-phones/n"]
        assert member.get("Paused") == "1" and member.get("PausedReason") == "lunch"
        since = pbx.mark()
        caller = await pbx.call_in(LIU, digits=["1"])
        pop = await working.next("pop", timeout=15)
        assert pop["call_id"] == caller.call_id
        await working.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        rung = {f.get("Interface") for f in pbx.events("AgentCalled", since=since)}
        assert rung == {"Local/1006@agent-phones/n"}
        await pbx.hang_up(caller)
        await working.next("call", where=lambda c: c["state"] == "ended", timeout=15)


async def test_a_caller_hanging_up_while_the_agent_s_phone_rings_is_abandoned_and_the_pop_withdrawn(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        await pbx.phone("1005", answers=False)
        caller = await pbx.call_in(LIU, digits=["1"])
        await desk.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=15)
        await pbx.event("AgentCalled", Uniqueid=caller.call_id)
        await pbx.hang_up(caller)
        await desk.next("pop_withdrawn", where=lambda p: p["call_id"] == caller.call_id, timeout=10)
        await desk.next("agent", where=lambda a: a["state"] == "available", timeout=10)

        async def abandoned():
            rows = await live.store.recent_interactions(20, status="abandoned")
            return next((r for r in rows if r["call_id"] == caller.call_id), None)
        stored = await eventually(abandoned, timeout=15, what="abandoned row")
        assert stored["queue"] == "standard" and stored["answered_at"] is None
        member = (await pbx.members("standard"))["Local/1005@agent-phones/n"]
        assert member.get("Paused") == "0"

"""Call control from the desk, on the simulator and on a real Asterisk: hang up (then the survey), hold
and resume, the caller hanging up on hold, blind transfers to an agent, a queue and a number (and back to the queue when nobody answers), attended
transfer completed and cancelled, click-to-dial."""
from __future__ import annotations

import pytest

from crm_bridge.seed import DEMO_INDIVIDUAL_NUMBER, DEMO_VIP_NUMBER

from .captures import matches_capture
from .desks import desks, row

pytestmark = pytest.mark.live
LIU = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")      # 刘强: the standard queue
SECOND = "Local/1006@agent-phones/n"


async def connected(live, desk, digits=("1",)):
    """刘强 calls, agent 1005 (the only one available) answers."""
    caller = await live.pbx.call_in(LIU, digits=list(digits))
    await desk.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=20)
    await desk.next("call", where=lambda c: c["state"] == "connected", timeout=15)
    return caller


async def not_in_use(live, interface: str, queue: str = "standard") -> None:
    """Asterisk's view: the member is no longer on a call (a leg left up would keep it 'in use')."""
    from .desks import eventually

    async def free():
        member = (await live.pbx.members(queue)).get(interface)
        return member is not None and member.get("InCall") == "0" and member.get("Status") == "1"
    await eventually(free, timeout=10, what=f"{interface} not in use")


async def test_desk_hang_up_ends_the_call_at_once_and_the_caller_gets_the_survey(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        caller = await connected(live, desk, digits=("1", "4"))
        since = pbx.mark()
        assert (await desk.send("hangup"))["ok"]
        complete = await pbx.event("AgentComplete", since=since, Uniqueid=caller.call_id, timeout=5)
        assert complete.get("Reason") == "agent"
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=5)
        assert ended["reason"] == "agent"
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up", timeout=5)
        stored = await row(live, ended["interaction_id"], "survey_score", timeout=30)
        assert stored["survey_score"] == 4 and stored["status"] == "completed"
        await matches_capture(pbx, "desk_hangup_survey", caller)


async def hold(live, desk, caller) -> None:
    """The desk puts the caller on hold: the desk says held, the caller hears music."""
    assert (await desk.send("hold"))["ok"]
    await desk.next("call", where=lambda c: c.get("held"), timeout=10)
    await live.pbx.event("MusicOnHoldStart", Uniqueid=caller.call_id, timeout=10)


async def resume(live, desk, caller) -> None:
    assert (await desk.send("resume"))["ok"]
    await desk.next("call", where=lambda c: c["state"] == "connected" and not c["held"], timeout=10)
    await live.pbx.event("MusicOnHoldStop", Uniqueid=caller.call_id, timeout=10)


@pytest.mark.parametrize("side", ["caller", "agent"])
async def test_hold_resume_then_either_side_hangs_up(live, side):
    """After a resume app_queue no longer owns the call (no AgentComplete on Asterisk): the end still
    reaches the desk, the row and Asterisk's member state."""
    async with desks(live, "1005") as (desk,):
        caller = await connected(live, desk)
        await hold(live, desk, caller)
        await resume(live, desk, caller)
        if side == "caller":
            await live.pbx.hang_up(caller)
        else:
            assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["reason"] == side and ended["call_id"] == caller.call_id
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up", timeout=5)
        stored = await row(live, ended["interaction_id"], "ended_at", status="completed")
        assert stored["answered_at"] < stored["ended_at"]
        await not_in_use(live, "Local/1005@agent-phones/n")
        if side == "caller":
            await matches_capture(live.pbx, "hold_resume", caller)


async def test_a_caller_hanging_up_while_held_frees_the_agent(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        caller = await connected(live, desk)
        await hold(live, desk, caller)
        await pbx.hang_up(caller)
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["reason"] == "caller"
        await not_in_use(live, "Local/1005@agent-phones/n")
        await row(live, ended["interaction_id"], "ended_at", status="completed")


async def test_blind_transfer_to_an_agent(live):
    async with desks(live, "1005", "1006") as (desk, other):
        caller = await connected_first(live, desk)
        assert (await desk.send("transfer", {"kind": "blind", "to": "agent", "target": "1006"}))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["reason"] == "transfer"
        pop = await other.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=15)
        assert pop["card"]["name"] == "刘强"
        await other.next("call", where=lambda c: c["state"] == "connected", timeout=15)
        await live.pbx.hang_up(caller)
        done = await other.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert done["interaction_id"] != ended["interaction_id"]


async def test_blind_transfer_to_a_queue(live):
    async with desks(live, "1005") as (desk,):
        caller = await connected(live, desk)
        async with desks(live, "1006") as (other,):
            assert (await desk.send("transfer", {"kind": "blind", "to": "queue", "target": "standard"}))["ok"]
            await desk.next("call", where=lambda c: c["state"] == "ended" and c["reason"] == "transfer", timeout=10)
            pop = await other.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=15)
            assert pop["queue"] == "standard"
            await other.next("call", where=lambda c: c["state"] == "connected", timeout=15)
            await live.pbx.hang_up(caller)
            await other.next("call", where=lambda c: c["state"] == "ended", timeout=10)


async def test_an_unanswered_blind_transfer_puts_the_caller_back_in_their_queue(live):
    """1006 is signed in and available but away from the phone: after routing.transfer_ring_seconds
    the caller waits in their queue again instead of being hung up, and the next free agent gets them."""
    pbx = live.pbx
    async with desks(live, "1005", "1006") as (desk, away):
        caller = await connected_first(live, desk)
        await pbx.phone("1006", answers=False)
        since = pbx.mark()
        assert (await desk.send("transfer", {"kind": "blind", "to": "agent", "target": "1006"}))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["reason"] == "transfer"
        await away.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=10)
        joined = await pbx.event("QueueCallerJoin", timeout=20, since=since, Uniqueid=caller.call_id)
        assert joined.get("Queue") == "standard"
        assert not pbx.events("Hangup", since=since, Uniqueid=caller.call_id)
        pop = await desk.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=30)
        assert pop["card"]["name"] == "刘强"
        await pbx.hang_up(caller)


async def test_blind_transfer_to_an_outside_number(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        caller = await connected(live, desk)
        since = pbx.mark()
        assert (await desk.send("transfer", {"kind": "blind", "to": "number", "target": "13900001234"}))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["reason"] == "transfer"
        dial = await pbx.observer.wait_for(
            lambda f: f.event == "DialBegin" and "@customer-phones" in f.get("DestChannel"), timeout=10, start=since)
        assert "13900001234" in dial.get("DestChannel")
        await not_in_use(live, "Local/1005@agent-phones/n")
        await pbx.hang_up(caller)


async def connected_first(live, desk):
    """As ``connected``, with 1006 logged in too: 1006's phone stays silent until 1005 has the call."""
    await live.pbx.phone("1006", answers=False)
    caller = await connected(live, desk)
    await live.pbx.phone("1006")
    return caller


async def consulting(live, desk, other):
    """1005 has the caller and consults 1006 (attended transfer), who answers with the pop."""
    caller = await connected_first(live, desk)
    assert (await desk.send("transfer", {"kind": "attended", "to": "agent", "target": "1006"}))["ok"]
    pop = await other.next("pop", where=lambda p: p["call_id"] == caller.call_id, timeout=15)
    assert pop["consult"]["role"] == "target"
    await desk.next("call", where=lambda c: (c.get("consult") or {}).get("answered"), timeout=15)
    return caller


async def test_attended_transfer_completed(live):
    pbx = live.pbx
    async with desks(live, "1005", "1006") as (desk, other):
        caller = await consulting(live, desk, other)
        assert (await desk.send("transfer_complete"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        assert ended["reason"] == "transfer"
        await other.next("call", where=lambda c: c["state"] == "connected" and c["call_id"] == caller.call_id,
                         timeout=10)
        await pbx.hang_up(caller)
        await other.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        await not_in_use(live, SECOND)


async def test_attended_transfer_cancelled(live):
    pbx = live.pbx
    async with desks(live, "1005", "1006") as (desk, other):
        caller = await consulting(live, desk, other)
        assert (await desk.send("transfer_cancel"))["ok"]
        back = await desk.next("call", where=lambda c: c["state"] == "connected" and not c.get("consult"),
                               timeout=10)
        assert back["call_id"] == caller.call_id
        await not_in_use(live, SECOND)
        await pbx.hang_up(caller)
        await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)


async def test_click_to_dial_rings_the_agent_then_the_customer(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        since = pbx.mark()
        reply = await desk.send("dial", {"number": DEMO_VIP_NUMBER})
        assert reply["ok"], reply
        pop = await desk.next("pop", where=lambda p: bool(p.get("card")), timeout=15)
        assert pop["card"]["name"] == "李娜" and pop["outbound"]
        await desk.next("call", where=lambda c: c["state"] == "connected", timeout=20)
        dial = await pbx.observer.wait_for(
            lambda f: f.event == "DialBegin" and "@customer-phones" in f.get("DestChannel"), timeout=10, start=since)
        assert DEMO_VIP_NUMBER.removeprefix("+86") in dial.get("DestChannel")
        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended", timeout=10)
        stored = await row(live, ended["interaction_id"], "ended_at", "answered_at")
        assert stored["menu_choice"] == "click-to-dial"
        await desk.next("agent", where=lambda a: a["state"] in ("wrap_up", "available"), timeout=10)

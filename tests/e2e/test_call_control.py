"""Call control from the desk, end to end over sockets: hold / resume, blind transfer to an agent or a
queue, hang up, click-to-dial (the agent's phone first, then the customer), and clear refusals.

Desk commands (websocket) -> engine -> AMI (BlindTransfer, Redirect + ExtraChannel, Bridge, Hangup,
Originate) -> PBX simulator, which answers with the events a real Asterisk 22 sends.
"""
from __future__ import annotations

import asyncio
import contextlib

from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.e2e.stack import Console, eventually, running_stack

AGENT = "Local/1002@agent-phones/n"
OTHER = "Local/1005@agent-phones/n"
VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")


@contextlib.asynccontextmanager
async def desks(stack, *logins: str):
    consoles = []
    try:
        for login in logins:
            console = Console(stack.base_url)
            consoles.append(console)
            await console.login(login, f"demo{login}")
            assert (await console.send("available"))["ok"]
            await console.next("agent", where=lambda a: a["state"] == "available")
        yield consoles
    finally:
        for console in consoles:
            await console.close()


async def answered_vip_call(stack, desk: Console):
    """A VIP caller (李娜) reaches agent 1002 through the vip queue and is connected."""
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
    pop = await desk.next("pop")
    assert pop["call_id"] == call.call_id
    await desk.next("call", where=lambda c: c["state"] == "connected")
    await call.wait_answered(10)
    return call


def events(stack, name: str, **headers: str):
    return [e for e in stack.sim_events if e.name == name and all(e.get(k) == v for k, v in headers.items())]


async def test_blind_transfer_to_an_agent_pops_the_customer_on_their_desk(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002", "1005") as (desk, other):
        call = await answered_vip_call(stack, desk)
        reply = await desk.send("transfer", {"kind": "blind", "to": "agent", "target": "1005"})
        assert reply["ok"], reply

        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "transfer"
        pop = await other.next("pop")
        assert pop["call_id"] == call.call_id and pop["card"]["name"] == "李娜"
        await other.next("call", where=lambda c: c["state"] == "connected")
        assert call.agent_interface == OTHER
        [transfer] = events(stack, "BlindTransfer", TransfereeUniqueid=call.call_id)
        assert transfer.get("Context") == "transfer" and transfer.get("Extension") == "1005"
        assert events(stack, "AgentComplete", Uniqueid=call.call_id, Reason="transfer")

        # The first agent can save their outcome; the new agent hangs up from the page.
        reply = await desk.send("disposition", {"call_id": call.call_id, "interaction_id": ended["interaction_id"],
                                                "outcome": "resolved", "notes": "", "complaint": None})
        assert reply["ok"], reply
        assert (await other.send("hangup"))["ok"]
        done = await other.next("call", where=lambda c: c["state"] == "ended")
        assert done["interaction_id"] != ended["interaction_id"]        # each agent's part has its own row
        assert await call.wait_ended(10) == "completed"


async def test_blind_transfer_to_a_queue_reaches_an_agent_of_that_queue(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002", "1005") as (desk, other):
        call = await answered_vip_call(stack, desk)
        assert (await desk.send("transfer", {"kind": "blind", "to": "queue", "target": "standard"}))["ok"]
        await desk.next("call", where=lambda c: c["state"] == "ended" and c["reason"] == "transfer")
        pop = await other.next("pop")
        assert pop["call_id"] == call.call_id and pop["queue"] == "standard"
        await other.next("call", where=lambda c: c["state"] == "connected")
        assert events(stack, "QueueCallerJoin", Uniqueid=call.call_id, Queue="standard")
        stack.sim.hangup(call)
        await other.next("call", where=lambda c: c["state"] == "ended")


async def test_hold_plays_music_to_the_caller_and_resume_joins_them_again(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002") as (desk,):
        call = await answered_vip_call(stack, desk)
        assert (await desk.send("hold"))["ok"]
        held = await desk.next("call", where=lambda c: c.get("held"))
        assert held["state"] == "connected"
        await eventually(lambda: _async(call.phase == "on_hold"), what="the caller on hold")
        assert events(stack, "MusicOnHoldStart", Uniqueid=call.call_id)[-1].get("Context") == "cc-hold"
        again = await desk.send("hold")
        assert not again["ok"] and again["error"]["id"] == "already-on-hold"

        assert (await desk.send("resume"))["ok"]
        await desk.next("call", where=lambda c: c["state"] == "connected" and not c["held"])
        await eventually(lambda: _async(call.phase == "connected"), what="caller and agent bridged again")
        assert events(stack, "MusicOnHoldStop", Uniqueid=call.call_id)

        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id
        assert await call.wait_ended(10) == "completed"


async def test_click_to_dial_rings_the_agent_first_then_the_customer_and_shows_their_card(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002") as (desk,):
        stack.sim.phone(AGENT).talk_seconds = 60
        bad = await desk.send("dial", {"number": "12"})
        assert not bad["ok"] and bad["error"]["details"]["fields"] == {"number": "invalid"}

        reply = await desk.send("dial", {"number": DEMO_VIP_NUMBER})
        assert reply["ok"], reply
        pop = await desk.next("pop", where=lambda p: bool(p.get("card")))
        assert pop["card"]["name"] == "李娜" and pop["outbound"]
        connected = await desk.next("call", where=lambda c: c["state"] == "connected")
        assert connected["call_id"] == pop["call_id"]
        # The agent's phone was dialled first (no calling channel), then the customer from that leg.
        dials = [e for e in stack.sim_events if e.name == "DialBegin"]
        agent_first = next(i for i, e in enumerate(dials) if e.get("DestUniqueid") == pop["call_id"])
        assert not dials[agent_first].get("Channel")
        customer = next(e for e in dials[agent_first:] if e.get("Uniqueid") == pop["call_id"])
        assert customer.get("DestChannel").startswith(f"Local/{VIP_LOCAL}@customer-phones")

        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        row = await eventually(lambda: _row(stack, ended["interaction_id"]), what="click-to-dial row")
        assert row["menu_choice"] == "click-to-dial" and row["status"] == "completed"
        assert row["answered_at"] is not None


async def test_click_to_dial_from_an_agent_in_no_queue_shows_no_error(tmp_path):
    # Not Available: in no queue. Asterisk answers a QueuePause for it "Interface not found"; the server
    # must not send one, and the desk sees the call through without an error frame.
    async with running_stack(tmp_path, wrapup=1) as stack:
        desk = Console(stack.base_url)
        try:
            await desk.login("1002", "demo1002")
            stack.sim.phone(AGENT).talk_seconds = 0.3
            assert (await desk.send("dial", {"number": DEMO_VIP_NUMBER}))["ok"]
            seen = []
            while not (seen and seen[-1]["type"] == "call" and seen[-1]["data"]["state"] == "ended"):
                seen.append(await asyncio.wait_for(desk.frames.get(), 10))
            assert [f for f in seen if f["type"] == "error"] == []
            assert [f["data"]["state"] for f in seen if f["type"] == "call"] == ["connected", "ended"]
        finally:
            await desk.close()


async def test_call_control_without_a_call_is_refused_clearly(tmp_path):
    async with running_stack(tmp_path) as stack, desks(stack, "1002") as (desk,):
        for command, data in (("hold", {}), ("resume", {}), ("hangup", {}),
                              ("transfer", {"kind": "blind", "to": "queue", "target": "standard"})):
            reply = await desk.send(command, data)
            assert not reply["ok"] and reply["error"]["id"] == "no-connected-call", (command, reply)
        reply = await desk.send("transfer", {"kind": "sideways", "to": "queue", "target": "standard"})
        assert not reply["ok"] and reply["error"]["details"]["fields"] == {"kind": "invalid"}
        assert (await desk.send("ping"))["ok"]          # the socket is still fine


async def _async(value):
    return value


async def _row(stack, interaction_id: str):
    row = await stack.store.interaction(interaction_id)
    return row if row and row.get("ended_at") else None

"""Attended transfer from the desk, end to end over sockets (``atxfer.ami.txt``): agent 1002 consults
1005 (Atxfer; the caller on hold), 1005 sees the customer as a consultation pop and answers; completing
hands the caller to 1005 (AttendedTransfer, AgentComplete Reason: transfer) and puts 1002 in wrap-up,
each with their own interaction row; cancelling brings the caller back to 1002 (Unhold)."""
from __future__ import annotations

from tests.e2e.stack import eventually, running_stack
from tests.e2e.test_call_control import (
    OTHER,
    _async,
    _row,
    answered_vip_call,
    desks,
    events,
)

ATTENDED = {"kind": "attended", "to": "agent", "target": "1005"}


async def _consulting(stack, desk, other):
    call = await answered_vip_call(stack, desk)
    reply = await desk.send("transfer", ATTENDED)
    assert reply["ok"], reply
    mine = await desk.next("call", where=lambda c: bool(c.get("consult")))
    assert mine["consult"]["role"] == "transferer" and mine["consult"]["to"]
    pop = await other.next("pop")
    assert pop["call_id"] == call.call_id and pop["card"]["name"] == "李娜"
    assert pop["consult"]["role"] == "target" and pop["consult"]["from"]
    answered = await other.next("pop", where=lambda p: (p.get("consult") or {}).get("answered"))
    assert answered["call_id"] == call.call_id
    await desk.next("call", where=lambda c: (c.get("consult") or {}).get("answered"))
    await eventually(lambda: _async(call.phase == "connected" and call.hung_up is False), what="caller still up")
    assert events(stack, "Hold")
    assert events(stack, "MusicOnHoldStart", Uniqueid=call.call_id)
    return call, pop


async def test_completed_attended_transfer_gives_the_caller_and_the_card_to_the_target(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002", "1005") as (desk, other):
        call, _ = await _consulting(stack, desk, other)
        # Refused clearly while consulting: hold; and nothing to complete on the target's desk.
        assert (await desk.send("hold"))["error"]["id"] == "consulting"

        assert (await desk.send("transfer_complete"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "transfer"
        owned = await other.next("call", where=lambda c: c["state"] == "connected")
        assert owned["call_id"] == call.call_id and owned["card"]["name"] == "李娜" and not owned.get("consult")
        assert owned["interaction_id"] != ended["interaction_id"]
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up")
        [transfer] = events(stack, "AttendedTransfer", TransfereeUniqueid=call.call_id)
        assert transfer.get("TransferTargetChannel").startswith("Local/1005@transfer-")
        assert events(stack, "AgentComplete", Uniqueid=call.call_id, Reason="transfer")
        assert call.agent_interface == OTHER

        # The first agent saves their part; the target hangs up from the page: two rows.
        reply = await desk.send("disposition", {"call_id": call.call_id, "interaction_id": ended["interaction_id"],
                                                "outcome": "resolved", "notes": "", "complaint": None})
        assert reply["ok"], reply
        assert (await other.send("hangup"))["ok"]
        done = await other.next("call", where=lambda c: c["state"] == "ended")
        assert done["interaction_id"] == owned["interaction_id"]
        first = await eventually(lambda: _row(stack, ended["interaction_id"]), what="the first agent's row")
        second = await eventually(lambda: _row(stack, done["interaction_id"]), what="the target's row")
        assert first["agent_id"] != second["agent_id"] and first["customer_id"] == second["customer_id"]
        assert first["outcome"] == "resolved"
        assert await call.wait_ended(10) == "completed"


async def test_cancelled_consultation_returns_the_caller_to_the_first_agent(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002", "1005") as (desk, other):
        call, _ = await _consulting(stack, desk, other)
        assert (await other.send("transfer_complete"))["ok"]       # accepted, then refused by the engine:
        refused = await other.next("error")                           # not theirs to complete
        assert refused["id"] == "no-attended-transfer"
        assert (await desk.send("transfer_cancel"))["ok"]
        back = await desk.next("call", where=lambda c: c["state"] == "connected" and not c.get("consult"))
        assert back["call_id"] == call.call_id
        withdrawn = await other.next("pop_withdrawn")
        assert withdrawn["call_id"] == call.call_id
        await other.next("agent", where=lambda a: a["state"] == "available")
        assert events(stack, "Unhold") and events(stack, "MusicOnHoldStop", Uniqueid=call.call_id)
        assert not events(stack, "AttendedTransfer")
        # Still the first agent's call: hold works again, and the hang-up ends it on their desk.
        assert (await desk.send("hold"))["ok"]
        await desk.next("call", where=lambda c: c.get("held"))
        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id
        assert await call.wait_ended(10) == "completed"

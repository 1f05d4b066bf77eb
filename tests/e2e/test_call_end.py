"""The end of a call from the desk and after a hold, as a real Asterisk 22.10.1 reports it (issue 9
failures 2, 3, 4; STYLE.md "Traps found on a real Asterisk 22.10.1"), end to end over sockets:

* the desk's hang-up must end the call as the agent's phone does (``AgentComplete Reason: agent`` at
  once, the caller goes on to the survey), not leave app_queue waiting for the caller;
* after hold (Redirect) and resume (Bridge) no ``AgentComplete`` ever comes: the server ends the call
  from the Hangup of either side;
* a held caller who hangs up leaves the agent's parked leg up: the server hangs it up, so Asterisk
  offers the agent the next call.
"""
from __future__ import annotations

from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.e2e.stack import Console, eventually, running_stack
from tests.e2e.test_call_control import AGENT, VIP_LOCAL, desks, events

DEVICE_NOT_INUSE = 1


async def answered(stack, desk: Console, digits=("1", "4")):
    """A VIP caller (李娜) reaches agent 1002 and is connected; the next digit rates the call (survey)."""
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=digits, talk_seconds=60)
    await desk.next("pop", where=lambda p: p["call_id"] == call.call_id)
    await desk.next("call", where=lambda c: c["state"] == "connected")
    await call.wait_answered(10)
    return call


async def held_and_resumed(stack, desk: Console, call) -> None:
    assert (await desk.send("hold"))["ok"]
    await desk.next("call", where=lambda c: c.get("held"))
    await eventually(lambda: _async(call.phase == "on_hold"), what="the caller on hold")
    assert (await desk.send("resume"))["ok"]
    await desk.next("call", where=lambda c: c["state"] == "connected" and not c["held"])
    await eventually(lambda: _async(call.phase == "connected"), what="caller and agent bridged again")


async def row_of(stack, interaction_id: str, **expected):
    async def row():
        found = await stack.store.interaction(interaction_id)
        ok = found and found.get("ended_at") and all(found.get(k) == v for k, v in expected.items())
        return found if ok else None
    return await eventually(row, what=f"interaction {interaction_id} with {expected}")


def member(stack, queue: str = "vip"):
    return next(m for m in stack.sim.queue_state(queue).members if m.interface == AGENT)


async def test_the_desk_hang_up_starts_the_wrap_up_at_once_and_the_caller_rates_the_call(tmp_path):
    async with running_stack(tmp_path, wrapup=30) as stack, desks(stack, "1002") as (desk,):
        call = await answered(stack, desk)
        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "agent"
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up")
        [complete] = events(stack, "AgentComplete", Uniqueid=call.call_id)
        assert complete.get("Reason") == "agent"
        # The phone side was hung up: app_queue answered at once, before the caller's survey.
        assert await call.wait_ended(10) == "completed"
        assert any(c.startswith("GET DATA survey") for c in call.agi_commands)
        first_survey = next(i for i, e in enumerate(stack.sim_events)
                            if e.name == "AGIExecStart" and e.get("Uniqueid") == call.call_id
                            and "GET DATA survey" in e.get("Command"))
        assert stack.sim_events.index(complete) < first_survey
        row = await row_of(stack, ended["interaction_id"], status="completed", survey_score=4)
        assert row["answered_at"] is not None


async def test_hold_resume_then_the_caller_hangs_up_ends_the_call_on_the_desk(tmp_path):
    async with running_stack(tmp_path, wrapup=30) as stack, desks(stack, "1002") as (desk,):
        call = await answered(stack, desk)
        await held_and_resumed(stack, desk, call)
        stack.sim.hangup(call)
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "caller"
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up")
        assert not events(stack, "AgentComplete", Uniqueid=call.call_id)   # Asterisk never says so
        await row_of(stack, ended["interaction_id"], status="completed")


async def test_hold_resume_then_the_desk_hangs_up_ends_the_call_and_the_caller_rates_it(tmp_path):
    async with running_stack(tmp_path, wrapup=30) as stack, desks(stack, "1002") as (desk,):
        call = await answered(stack, desk)
        await held_and_resumed(stack, desk, call)
        assert (await desk.send("hangup"))["ok"]
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "agent"
        await desk.next("agent", where=lambda a: a["state"] == "wrap_up")
        assert await call.wait_ended(10) == "completed"
        assert any(c.startswith("GET DATA survey") for c in call.agi_commands)    # [cc-hold] priority 3
        await row_of(stack, ended["interaction_id"], status="completed", survey_score=4)
        assert not events(stack, "AgentComplete", Uniqueid=call.call_id)


async def test_a_caller_hanging_up_on_hold_frees_the_agent_for_the_next_call(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack, desks(stack, "1002") as (desk,):
        call = await answered(stack, desk)
        leg = events(stack, "AgentConnect", Uniqueid=call.call_id)[0].get("DestChannel")
        assert (await desk.send("hold"))["ok"]
        await eventually(lambda: _async(call.phase == "on_hold"), what="the caller on hold")
        stack.sim.hangup(call)
        ended = await desk.next("call", where=lambda c: c["state"] == "ended")
        assert ended["reason"] == "caller"
        # The server hung up the agent's parked leg: Asterisk sees the member free again.
        await eventually(lambda: _async(bool(events(stack, "Hangup", Channel=leg))), what="the parked leg hung up")
        await eventually(lambda: _async(member(stack).status == DEVICE_NOT_INUSE), what="the member not in use")
        await row_of(stack, ended["interaction_id"], status="completed")
        await desk.next("agent", where=lambda a: a["state"] == "available")    # the 1 s wrap-up is over
        second = await stack.sim.place_call(DEMO_VIP_NUMBER.removeprefix("+86"), "Li Na", digits=("1",),
                                            talk_seconds=0.2)
        pop = await desk.next("pop", where=lambda p: p["call_id"] == second.call_id)
        assert pop["card"]["name"] == "李娜"
        assert await second.wait_answered(10) == AGENT


async def _async(value):
    return value

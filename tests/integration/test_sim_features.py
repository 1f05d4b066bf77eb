"""Simulator features beyond the recorded scenarios: SIP members, redirects, traffic, the CLI runner."""
from __future__ import annotations

import asyncio

import pytest

from callcenter.simulator import (PbxSimulator, QueueSpec, SimulatorConfig, Timing, TrafficGenerator,
                                  run_simulator)
from callcenter.simulator.testing import AmiClient

TIMING = Timing(prompt_seconds=0.01, digit_seconds=0.01, timeout_scale=0.01, answer_after=0.05,
                member_timeout=0.3, retry=0.05, talk_seconds=30.0)
CONFIG = SimulatorConfig(username="lab", secret="labsecret", queues={"vip": QueueSpec(), "standard": QueueSpec()},
                         default_queue="standard", agi_port=None, timing=TIMING, seed=5)


@pytest.fixture
async def sim():
    async with PbxSimulator(CONFIG) as simulator:
        yield simulator


@pytest.fixture
async def ami(sim):
    async with AmiClient.logged_in(sim.ami_port, "lab", "labsecret") as client:
        yield client


async def test_a_sip_member_rings_as_one_channel_and_shows_ringing(sim, ami):
    sim.phone("PJSIP/1001").signals_ringing = True
    await ami.action("QueueAdd", Queue="standard", Interface="PJSIP/1001", MemberName="agent1001")
    call = await sim.place_call("13800000010", "Sip", digits=(), talk_seconds=0.05)
    assert await call.wait_answered() == "PJSIP/1001"
    assert await call.wait_ended() == "completed"
    called = await ami.event("AgentCalled")
    assert called["DestChannel"] == "PJSIP/1001-00000000" and called["DestLinkedid"] == call.front.uniqueid
    statuses = [f["Status"] for f in ami.frames if f.event == "QueueMemberStatus"]
    assert statuses == ["6", "2", "1"]                 # ringing, in use, idle


async def test_paused_members_are_never_rung(sim, ami):
    await ami.action("QueueAdd", Queue="standard", Interface="Local/1001@agent-phones/n", Paused="true",
                     Reason="training")
    call = await sim.place_call("13800000011", "Waiting", digits=())
    await call.wait_joined()
    await asyncio.sleep(0.2)        # a simulated member would have answered by now (answer_after 0.05)
    assert not any(f.event == "AgentCalled" for f in ami.frames)
    view = sim.queue_state("standard")
    assert view.paused == ("Local/1001@agent-phones/n",) and view.member("Local/1001@agent-phones/n").paused_reason \
        == "training"
    assert [w.call_id for w in view.waiting] == [call.call_id]
    await ami.action("QueuePause", Interface="Local/1001@agent-phones/n", Paused="false")
    assert await call.wait_answered() == "Local/1001@agent-phones/n"
    sim.hangup(call)
    assert await call.wait_ended() == "completed"


async def test_a_member_on_a_call_is_not_rung_for_another_caller(sim, ami):
    await ami.action("QueueAdd", Queue="standard", Interface="Local/1001@agent-phones/n")
    first = await sim.place_call("13800000012", "First", digits=())
    await first.wait_answered()
    second = await sim.place_call("13800000013", "Second", digits=())
    await second.wait_joined()
    await asyncio.sleep(0.15)
    assert not second.answered.is_set()
    sim.hangup(first)
    assert await second.wait_answered() == "Local/1001@agent-phones/n"
    sim.hangup(second)
    await second.wait_ended()


async def test_redirect_out_of_a_bridge_defers_agent_complete(sim, ami):
    await ami.action("QueueAdd", Queue="standard", Interface="Local/1001@agent-phones/n")
    call = await sim.place_call("13800000014", "Transferred", digits=())
    await call.wait_answered()
    mark = len(ami.frames)
    await ami.action("Redirect", Channel=call.chan.name, Context="somewhere", Exten="s", Priority="1")
    await ami.event("BridgeDestroy", start=mark)
    await ami.wait_for(lambda f: f.event == "QueueMemberStatus" and f["Status"] == "1", start=mark)
    assert not [f for f in ami.frames[mark:] if f.event == "AgentComplete"]
    sim.hangup(call)
    assert await call.wait_ended() == "completed"
    complete = await ami.event("AgentComplete", start=mark)
    hangup = await ami.event("Hangup", start=mark, Channel=call.chan.name)
    assert ami.frames.index(complete) < ami.frames.index(hangup)


async def test_traffic_generator_places_seeded_calls(sim):
    callers = [("13800000101", "Alpha"), ("13800000102", "Beta")]
    traffic = TrafficGenerator(sim, callers, calls_per_second=50.0, seed=42, patience=(0.05, 0.1), talk=(0.05, 0.1))
    traffic.start()
    assert traffic.running
    for _ in range(200):
        if len(traffic.placed) >= 3:
            break
        await asyncio.sleep(0.01)
    await traffic.stop()
    assert not traffic.running and len(traffic.placed) >= 3
    assert {(c.number, c.name) for c in traffic.placed} <= set(callers)
    for call in traffic.placed:
        assert await call.wait_ended() in ("abandoned", "completed")


async def test_run_simulator_serves_until_cancelled():
    ready: asyncio.Future[PbxSimulator] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_simulator(CONFIG, "127.0.0.1", 0, callers=[("13800000001", "A")],
                                             calls_per_second=5.0, ready=ready.set_result))
    sim = await asyncio.wait_for(ready, 5)
    client = await AmiClient.connect("127.0.0.1", sim.ami_port)
    await client.login("lab", "labsecret", events="off")
    assert (await client.action("Ping"))["Ping"] == "Pong"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(client.closed.wait(), 2)
    await client.close()


async def test_caller_hanging_up_while_an_agent_rings_cancels_the_ring(sim, ami):
    sim.phone("Local/1001@agent-phones/n").answers = False
    await ami.action("QueueAdd", Queue="standard", Interface="Local/1001@agent-phones/n", MemberName="agent1001")
    mark = len(ami.frames)
    call = await sim.place_call("13800000015", "Short", digits=(), patience=0.1)
    assert await call.wait_ended() == "abandoned"
    await ami.event("Hangup", start=mark, Channel=call.chan.name)
    names = [f.event for f in ami.frames[mark:] if f.event in (
        "AgentCalled", "DialEnd", "AgentRingNoAnswer", "QueueCallerAbandon", "QueueCallerLeave", "QueueMemberStatus")]
    assert names == ["DialEnd", "AgentCalled", "QueueMemberStatus", "DialEnd", "QueueMemberStatus",
                     "QueueCallerAbandon", "QueueCallerLeave"]
    cancel = [f for f in ami.frames[mark:] if f.event == "DialEnd"][1]
    assert cancel["DialStatus"] == "CANCEL" and sim.queue_state("standard").member(
        "Local/1001@agent-phones/n").status == 1


async def test_stopping_the_simulator_also_stops_its_traffic():
    simulator = PbxSimulator(CONFIG)
    await simulator.start()
    traffic = TrafficGenerator(simulator, [("13800000001", "A")], calls_per_second=20.0, seed=1)
    traffic.start()
    await simulator.stop()
    assert not traffic.running
    await traffic.stop()


async def test_restart_like_core_restart_now(sim):
    client = await AmiClient.connect("127.0.0.1", sim.ami_port)
    try:
        await client.login("lab", "labsecret")
        await client.action("QueueAdd", Queue="standard", Interface="Local/1001@agent-phones/n", Paused="true")
        call = await sim.place_call("13800000802", "Waiting R", digits=())
        await call.wait_joined()
        port = sim.ami_port
        await sim.restart(close_after=0.05, down_for=0.05)
        assert call.outcome == "abandoned"
        shutdown = await client.event("Shutdown")
        assert shutdown.pairs == (("Event", "Shutdown"), ("Privilege", "system,all"), ("Shutdown", "Cleanly"),
                                  ("Restart", "True"))
        causes = [f["Cause"] for f in client.frames if f.event == "SoftHangupRequest"]
        assert causes[:2] == ["4", "4"]
        await asyncio.wait_for(client.closed.wait(), 2)
    finally:
        await client.close()
    assert sim.ami_port == port
    again = await AmiClient.connect("127.0.0.1", port)
    try:
        await again.login("lab", "labsecret")
        booted = await again.event("FullyBooted")
        assert booted["Uptime"] == "0"
        assert sim.queue_state("standard").members == ()          # dynamic members are gone
        fresh = await sim.place_call("13800000803", "After", digits=())
        assert fresh.call_id.endswith(".1")                        # Uniqueid numbering restarted
        sim.hangup(fresh)
        await fresh.wait_ended()
    finally:
        await again.close()


async def test_change_priority_of_a_waiting_caller(sim, ami):
    first = await sim.place_call("13800000020", "First", digits=())
    await first.wait_joined()
    second = await sim.place_call("13800000021", "Second", digits=())
    await second.wait_joined()
    lazy = await ami.action("QueueChangePriorityCaller", Queue="standard", Caller=second.chan.name, Priority="5")
    assert lazy["Message"] == "Priority change for caller on queue"
    assert [w.call_id for w in sim.queue_state("standard").waiting] == [first.call_id, second.call_id]
    await ami.action("QueueChangePriorityCaller", Queue="standard", Caller=second.chan.name, Priority="6",
                     Immediate="yes")
    waiting = sim.queue_state("standard").waiting
    assert [(w.call_id, w.priority) for w in waiting] == [(second.call_id, 6), (first.call_id, 0)]
    missing = await ami.action("QueueChangePriorityCaller", Queue="standard", Caller="Local/x;2", Priority="1")
    assert missing["Message"] == "Unable to change priority caller on queue: No such caller"
    for call in (first, second):
        sim.hangup(call)
        await call.wait_ended()

"""Whole calls through the simulator over real sockets, compared with the Asterisk 22 recordings.

An AMI client watches (``Events: on``) while a tiny FastAGI server plays the IVR the way the recorded
lab IVR did (GET DATA, WAIT FOR DIGIT, two SET VARIABLEs, VERBOSE) but with our variable names.
"""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing
from callcenter.simulator.testing import AgiConnection, AmiClient, ScriptedAgiServer, call_signature, parse_ami_stream
from tests.recordings import recording

SIMULATED = frozenset({
    "Newchannel", "NewCallerid", "NewConnectedLine", "LocalBridge", "DialBegin", "DialState", "DialEnd", "Newstate",
    "AGIExecStart", "AGIExecEnd", "DTMFBegin", "DTMFEnd", "QueueCallerJoin", "QueueCallerLeave",
    "QueueCallerAbandon", "MusicOnHoldStart", "MusicOnHoldStop", "AgentCalled", "AgentConnect", "AgentComplete",
    "AgentRingNoAnswer", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy", "SoftHangupRequest",
    "HangupRequest", "Hangup", "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberStatus", "QueueMemberPause"})
TIMING = Timing(prompt_seconds=0.01, digit_seconds=0.01, timeout_scale=0.01, answer_after=0.05,
                member_timeout=0.3, retry=0.05, talk_seconds=30.0)
CONFIG = SimulatorConfig(username="lab", secret="labsecret",
                         queues={"vip": QueueSpec(), "enterprise": QueueSpec(), "standard": QueueSpec()},
                         default_queue="standard", timing=TIMING, seed=7)
AGENT = "Local/1001@agent-phones/n"
ROUTES = {"1": ("vip", 10), "2": ("enterprise", 0)}


async def lab_ivr(agi: AgiConnection) -> None:
    first = (await agi.command("GET DATA beep 15000 1")).split("=", 1)[1].split(" ")[0]
    await agi.command("WAIT FOR DIGIT 3000")
    queue, priority = ROUTES.get(first, ("standard", 0))
    await agi.command(f'SET VARIABLE CC_QUEUE "{queue}"')
    await agi.command(f'SET VARIABLE CC_PRIORITY "{priority}"')
    await agi.command(f'VERBOSE "routed to {queue} prio {priority}" 1')


@pytest.fixture
async def agi():
    server = ScriptedAgiServer(lab_ivr)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sim(agi):
    async with PbxSimulator(dataclasses.replace(CONFIG, agi_port=agi.port)) as simulator:
        yield simulator


@pytest.fixture
async def ami(sim):
    client = await AmiClient.connect("127.0.0.1", sim.ami_port)
    await client.login("lab", "labsecret", events="on")
    await client.event("SuccessfulAuth")
    yield client
    await client.close()


def recorded_signature(name: str) -> list[tuple[str, int | None]]:
    return call_signature(parse_ami_stream(recording(name)), SIMULATED)


async def test_ivr_routes_to_vip_with_queue_priority_10(sim, ami, agi):
    call = await sim.place_call("13800000001", "Test", digits=("1",))
    assert await call.wait_joined() == ("vip", 10)
    assert call.agi_status == "SUCCESS"
    assert (call.variables["CC_QUEUE"], call.variables["QUEUE_PRIO"]) == ("vip", "10")
    _, items = await ami.list_action("QueueStatus", Queue="vip")
    [entry] = [i for i in items if i.event == "QueueEntry"]
    assert (entry["Priority"], entry["Position"], entry["Uniqueid"]) == ("10", "1", call.call_id)
    assert entry["Channel"] == "Local/100@inbound-00000000;2"
    join = await ami.event("QueueCallerJoin")
    assert (join["Uniqueid"], join["Priority"], join["Queue"]) == (call.call_id, "20", "vip")   # dialplan priority: Queue(${CC_QUEUE}) when the AGI set no plan
    assert join["Linkedid"] == call.front.uniqueid
    sim.hangup(call)
    assert await call.wait_ended() == "abandoned"


async def test_agi_environment_is_the_one_asterisk_sends(sim, agi):
    import json
    call = await sim.place_call("13800000001", "Test", digits=("1",))
    await call.wait_joined()
    session = agi.sessions[0]
    reference = json.loads(recording("agi_requests.jsonl").splitlines()[0])["env"]
    assert list(session.env) == list(reference)
    assert all(line.endswith("\n") and not line.endswith("\r\n") for line in session.env_lines)
    env = session.env
    assert (env["agi_network"], env["agi_network_script"], env["agi_version"]) == ("yes", "inbound", "22.10.1")
    assert env["agi_request"] == f"agi://127.0.0.1:{agi.port}/inbound"
    assert (env["agi_channel"], env["agi_uniqueid"], env["agi_type"]) == (call.chan.name, call.call_id, "Local")
    assert (env["agi_callerid"], env["agi_calleridname"], env["agi_dnid"]) == ("13800000001", "Test", "unknown")
    assert (env["agi_context"], env["agi_extension"], env["agi_priority"], env["agi_arg_1"]) == \
        ("inbound", "100", "5", "100")
    sim.hangup(call)
    await call.wait_ended()
    await asyncio.wait_for(_until(lambda: session.hangups == 1), 2)     # the end-of-session HANGUP


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.01)


async def test_answered_call_events_match_queue_call_recording(sim, ami):
    mark = len(ami.frames)
    await ami.action("QueueAdd", Queue="vip", Interface=AGENT, MemberName="agent1001", Penalty="0")
    await ami.action("Originate", Channel="Local/100@inbound/n", Context="caller-sim", Exten="19", Priority="1",
                     CallerID='"Test" <13800000001>', Async="true", Timeout="30000")
    connect = await ami.event("AgentConnect", start=mark)
    front = connect["Channel"].replace(";2", ";1")
    hung = await ami.action("Hangup", Channel=front, Cause="16")
    assert hung["Message"] == "Channel Hungup"
    await ami.event("Hangup", start=mark, Channel="Local/1001@agent-phones-00000001;2")
    await ami.action("QueueRemove", Queue="vip", Interface=AGENT)
    await ami.event("QueueMemberRemoved", start=mark)
    assert call_signature(ami.frames[mark:], SIMULATED) == recorded_signature("queue_call.ami.txt")
    complete = await ami.event("AgentComplete", start=mark)
    assert (complete["Reason"], complete["MemberName"], complete["Interface"]) == ("caller", "agent1001", AGENT)
    assert connect["Uniqueid"] == complete["Uniqueid"]
    originate = await ami.wait_for(lambda f: f.event == "OriginateResponse", start=mark)
    assert (originate["Response"], originate["Reason"], originate["Channel"]) == ("Success", "4", front)
    [call] = sim.calls
    assert call.call_id == connect["Uniqueid"] and call.outcome == "completed"
    assert [c.split(" ")[0] for c in call.agi_commands] == ["GET", "WAIT", "SET", "SET", "VERBOSE"]


async def test_abandoned_call_events_match_queue_abandon_recording(sim, ami):
    mark = len(ami.frames)
    await ami.action("Originate", Channel="Local/100@inbound/n", Context="caller-sim", Exten="2", Priority="1",
                     CallerID='"Abandoner" <13800000002>', Async="true", Timeout="30000")
    join = await ami.event("QueueCallerJoin", start=mark)
    assert join["Queue"] == "enterprise"
    _, items = await ami.list_action("QueueStatus", Queue="enterprise")
    assert [i.event for i in items] == ["QueueParams", "QueueEntry", "QueueStatusComplete"]
    await ami.action("Hangup", Channel=join["Channel"].replace(";2", ";1"))
    await ami.event("Hangup", start=mark, Channel=join["Channel"])
    assert call_signature(ami.frames[mark:], SIMULATED) == recorded_signature("queue_abandon.ami.txt")
    abandon = await ami.event("QueueCallerAbandon", start=mark)
    assert (abandon["Position"], abandon["OriginalPosition"], abandon["Queue"]) == ("1", "1", "enterprise")
    hangup = await ami.event("Hangup", start=mark, Channel=join["Channel"])
    assert (hangup["Cause"], hangup["Cause-txt"]) == ("0", "Unknown")          # Hangup action without Cause


async def test_ring_no_answer_moves_to_the_next_member(sim, ami):
    sim.phone("Local/2001@agent-noanswer/n").answers = False
    mark = len(ami.frames)
    await ami.action("QueueAdd", Queue="vip", Interface="Local/2001@agent-noanswer/n",
                     MemberName="agent2001-noanswer")
    await ami.action("QueueAdd", Queue="vip", Interface=AGENT, MemberName="agent1001")
    await ami.action("Originate", Channel="Local/vip@queue-direct/n", Context="caller-sim", Exten="silent",
                     Priority="1", CallerID='"RONA Test" <13800000101>', Async="true", Timeout="30000")
    rna = await ami.event("AgentRingNoAnswer", start=mark)
    assert (rna["MemberName"], rna["RingTime"]) == ("agent2001-noanswer", "300")     # milliseconds
    connect = await ami.event("AgentConnect", start=mark)
    assert connect["MemberName"] == "agent1001"
    ours = call_signature(ami.frames[mark:], SIMULATED)
    theirs = recorded_signature("ring_no_answer.ami.txt")
    upto = theirs.index(("QueueCallerLeave", theirs[theirs.index(("QueueCallerJoin", 1))][1]))
    assert ours[:upto + 1] == theirs[:upto + 1]
    assert sim.queue_state("vip").member(AGENT).in_call


async def test_priority_order_10_then_5_then_0(sim, ami):
    for interface in ("Local/1001@agent-phones/n", "Local/1002@agent-phones/n"):
        sim.phone(interface).talk_seconds = 0.05
    mark = len(ami.frames)
    await ami.action("QueueAdd", Queue="enterprise", Interface="Local/1002@agent-phones/n", MemberName="agent1002",
                     Paused="true", Reason="lunch")
    callers = [("Prio0 A", "13800000201", "0"), ("Prio10 B", "13800000202", "10"), ("Prio5 C", "13800000203", "5")]
    for name, number, prio in callers:
        await ami.action("Originate", Channel="Local/enterprise@queue-direct/n", Context="caller-sim",
                         Exten="silent", Priority="1", CallerID=f'"{name}" <{number}>', Async="true",
                         Variable=["SIM_HOLD=600", f"__QUEUE_PRIO={prio}"])
        await ami.event("QueueCallerJoin", start=mark, CallerIDNum=number)
    _, items = await ami.list_action("QueueStatus", Queue="enterprise")
    entries = [(i["Position"], i["CallerIDNum"], i["Priority"]) for i in items if i.event == "QueueEntry"]
    assert entries == [("1", "13800000202", "10"), ("2", "13800000203", "5"), ("3", "13800000201", "0")]
    member = next(i for i in items if i.event == "QueueMember")
    assert (member["Name"], member["Paused"], member["PausedReason"]) == ("agent1002", "1", "lunch")
    _, summary = await ami.list_action("QueueSummary", Queue="enterprise")
    assert (summary[0]["LoggedIn"], summary[0]["Available"], summary[0]["Callers"]) == ("1", "0", "3")
    recorded = [(f["Position"], f["CallerIDNum"], f["Priority"])
                for f in parse_ami_stream(recording("priority.ami.txt"))
                if f.event == "QueueEntry" and f.get("ActionID") == "lab-7"]
    assert entries == recorded
    unpause = await ami.action("QueuePause", Queue="enterprise", Interface="Local/1002@agent-phones/n", Paused="false")
    assert unpause["Message"] == "Interface unpaused successfully"
    pause_event = await ami.event("QueueMemberPause", start=mark)
    assert (pause_event["Paused"], pause_event["PausedReason"]) == ("0", "")
    await ami.wait_for(lambda f: f.event == "AgentComplete" and
                       len([g for g in ami.frames[mark:] if g.event == "AgentComplete"]) == 3, 5)
    served = [f["CallerIDNum"] for f in ami.frames[mark:] if f.event == "AgentConnect"]
    assert served == ["13800000202", "13800000203", "13800000201"]


async def test_agi_server_down_routes_to_the_default_queue(sim, ami):
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    sim.set_agi_target("127.0.0.1", port)
    call = await sim.place_call("13800000003", "Nobody", digits=("1",))
    assert await call.wait_joined() == ("standard", 0)
    assert call.agi_status == "FAILURE" and call.variables["AGISTATUS"] == "FAILURE"
    assert call.variables["CC_QUEUE"] == "standard"
    sim.hangup(call)
    assert await call.wait_ended() == "abandoned"


async def test_agent_hangs_up(sim, ami):
    mark = len(ami.frames)
    await ami.action("QueueAdd", Queue="vip", Interface=AGENT, MemberName="agent1001")
    call = await sim.place_call("13800000004", "Agent Ends", digits=("1",), talk_seconds=0.05, hangup_by="agent")
    assert await call.wait_ended() == "completed"
    complete = await ami.event("AgentComplete", start=mark)
    assert complete["Reason"] == "agent"
    status = await ami.wait_for(lambda f: f.event == "QueueMemberStatus" and f["Status"] == "1", start=mark)
    assert (status["CallsTaken"], status["InCall"]) == ("1", "0")
    await ami.event("Hangup", start=mark, Channel=call.front.name)
    assert sim.queue_state("vip").member(AGENT).calls_taken == 1


async def test_ringall_connects_one_and_cancels_the_others(sim, ami):
    ringall = PbxSimulator(dataclasses.replace(sim.config, queues={"vip": QueueSpec(strategy="ringall"),
                                                                   "standard": QueueSpec()}))
    await ringall.start()
    client = await AmiClient.connect("127.0.0.1", ringall.ami_port)
    try:
        await client.login("lab", "labsecret")
        ringall.phone("Local/1002@agent-phones/n").answer_after = 0.2
        for n in ("1001", "1002"):
            await client.action("QueueAdd", Queue="vip", Interface=f"Local/{n}@agent-phones/n", MemberName=f"a{n}")
        ringall.set_agi_target("127.0.0.1", sim.agi_target[1])
        call = await ringall.place_call("13800000005", "Ringall", digits=("1",), talk_seconds=0.05)
        assert await call.wait_answered() == "Local/1001@agent-phones/n"
        await call.wait_ended()
        names = [f.event for f in client.frames if f.event in ("AgentCalled", "AgentConnect", "DialEnd")]
        assert names.count("AgentCalled") == 2 and names.count("AgentConnect") == 1
        cancelled = [f for f in client.frames if f.event == "DialEnd" and f["DialStatus"] == "CANCEL"]
        assert [f["DestChannel"].split("-")[0] for f in cancelled] == ["Local/1002@agent"]
    finally:
        await client.close()
        await ringall.stop()


async def test_patience_ends_in_abandon(sim, ami):
    call = await sim.place_call("13800000006", "Impatient", digits=("2",), patience=0.1)
    assert await call.wait_joined() == ("enterprise", 0)
    assert await call.wait_ended() == "abandoned"
    assert sim.queue_state("enterprise").abandoned == 1 and sim.queue_state("enterprise").waiting == ()


async def ladder_ivr(agi: AgiConnection) -> None:
    """A plan of two queue steps: vip for 0.3 s, then enterprise until answered."""
    await agi.command("GET DATA beep 15000 1")
    for name, value in (("CC_STEPS", "2"), ("CC_STEP_1_KIND", "queue"), ("CC_STEP_1_TARGET", "vip"),
                        ("CC_STEP_1_SECONDS", "0.3"), ("CC_STEP_1_PRIORITY", "10"),
                        ("CC_STEP_2_KIND", "queue"), ("CC_STEP_2_TARGET", "enterprise"),
                        ("CC_STEP_2_SECONDS", ""), ("CC_STEP_2_PRIORITY", "0")):
        await agi.command(f'SET VARIABLE {name} "{value}"')


async def test_a_queue_step_timeout_sends_abandon_then_leave_and_the_caller_joins_the_next_queue():
    """app_queue.c QUEUE_TIMEOUT path: record_abandoned (the headers of a hang-up's QueueCallerAbandon),
    music on hold stops, leave_queue; the channel stays up and the dialplan goes on to the next step."""
    server = ScriptedAgiServer(ladder_ivr)
    await server.start()
    try:
        async with PbxSimulator(dataclasses.replace(CONFIG, agi_port=server.port)) as simulator:
            client = await AmiClient.connect("127.0.0.1", simulator.ami_port)
            try:
                await client.login("lab", "labsecret", events="on")
                call = await simulator.place_call("13800000001", "Ladder", digits=("1",))
                assert await call.wait_joined() == ("vip", 10)
                await client.event("QueueCallerJoin", timeout=5, Queue="enterprise", Uniqueid=call.call_id)
                mine = [f for f in client.frames if f.get("Uniqueid") == call.call_id and f.event in (
                    "QueueCallerJoin", "QueueCallerAbandon", "QueueCallerLeave", "MusicOnHoldStart",
                    "MusicOnHoldStop", "Hangup")]
                assert [(f.event, f["Queue"]) for f in mine] == [
                    ("QueueCallerJoin", "vip"), ("MusicOnHoldStart", ""), ("QueueCallerAbandon", "vip"),
                    ("MusicOnHoldStop", ""), ("QueueCallerLeave", "vip"), ("QueueCallerJoin", "enterprise"),
                    ("MusicOnHoldStart", "")]
                abandon = mine[2]
                [recorded] = [f for f in parse_ami_stream(recording("queue_abandon.ami.txt"))
                              if f.event == "QueueCallerAbandon"]
                assert abandon.keys == recorded.keys
                assert (abandon["Position"], abandon["OriginalPosition"], abandon["HoldTime"]) == ("1", "1", "0")
                assert (mine[4]["Position"], mine[4]["Count"]) == ("1", "0")
                assert call.variables["QUEUESTATUS"] == "TIMEOUT"
                assert simulator.queue_state("vip").abandoned == 1     # app_queue counts it as an abandon too
                simulator.hangup(call)
                assert await call.wait_ended() == "abandoned"
            finally:
                await client.close()
    finally:
        await server.stop()

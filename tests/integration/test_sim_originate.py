"""Originate (click-to-dial), Redirect, Hangup and variables on the simulator, over real sockets."""
from __future__ import annotations

import pytest

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing
from callcenter.simulator.testing import AmiClient, call_signature, parse_ami_stream
from tests.recordings import recording

CONFIG = SimulatorConfig(username="lab", secret="labsecret", queues={"vip": QueueSpec(), "standard": QueueSpec()},
                         default_queue="standard", agi_port=None,
                         timing=Timing(prompt_seconds=0.01, answer_after=0.05, customer_answer_seconds=0.05,
                                       member_timeout=0.3, retry=0.05, talk_seconds=30.0))
CLICK = frozenset({"Newchannel", "NewCallerid", "NewConnectedLine", "LocalBridge", "DialBegin", "DialState",
                   "DialEnd", "Newstate", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy",
                   "SoftHangupRequest", "HangupRequest", "Hangup"})


@pytest.fixture
async def sim():
    async with PbxSimulator(CONFIG) as simulator:
        yield simulator


@pytest.fixture
async def ami(sim):
    async with AmiClient.logged_in(sim.ami_port, "lab", "labsecret") as client:
        yield client


async def test_click_to_dial_matches_the_recording(sim, ami):
    mark = len(ami.frames)
    queued = await ami.action("Originate", Channel="Local/1001@agent-phones/n", Context="customer-out",
                              Exten="13900000001", Priority="1", CallerID='"agent1001" <1001>', Async="true",
                              Timeout="30000", ActionID="c2d-1")
    assert queued["Message"] == "Originate successfully queued"
    response = await ami.wait_for(lambda f: f.event == "OriginateResponse", start=mark)
    assert response.keys == ["Event", "Privilege", "ActionID", "Response", "Channel", "Context", "Exten", "Reason",
                             "Uniqueid", "CallerIDNum", "CallerIDName"]
    assert (response["ActionID"], response["Response"], response["Reason"]) == ("c2d-1", "Success", "4")
    assert (response["CallerIDNum"], response["CallerIDName"]) == ("1001", "agent1001")
    await ami.event("BridgeEnter", start=mark, Channel=response["Channel"])
    phone = response["Channel"].replace(";1", ";2")
    await ami.action("Hangup", Channel=phone)
    await ami.event("Hangup", start=mark, Channel=response["Channel"])
    recorded = call_signature(parse_ami_stream(recording("click_to_dial.ami.txt")), CLICK)
    assert call_signature(ami.frames[mark:], CLICK) == recorded
    begin = [f for f in ami.frames[mark:] if f.event == "DialBegin"]
    assert [f["DialString"] for f in begin] == ["1001@agent-phones/n", "13900000001@customer-phones/n"]
    assert response["Uniqueid"] == begin[1]["Linkedid"]


async def test_originate_to_a_phone_that_does_not_answer_fails(sim, ami):
    sim.phone("Local/1009@agent-phones/n").answers = False
    mark = len(ami.frames)
    await ami.action("Originate", Channel="Local/1009@agent-phones/n", Context="customer-out", Exten="139",
                     Async="true", Timeout="200", CallerID="1009")
    response = await ami.wait_for(lambda f: f.event == "OriginateResponse", start=mark)
    assert (response["Response"], response["Reason"], response["Uniqueid"]) == ("Failure", "3", "<unknown>")
    assert response["Channel"] == "Local/1009@agent-phones/n"
    sync = await ami.action("Originate", Channel="Local/1009@agent-phones/n", Context="customer-out", Exten="139",
                            Timeout="100")
    assert (sync.response, sync["Message"]) == ("Error", "Originate failed")


async def test_originate_errors(ami):
    missing = await ami.action("Originate", Context="x", Exten="1")
    assert missing["Message"] == "Channel not specified"


async def test_redirect_a_waiting_caller_to_another_queue(sim, ami):
    call = await sim.place_call("13800000007", "Moved", digits=())
    assert await call.wait_joined() == ("standard", 0)
    mark = len(ami.frames)
    moved = await ami.action("Redirect", Channel=call.chan.name, Context="queue-direct", Exten="vip", Priority="1")
    assert moved["Message"] == "Redirect successful"
    leave = await ami.event("QueueCallerLeave", start=mark)
    join = await ami.event("QueueCallerJoin", start=mark)
    assert (leave["Queue"], join["Queue"], join["Uniqueid"]) == ("standard", "vip", call.call_id)
    assert not [f for f in ami.frames[mark:] if f.event == "QueueCallerAbandon"]
    nowhere = await ami.action("Redirect", Channel="Local/none-00000009;2", Context="x", Exten="1", Priority="1")
    assert nowhere["Message"] == "Channel does not exist: Local/none-00000009;2"
    sim.hangup(call)
    assert await call.wait_ended() == "abandoned"


async def test_getvar_setvar_on_a_channel(sim, ami):
    call = await sim.place_call("13800000008", "Vars", digits=())
    await call.wait_joined()
    assert (await ami.action("Setvar", Channel=call.chan.name, Variable="X_NOTE", Value="hi"))["Message"] == \
        "Variable Set"
    got = await ami.action("Getvar", Channel=call.chan.name, Variable="X_NOTE")
    assert got["Value"] == "hi" and call.variables["X_NOTE"] == "hi"
    queue = await ami.action("Getvar", Channel=call.chan.name, Variable="CC_QUEUE")
    assert queue["Value"] == "standard"
    number = await ami.action("Getvar", Channel=call.chan.name, Variable="CALLERID(num)")
    assert number["Value"] == "13800000008"
    _, items = await ami.list_action("CoreShowChannels")
    listed = {i["Channel"]: i for i in items if i.event == "CoreShowChannel"}
    assert set(listed) == {call.chan.name, call.front.name}
    assert (listed[call.chan.name]["Application"], listed[call.chan.name]["Uniqueid"]) == ("Queue", call.call_id)
    sim.hangup(call)
    await call.wait_ended()

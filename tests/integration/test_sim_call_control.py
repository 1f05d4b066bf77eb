"""BlindTransfer, hold (Redirect + ExtraChannel) and Bridge on the simulator over real sockets, against
the recording of a real Asterisk 22 (``blind_transfer_action.ami.txt``)."""
from __future__ import annotations

import pytest

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing
from callcenter.simulator.testing import AmiClient, call_signature, parse_ami_stream
from tests.recordings import recording

CONFIG = SimulatorConfig(username="lab", secret="labsecret",
                         queues={"vip": QueueSpec(), "enterprise": QueueSpec(), "standard": QueueSpec()},
                         default_queue="standard", agi_port=None,
                         timing=Timing(prompt_seconds=0.01, answer_after=0.05, customer_answer_seconds=0.05,
                                       member_timeout=0.3, retry=0.05, talk_seconds=30.0))
XFER = frozenset({"QueueCallerJoin", "AgentCalled", "AgentConnect", "AgentComplete", "Unhold", "BlindTransfer",
                  "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy"})


@pytest.fixture
async def ami():
    async with PbxSimulator(CONFIG) as sim, AmiClient.logged_in(sim.ami_port, "lab", "labsecret") as client:
        yield client


async def _answered(ami):
    await ami.action("QueueAdd", Queue="vip", Interface="Local/1001@agent-phones/n", MemberName="agent1001")
    await ami.action("QueueAdd", Queue="enterprise", Interface="Local/1002@agent-phones/n", MemberName="agent1002")
    mark = len(ami.frames)
    await ami.action("Originate", Channel="Local/vip@queue-direct/n", Context="caller-sim", Exten="silent",
                     Priority="1", CallerID='"Xfer Test" <13800000301>', Async="true", Timeout="30000")
    connect = await ami.event("AgentConnect", start=mark, Queue="vip")
    return mark, connect


async def test_blind_transfer_matches_the_recording(ami):
    mark, connect = await _answered(ami)
    reply = await ami.action("BlindTransfer", Channel=connect["DestChannel"], Context="queue-direct", Exten="enterprise")
    assert reply["Message"] == "Transfer succeeded"
    second = await ami.event("AgentConnect", start=mark, Queue="enterprise")
    await ami.action("Hangup", Channel=connect["Channel"].replace(";2", ";1"))
    await ami.event("AgentComplete", start=mark, Queue="enterprise")
    await ami.event("Hangup", start=mark, Channel=second["DestChannel"])
    recorded = call_signature(parse_ami_stream(recording("blind_transfer_action.ami.txt")), XFER)
    assert call_signature(ami.frames[mark:], XFER) == recorded
    transfer = await ami.event("BlindTransfer", start=mark)
    assert (transfer["TransfererChannel"], transfer["TransfereeUniqueid"]) == (connect["DestChannel"], connect["Uniqueid"])
    complete = await ami.event("AgentComplete", start=mark, Queue="vip")
    assert complete["Reason"] == "transfer"


async def test_blind_transfer_errors(ami):
    assert (await ami.action("BlindTransfer", Context="transfer", Exten="1002"))["Message"] == "No channel specified"
    assert (await ami.action("BlindTransfer", Channel="Local/x@y-1;1", Exten="1"))["Message"] == "No such channel"


async def test_hold_plays_music_and_bridge_joins_caller_and_agent_again(ami):
    mark, connect = await _answered(ami)
    caller, leg = connect["Channel"], connect["DestChannel"]
    reply = await ami.action("Redirect", Channel=caller, Context="cc-hold", Exten="s", Priority="1",
                             ExtraChannel=leg, ExtraContext="cc-hold-agent", ExtraExten="s", ExtraPriority="1")
    assert reply["Response"] == "Success"
    moh = await ami.event("MusicOnHoldStart", start=mark, Channel=caller, Context="cc-hold")
    assert not [f for f in ami.frames[mark:] if f.event == "AgentComplete"]     # no AgentComplete on a Redirect
    assert not [f for f in ami.frames[mark:] if f.event == "Hangup" and f.get("Channel") == leg]
    after = ami.frames.index(moh)
    reply = await ami.action("Bridge", Channel1=caller, Channel2=leg, Tone="no")
    assert reply["Message"] == "Channels have been bridged"
    await ami.event("MusicOnHoldStop", start=after, Channel=caller)
    await ami.event("BridgeEnter", start=after, Channel=leg)
    await ami.action("Hangup", Channel=caller.replace(";2", ";1"))
    complete = await ami.event("AgentComplete", start=after)
    assert complete["Reason"] == "caller"
    await ami.event("Hangup", start=after, Channel=leg)

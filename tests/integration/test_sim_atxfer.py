"""Atxfer on the simulator over real sockets, against the recording of a real Asterisk 22
(``atxfer.ami.txt``: Atxfer on the agent's leg, completed by a Hangup of that leg), and the
cancellation (a Hangup of the consultation leg: the agent is back with the caller, ``Unhold``)."""
from __future__ import annotations

import pytest

from callcenter.simulator import PbxSimulator
from callcenter.simulator.testing import AmiClient, call_signature, parse_ami_stream
from tests.integration.test_sim_call_control import CONFIG
from tests.recordings import recording

ATXFER = frozenset({"QueueCallerJoin", "AgentCalled", "AgentConnect", "AgentComplete", "Hold", "Unhold",
                    "AttendedTransfer", "BridgeMerge", "DialBegin", "DialEnd", "MusicOnHoldStart",
                    "MusicOnHoldStop", "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy", "Hangup",
                    "DTMFEnd"})


@pytest.fixture
async def ami():
    async with PbxSimulator(CONFIG) as sim, AmiClient.logged_in(sim.ami_port, "lab", "labsecret") as client:
        yield client


async def _answered(ami):
    await ami.action("QueueAdd", Queue="vip", Interface="Local/1001@agent-phones/n", MemberName="agent1001")
    await ami.action("QueueAdd", Queue="enterprise", Interface="Local/1002@agent-phones/n", MemberName="agent1002")
    mark = len(ami.frames)
    await ami.action("Originate", Channel="Local/vip@queue-direct/n", Context="caller-sim", Exten="silent",
                     Priority="1", CallerID='"Xfer Test" <13800000301>', Async="true", Timeout="30000",
                     Variable="__QUEUE_OPTS=t")
    connect = await ami.event("AgentConnect", start=mark, Queue="vip")
    return mark, connect


async def test_atxfer_completed_by_the_transferer_hanging_up_matches_the_recording(ami):
    mark, connect = await _answered(ami)
    agent_leg = connect["DestChannel"]
    reply = await ami.action("Atxfer", Channel=agent_leg, Context="transfer", Exten="1002")
    assert reply["Message"] == "Atxfer successfully queued"
    answered = await ami.event("DialEnd", start=mark, DialStatus="ANSWER", DestContext="transfer")
    assert answered["DestChannel"].startswith("Local/1002@transfer-") and not answered.get("Channel")
    assert (await ami.action("Hangup", Channel=agent_leg))["Message"] == "Channel Hungup"
    transfer = await ami.event("AttendedTransfer", start=mark)
    assert (transfer["TransfereeUniqueid"], transfer["TransferTargetChannel"], transfer["OrigTransfererChannel"]) \
        == (connect["Uniqueid"], answered["DestChannel"], agent_leg)
    complete = await ami.event("AgentComplete", start=mark, Queue="vip")
    assert complete["Reason"] == "transfer"
    await ami.event("Hangup", start=mark, Channel=agent_leg.replace(";1", ";2"))
    await ami.action("Hangup", Channel=connect["Channel"].replace(";2", ";1"))
    await ami.event("Hangup", start=mark, Channel=answered["DestChannel"].replace(";1", ";2"))
    # The lab's transfer context was xfer-targets; same events, same channels, same order.
    recorded = call_signature(parse_ami_stream(recording("atxfer.ami.txt")), ATXFER)
    assert call_signature(ami.frames[mark:], ATXFER) == recorded


async def test_hanging_up_the_consultation_leg_returns_the_agent_to_the_caller(ami):
    mark, connect = await _answered(ami)
    agent_leg, caller = connect["DestChannel"], connect["Channel"]
    await ami.action("Atxfer", Channel=agent_leg, Context="transfer", Exten="1002")
    hold = await ami.event("Hold", start=mark, Channel=agent_leg)
    await ami.event("MusicOnHoldStart", start=ami.frames.index(hold), Channel=caller)
    # Still ringing or answered: the regex form finds the consultation leg either way.
    reply = await ami.action("Hangup", Channel="/^Local/1002@transfer-[0-9a-f]+;1$/", Cause="16")
    assert reply["Message"] == "Channels hung up: 1"
    unhold = await ami.event("Unhold", start=mark, Channel=agent_leg)
    after = ami.frames.index(unhold)
    await ami.event("MusicOnHoldStop", start=after, Channel=caller)
    back = [f for f in ami.frames[mark:after] if f.event == "BridgeEnter" and f.get("Channel") == agent_leg]
    assert back[-1]["BridgeUniqueid"] == next(f for f in ami.frames[mark:] if f.event == "BridgeEnter"
                                          and f.get("Channel") == caller)["BridgeUniqueid"]
    assert not [f for f in ami.frames[mark:] if f.event in ("AttendedTransfer", "AgentComplete")]
    # Back to a plain call: the caller hangs up, app_queue says so.
    await ami.action("Hangup", Channel=caller.replace(";2", ";1"))
    complete = await ami.event("AgentComplete", start=after)
    assert complete["Reason"] == "caller"


async def test_atxfer_errors(ami):
    assert (await ami.action("Atxfer", Exten="1002"))["Message"] == "No channel specified"
    assert (await ami.action("Atxfer", Channel="Local/x@y-1;1", Exten="1"))["Response"] == "Error"

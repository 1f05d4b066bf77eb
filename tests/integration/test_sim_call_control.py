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


def _names(ami, start, event, **match):
    return [f for f in ami.frames[start:] if f.event == event and all(f.get(k) == v for k, v in match.items())]


async def _hold(ami, connect):
    caller, leg = connect["Channel"], connect["DestChannel"]
    reply = await ami.action("Redirect", Channel=caller, Context="cc-hold", Exten="s", Priority="1",
                             ExtraChannel=leg, ExtraContext="cc-hold-agent", ExtraExten="s", ExtraPriority="1")
    assert reply["Response"] == "Success"
    return await ami.event("MusicOnHoldStart", Channel=caller, Context="cc-hold")


async def test_hold_plays_music_and_after_bridge_app_queue_never_completes_the_call(ami):
    """STYLE.md trap (issue 9 failure 3): after Redirect + Bridge no AgentComplete ever comes; the agent's
    leg goes on to [cc-hold-agent] priority 2, Hangup(), when the caller hangs up."""
    mark, connect = await _answered(ami)
    caller, leg = connect["Channel"], connect["DestChannel"]
    moh = await _hold(ami, connect)
    assert not _names(ami, mark, "AgentComplete")                        # no AgentComplete on a Redirect
    assert not _names(ami, mark, "Hangup", Channel=leg)
    after = ami.frames.index(moh)
    reply = await ami.action("Bridge", Channel1=caller, Channel2=leg, Tone="no")
    assert reply["Message"] == "Channels have been bridged"
    await ami.event("MusicOnHoldStop", start=after, Channel=caller)
    await ami.event("BridgeEnter", start=after, Channel=leg)
    await ami.action("Hangup", Channel=caller.replace(";2", ";1"))
    await ami.event("Hangup", start=after, Channel=caller)
    await ami.event("Hangup", start=after, Channel=leg)
    await ami.event("Hangup", start=after, Channel=leg.replace(";1", ";2"))
    assert not _names(ami, mark, "AgentComplete")


async def test_after_bridge_the_agent_hanging_up_sends_the_caller_on_in_cc_hold(ami):
    mark, connect = await _answered(ami)
    caller, leg = connect["Channel"], connect["DestChannel"]
    moh = await _hold(ami, connect)
    await ami.action("Bridge", Channel1=caller, Channel2=leg, Tone="no")
    await ami.event("BridgeEnter", start=ami.frames.index(moh), Channel=leg)
    await ami.action("Hangup", Channel=leg.replace(";1", ";2"))
    await ami.event("Hangup", start=mark, Channel=leg)
    await ami.event("Hangup", start=mark, Channel=caller)              # [cc-hold] 2..4: no survey asked
    assert not _names(ami, mark, "AgentComplete")


async def test_hanging_up_the_members_local_one_half_gives_agent_complete_only_when_the_caller_leaves(ami):
    """STYLE.md trap (issue 9 failure 2): AMI Hangup of ;1 -> the caller goes on in the dialplan and
    AgentComplete (Reason: caller) comes only when it leaves."""
    mark, connect = await _answered(ami)
    caller, leg = connect["Channel"], connect["DestChannel"]
    await ami.action("Hangup", Channel=leg)
    complete = await ami.event("AgentComplete", start=mark)
    assert complete["Reason"] == "caller"
    order = [(f.event, f.get("Channel")) for f in ami.frames[mark:]
             if f.event in ("Hangup", "AgentComplete") and f.get("Channel") in (leg, caller)]
    assert order.index(("Hangup", leg)) < order.index(("AgentComplete", caller))
    await ami.event("Hangup", start=mark, Channel=caller)


async def test_hanging_up_the_members_phone_side_gives_agent_complete_reason_agent_at_once(ami):
    mark, connect = await _answered(ami)
    await ami.action("Hangup", Channel=connect["DestChannel"].replace(";1", ";2"))
    complete = await ami.event("AgentComplete", start=mark)
    assert complete["Reason"] == "agent"


async def test_a_parked_agent_leg_stays_up_when_the_held_caller_hangs_up(ami):
    """STYLE.md trap (issue 9 failure 4): the leg in [cc-hold-agent] Wait() stays up; app_queue (still
    following the call: no Bridge yet) says Reason: caller. Only a Hangup of the leg frees the member."""
    mark, connect = await _answered(ami)
    caller, leg = connect["Channel"], connect["DestChannel"]
    await _hold(ami, connect)
    await ami.action("Hangup", Channel=caller.replace(";2", ";1"))
    await ami.event("Hangup", start=mark, Channel=caller)
    complete = await ami.event("AgentComplete", start=mark)
    assert complete["Reason"] == "caller"
    assert not _names(ami, mark, "Hangup", Channel=leg)
    held_until = len(ami.frames)
    await ami.action("Hangup", Channel=leg.replace(";1", ";2"))
    await ami.event("Hangup", start=held_until, Channel=leg)
    free = await ami.event("QueueMemberStatus", start=held_until, Interface="Local/1001@agent-phones/n")
    assert (free["Queue"], free["Status"]) == ("vip", "1")

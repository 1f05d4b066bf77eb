"""ChanSpy on the simulator (listen / whisper / barge from a supervisor's phone), against chanspy.ami.txt."""
from __future__ import annotations

import pytest

from callcenter.ami import actions
from callcenter.simulator import PbxSimulator
from callcenter.simulator.testing import AmiClient, parse_ami_stream
from tests.integration.test_sim_originate import CONFIG
from tests.recordings import recording

SUP = "Local/9001@agent-phones/n"


@pytest.fixture
async def sim():
    async with PbxSimulator(CONFIG) as simulator:
        yield simulator


@pytest.fixture
async def ami(sim):
    async with AmiClient.logged_in(sim.ami_port, "lab", "labsecret") as client:
        yield client


async def agent_on_a_call(ami) -> str:
    """Agent 1001 talks to a customer (click-to-dial); returns the agent's leg (``...;1``)."""
    mark = len(ami.frames)
    await ami.action("Originate", Channel="Local/1001@agent-phones/n", Context="customer-out", Exten="13900000001",
                     Priority="1", CallerID='"agent1001" <1001>', Async="true", Timeout="30000", ActionID="call")
    response = await ami.wait_for(lambda f: f.event == "OriginateResponse", start=mark)
    await ami.event("BridgeEnter", start=mark, Channel=response["Channel"])
    return response["Channel"]


def spy(ami, leg: str, mode: str, action_id: str):
    headers = actions.chanspy(SUP, leg, mode, caller_id='"supervisor" <9001>')
    return ami.action(headers.pop("Action"), ActionID=action_id, **headers)


async def test_chanspy_events_have_the_recorded_headers_and_stop_when_the_supervisor_hangs_up(sim, ami):
    leg = await agent_on_a_call(ami)
    mark = len(ami.frames)
    queued = await spy(ami, leg, "listen", "spy-listen")
    assert queued["Message"] == "Originate successfully queued"
    start = await ami.wait_for(lambda f: f.event == "ChanSpyStart", start=mark)
    recorded = [f for f in parse_ami_stream(recording("chanspy.ami.txt")) if f.event in ("ChanSpyStart", "ChanSpyStop")]
    assert start.keys == recorded[0].keys
    assert start["SpyeeChannel"] == leg and start["SpyerChannel"].startswith("Local/9001@agent-phones-")
    names = [f.event for f in ami.frames[mark:]]
    assert names.index("OriginateResponse") < names.index("ChanSpyStart")
    assert names.index("DialEnd") < names.index("ChanSpyStart")
    # The supervisor hangs up: ChanSpyStop, then the spyer's channel goes; the agent's call goes on.
    await ami.action("Hangup", Channel=start["SpyerChannel"])
    stop = await ami.wait_for(lambda f: f.event == "ChanSpyStop", start=mark)
    assert stop.keys == recorded[1].keys and stop["SpyeeChannel"] == leg
    await ami.event("Hangup", start=mark, Channel=start["SpyerChannel"])
    after = ami.frames[mark:]
    stop_at = next(i for i, f in enumerate(after) if f.event == "ChanSpyStop")
    spyer_gone = next(i for i, f in enumerate(after) if f.event == "Hangup" and f["Channel"] == start["SpyerChannel"])
    assert stop_at < spyer_gone
    assert sim.pbx.channels.get(leg) is not None


@pytest.mark.parametrize("mode, options", [("whisper", "qwE"), ("barge", "qBE")])
async def test_with_option_e_chanspy_stops_just_before_the_spied_channel_hangs_up(sim, ami, mode, options):
    leg = await agent_on_a_call(ami)
    mark = len(ami.frames)
    await spy(ami, leg, mode, f"spy-{mode}")
    start = await ami.wait_for(lambda f: f.event == "ChanSpyStart", start=mark)
    assert start["SpyeeChannel"] == leg
    await ami.action("Hangup", Channel=leg)
    await ami.event("Hangup", start=mark, Channel=start["SpyerChannel"])
    after = [(f.event, f.get("Channel") or f.get("SpyeeChannel")) for f in ami.frames[mark:]
             if f.event in ("ChanSpyStop", "Hangup")]
    assert after.index(("ChanSpyStop", leg)) + 1 == after.index(("Hangup", leg))
    assert after.index(("Hangup", leg)) < after.index(("Hangup", start["SpyerChannel"]))
    assert sum(1 for e, _ in after if e == "ChanSpyStop") == 1

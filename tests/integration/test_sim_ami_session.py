"""The simulator's AMI server over real sockets: banner, logins, errors, event masks, many sessions."""
from __future__ import annotations

import asyncio
import hashlib

import pytest

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing
from callcenter.simulator.testing import AmiClient

CONFIG = SimulatorConfig(username="lab", secret="labsecret", queues={"vip": QueueSpec(), "standard": QueueSpec()},
                         default_queue="standard", agi_port=None, login_failure_delay=0.2,
                         timing=Timing(prompt_seconds=0.01))


@pytest.fixture
async def sim():
    async with PbxSimulator(CONFIG) as simulator:
        yield simulator


@pytest.fixture
async def client(sim):
    ami = await AmiClient.connect("127.0.0.1", sim.ami_port)
    yield ami
    await ami.close()


async def test_banner_and_plain_login_then_fully_booted_and_successful_auth(client):
    assert client.banner == "Asterisk Call Manager/11.0.0\r\n"
    response = await client.login("lab", "labsecret")
    assert response.pairs == (("Response", "Success"), ("ActionID", response["ActionID"]),
                              ("Message", "Authentication accepted"))
    booted = await client.event("FullyBooted")
    auth = await client.event("SuccessfulAuth")
    order = [f.event or f.response for f in client.frames]
    assert order[:3] == ["Success", "FullyBooted", "SuccessfulAuth"]
    assert booted.keys == ["Event", "Privilege", "Uptime", "LastReload", "Status"]
    assert booted["Privilege"] == "system,all" and booted["Status"] == "Fully Booted"
    assert auth["Privilege"] == "security,all" and auth["AccountID"] == "lab" and auth["Service"] == "AMI"
    assert auth["RemoteAddress"].startswith("IPV4/TCP/127.0.0.1/")


async def test_md5_login_like_the_recording(client):
    challenge = await client.action("Challenge", AuthType="MD5")
    assert challenge.keys == ["Response", "ActionID", "Challenge"]
    key = hashlib.md5((challenge["Challenge"] + "labsecret").encode()).hexdigest()
    login = await client.action("Login", AuthType="MD5", Username="lab", Key=key, Events="off")
    assert login["Message"] == "Authentication accepted"
    ping = await client.action("Ping")
    assert ping.keys == ["Response", "ActionID", "Ping", "Timestamp"] and ping["Ping"] == "Pong"
    bye = await client.action("Logoff")
    assert (bye.response, bye["Message"]) == ("Goodbye", "Thanks for all the fish.")
    await asyncio.wait_for(client.closed.wait(), 2)
    assert not any(f.event for f in client.frames)           # Events: off -> not even FullyBooted


async def test_wrong_md5_key_fails(client):
    await client.action("Challenge", AuthType="MD5")
    login = await client.action("Login", AuthType="MD5", Username="lab", Key="0" * 32)
    assert login["Message"] == "Authentication failed"


async def test_bad_secret_is_refused_after_a_delay_then_the_socket_closes(sim, client):
    loop = asyncio.get_running_loop()
    start = loop.time()
    response = await client.action("Login", Username="lab", Secret="wrongsecret", Events="on")
    assert loop.time() - start >= 0.18
    assert response.pairs == (("Response", "Error"), ("ActionID", response["ActionID"]),
                              ("Message", "Authentication failed"))
    await asyncio.wait_for(client.closed.wait(), 2)


async def test_actions_before_login_are_denied(client):
    denied = await client.action("QueueStatus")
    assert (denied.response, denied["Message"]) == ("Error", "Permission denied")
    unknown = await client.action("NoSuchAction")
    assert unknown["Message"] == "Permission denied"
    await client.login("lab", "labsecret")


async def test_malformed_frames_get_an_error_and_the_session_keeps_working(client):
    await client.login("lab", "labsecret", events="off")
    client.send_raw(b"this is not AMI\r\n\r\n")
    client.send_raw(b"\xff\xfe\xfd: \x80\x81\r\n\r\n")
    client.send_raw(b"ActionID: no-action\r\n\r\n")
    await client.wait_for(lambda f: f.get("ActionID") == "no-action")
    errors = [f for f in client.frames if f.response == "Error"]
    assert [e["Message"] for e in errors] == ["Missing action in request"] * 3
    assert errors[2]["ActionID"] == "no-action"
    unknown = await client.action("FooBar")
    assert unknown["Message"] == ("Invalid/unknown command: FooBar. Use Action: ListCommands to show "
                                  "available commands.")
    client.send_raw(b"Action: Ping\nActionID: lf-only\n\n")            # bare LF frames are fine too
    pong = await client.wait_for(lambda f: f.get("ActionID") == "lf-only")
    assert pong["Ping"] == "Pong"


async def test_event_masks_filter_by_class(sim):
    agent_only = await AmiClient.connect("127.0.0.1", sim.ami_port)
    everything = await AmiClient.connect("127.0.0.1", sim.ami_port)
    silent = await AmiClient.connect("127.0.0.1", sim.ami_port)
    try:
        await agent_only.login("lab", "labsecret", events="agent")
        await everything.login("lab", "labsecret", events="on")
        await silent.login("lab", "labsecret", events="on")
        switched = await silent.action("Events", EventMask="off")
        assert switched.keys == ["Response", "ActionID", "Events"] and switched["Events"] == "Off"
        mark = len(agent_only.frames), len(everything.frames), len(silent.frames)
        sim.phone("Local/1001@agent-phones/n").answers = False
        await everything.action("QueueAdd", Queue="vip", Interface="Local/1001@agent-phones/n", MemberName="a1")
        call = await sim.place_call("13800000001", "Test")
        await call.wait_joined()
        await everything.event("QueueCallerJoin", start=mark[1])
        await agent_only.event("QueueCallerJoin", start=mark[0])
        assert {f["Privilege"] for f in agent_only.events(mark[0])} == {"agent,all"}
        assert {"call,all", "agent,all"} <= {f["Privilege"] for f in everything.events(mark[1])}
        assert silent.events(mark[2]) == []
        sim.hangup(call)
        await call.wait_ended()
    finally:
        for c in (agent_only, everything, silent):
            await c.close()


async def test_many_concurrent_sessions(sim):
    clients = await asyncio.gather(*(AmiClient.connect("127.0.0.1", sim.ami_port) for _ in range(30)))
    try:
        await asyncio.gather(*(c.login("lab", "labsecret", events="off") for c in clients))
        pongs = await asyncio.gather(*(c.action("Ping") for c in clients))
        assert all(p["Ping"] == "Pong" for p in pongs)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def test_core_actions(client):
    await client.login("lab", "labsecret", events="off")
    status = await client.action("CoreStatus")
    assert status.keys == ["Response", "ActionID", "CoreStartupDate", "CoreStartupTime", "CoreReloadDate",
                           "CoreReloadTime", "CoreCurrentCalls", "CoreProcessedCalls"]
    settings = await client.action("CoreSettings")
    assert settings["AsteriskVersion"] == "22.10.1" and settings["AMIversion"] == "11.0.0"
    response, items = await client.list_action("CoreShowChannels")
    assert response.keys == ["Response", "ActionID", "EventList", "Message"]
    assert [i.event for i in items] == ["CoreShowChannelsComplete"] and items[0]["ListItems"] == "0"
    version = await client.action("Command", Command="core show version")
    assert version["Message"] == "Command output follows" and version["Output"].startswith("Asterisk 22.10.1")
    missing = await client.action("Hangup", Channel="Local/nope-00000000;1")
    assert (missing.response, missing["Message"]) == ("Error", "No such channel")
    setvar = await client.action("Setvar", Variable="GLOBAL_X", Value="42")
    assert setvar["Message"] == "Variable Set"
    getvar = await client.action("Getvar", Variable="GLOBAL_X")
    assert getvar.keys == ["Response", "ActionID", "Variable", "Value"] and getvar["Value"] == "42"


async def test_filters_select_events_by_regex(sim, client):
    await client.login("lab", "labsecret", events="on")
    added = await client.action("Filter", Operation="Add", Filter="Event: QueueMember")
    assert added.pairs == (("Response", "Success"), ("ActionID", added["ActionID"]), ("Message", "Success"))
    await client.action("Filter", Operation="Add", Filter="!Event: QueueMemberRemoved")
    bad = await client.action("Filter", Operation="Add", Filter="(")
    assert bad["Message"] == "Filter did not compile.  Check the syntax of the filter given."
    mark = len(client.frames)
    await client.action("QueueAdd", Queue="vip", Interface="PJSIP/1001")
    await client.action("QueueRemove", Queue="vip", Interface="PJSIP/1001")
    await client.action("QueueAdd", Queue="vip", Interface="PJSIP/1002")
    await client.event("QueueMemberAdded", start=mark, Interface="PJSIP/1002")
    assert [f.event for f in client.events(mark)] == ["QueueMemberAdded", "QueueMemberAdded"]


async def test_raw_bytes_can_be_injected_for_client_robustness_tests(sim, client):
    await client.login("lab", "labsecret", events="off")
    sim.pbx.broadcast_raw(b"Event: QueueCallerJoin\r\nPosition: x\r\n\r\n")
    frame = await client.wait_for(lambda f: f.event == "QueueCallerJoin")
    assert frame.pairs == (("Event", "QueueCallerJoin"), ("Position", "x"))

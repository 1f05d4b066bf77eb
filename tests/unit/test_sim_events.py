"""Event builders of the PBX simulator against events recorded from a real Asterisk 22.

Each test rebuilds a recorded event from the recorded values and compares the whole frame, byte for
byte: header names, casing, order, values and CRLF framing.
"""
from __future__ import annotations

import pytest

from callcenter.simulator import events as ev
from callcenter.simulator import queue_events as qev
from callcenter.simulator.channels import Bridge, Snapshot
from callcenter.simulator.config import QueueSpec
from callcenter.simulator.protocol import encode
from callcenter.simulator.queues import Entry, Member, QueueState
from callcenter.simulator.testing import AmiFrame
from tests.recordings import recording


def frames(name: str) -> list[AmiFrame]:
    data = recording(name)
    if data.startswith(b"Asterisk Call Manager/"):
        data = data.split(b"\r\n", 1)[1]
    return [AmiFrame(raw) for raw in data.split(b"\r\n\r\n") if raw.strip()]


def recorded(name: str, event: str, index: int = 0, **match: str) -> AmiFrame:
    found = [f for f in frames(name) if f.event == event and all(f.get(k) == v for k, v in match.items())]
    return found[index]


def snap(frame: AmiFrame, prefix: str = "") -> Snapshot:
    g = lambda key: frame.get(prefix + key)  # noqa: E731
    return Snapshot(g("Channel"), int(g("ChannelState")), g("CallerIDNum"), g("CallerIDName"),
                    g("ConnectedLineNum"), g("ConnectedLineName"), g("Language"), g("AccountCode"), g("Context"),
                    g("Exten"), int(g("Priority")), g("Uniqueid"), g("Linkedid"))


def member(frame: AmiFrame) -> Member:
    return Member(frame["Interface"], frame["MemberName"], frame["StateInterface"], int(frame["Penalty"]),
                  frame["Paused"] == "1", frame["PausedReason"], int(frame["LoginTime"]), int(frame["LastPause"]),
                  int(frame["CallsTaken"]), int(frame["LastCall"]), frame["InCall"] == "1", int(frame["Status"]))


def assert_same(built: ev.Event, expected: AmiFrame) -> None:
    assert [k for k, _ in built.pairs()] == expected.keys
    assert list(built.pairs()) == list(expected.pairs)
    assert encode(built.pairs()) == expected.raw + b"\r\n\r\n"


@pytest.mark.parametrize("event, builder", [
    ("Newchannel", ev.newchannel), ("Newstate", ev.newstate), ("NewCallerid", ev.newcallerid),
    ("NewConnectedLine", ev.newconnectedline), ("MusicOnHoldStop", ev.moh_stop)])
def test_channel_events(event, builder):
    for frame in [f for f in frames("queue_call.ami.txt") if f.event == event]:
        assert_same(builder(snap(frame)), frame)


def test_music_on_hold_start():
    frame = recorded("queue_call.ami.txt", "MusicOnHoldStart")
    assert_same(ev.moh_start(snap(frame), frame["Class"]), frame)


@pytest.mark.parametrize("event, builder", [
    ("Hangup", ev.hangup), ("HangupRequest", ev.hangup_request), ("SoftHangupRequest", ev.soft_hangup_request)])
@pytest.mark.parametrize("name", ["queue_call.ami.txt", "queue_abandon.ami.txt", "ring_no_answer.ami.txt"])
def test_hangup_events(name, event, builder):
    for frame in [f for f in frames(name) if f.event == event]:
        assert_same(builder(snap(frame), int(frame["Cause"])), frame)


def test_local_bridge():
    frame = recorded("queue_call.ami.txt", "LocalBridge")
    assert_same(ev.local_bridge(snap(frame, "LocalOne"), snap(frame, "LocalTwo"), frame["Context"], frame["Exten"]),
                frame)


def test_dial_events_of_an_originate_and_of_a_queue():
    originate = recorded("queue_call.ami.txt", "DialBegin", 0)
    assert_same(ev.dial_begin(None, snap(originate, "Dest"), originate["DialString"]), originate)
    queue = recorded("queue_call.ami.txt", "DialBegin", 1)
    assert_same(ev.dial_begin(snap(queue), snap(queue, "Dest"), queue["DialString"]), queue)
    for frame in [f for f in frames("ring_no_answer.ami.txt") if f.event in ("DialEnd", "DialState")]:
        caller = snap(frame) if frame.get("Channel") else None
        builder = ev.dial_end if frame.event == "DialEnd" else ev.dial_state
        assert_same(builder(caller, snap(frame, "Dest"), frame["DialStatus"]), frame)


def test_bridge_events():
    bridges = [f for f in frames("queue_call.ami.txt") if f.event.startswith("Bridge")]
    assert [f.event for f in bridges] == ["BridgeCreate", "BridgeEnter", "BridgeEnter", "BridgeLeave",
                                         "BridgeLeave", "BridgeDestroy"]
    bridge = Bridge(bridges[0]["BridgeUniqueid"])
    assert_same(ev.bridge_create(bridge), bridges[0])
    for frame in bridges[1:5]:
        builder = ev.bridge_enter if frame.event == "BridgeEnter" else ev.bridge_leave
        assert_same(builder(bridge, int(frame["BridgeNumChannels"]), snap(frame)), frame)
    assert_same(ev.bridge_destroy(bridge), bridges[5])


def test_queue_caller_events():
    join = recorded("queue_call.ami.txt", "QueueCallerJoin")
    assert_same(qev.queue_caller_join(snap(join), join["Queue"], int(join["Position"]), int(join["Count"])), join)
    leave = recorded("queue_call.ami.txt", "QueueCallerLeave")
    assert_same(qev.queue_caller_leave(snap(leave), leave["Queue"], int(leave["Position"]), int(leave["Count"])),
                leave)
    abandon = recorded("queue_abandon.ami.txt", "QueueCallerAbandon")
    assert_same(qev.queue_caller_abandon(snap(abandon), abandon["Queue"], int(abandon["Position"]),
                                         int(abandon["OriginalPosition"]), int(abandon["HoldTime"])), abandon)


def test_agent_events():
    def args(frame):
        return snap(frame), snap(frame, "Dest"), frame["Queue"], frame["Interface"], frame["MemberName"]

    called = recorded("queue_call.ami.txt", "AgentCalled")
    assert_same(qev.agent_called(*args(called)), called)
    connect = recorded("queue_call.ami.txt", "AgentConnect")
    assert_same(qev.agent_connect(*args(connect), int(connect["HoldTime"]), int(connect["RingTime"])), connect)
    complete = recorded("queue_call.ami.txt", "AgentComplete")
    assert_same(qev.agent_complete(*args(complete), int(complete["HoldTime"]), int(complete["TalkTime"]),
                                   complete["Reason"]), complete)
    rna = recorded("ring_no_answer.ami.txt", "AgentRingNoAnswer")
    assert rna["RingTime"] == "15000"                     # milliseconds, unlike AgentConnect's seconds
    assert_same(qev.agent_ring_no_answer(*args(rna), int(rna["RingTime"])), rna)


@pytest.mark.parametrize("name", ["queue_call.ami.txt", "priority.ami.txt", "ring_no_answer.ami.txt"])
def test_member_events(name):
    for frame in [f for f in frames(name) if f.event.startswith("QueueMember") and not f.get("ActionID")]:
        assert_same(qev.member_event(frame.event, frame["Queue"], member(frame)), frame)


def test_queue_member_pause_has_the_member_headers():
    m = Member("Local/1001@agent-phones/n", "agent1001", "Local/1001@agent-phones/n", paused=True,
               paused_reason="lunch", login_time=1, last_pause=2)
    added = qev.member_event("QueueMemberAdded", "vip", m)
    paused = qev.member_event("QueueMemberPause", "vip", m)
    assert paused.name == "QueueMemberPause" and paused.event_class == "agent"
    assert [k for k, _ in paused.headers] == [k for k, _ in added.headers]
    assert paused.get("Paused") == "1" and paused.get("PausedReason") == "lunch"


def test_originate_response():
    frame = recorded("queue_call.ami.txt", "OriginateResponse")
    built = ev.originate_response(frame["ActionID"], frame["Response"] == "Success", frame["Channel"],
                                  frame["Context"], frame["Exten"], int(frame["Reason"]), frame["Uniqueid"],
                                  frame["CallerIDNum"], frame["CallerIDName"])
    assert_same(built, frame)


def test_login_events():
    booted = recorded("restart.conn2.ami.txt", "FullyBooted")
    assert_same(ev.fully_booted(int(booted["Uptime"]), int(booted["LastReload"])), booted)
    auth = recorded("restart.conn2.ami.txt", "SuccessfulAuth")
    local = auth["LocalAddress"].split("/")
    remote = auth["RemoteAddress"].split("/")
    built = ev.successful_auth(auth["EventTV"], auth["AccountID"], auth["SessionID"], (local[2], int(local[3])),
                               (remote[2], int(remote[3])), auth["UsingPassword"] == "1")
    assert_same(built, auth)


def test_agi_and_dtmf_events():
    for frame in [f for f in frames("queue_call.ami.txt") if f.event.startswith(("AGIExec", "DTMF"))]:
        s = snap(frame)
        if frame.event == "AGIExecStart":
            built = ev.agi_exec_start(s, int(frame["CommandId"]), frame["Command"])
        elif frame.event == "AGIExecEnd":
            built = ev.agi_exec_end(s, int(frame["CommandId"]), frame["Command"], int(frame["ResultCode"]),
                                    frame["Result"])
        elif frame.event == "DTMFBegin":
            built = ev.dtmf_begin(s, frame["Digit"])
        else:
            built = ev.dtmf_end(s, frame["Digit"], int(frame["DurationMs"]))
        assert_same(built, frame)


def _list_frame(name: str, event: str, action_id: str, index: int = 0) -> AmiFrame:
    return recorded(name, event, index, ActionID=action_id)


def test_queue_status_items():
    params = _list_frame("priority.ami.txt", "QueueParams", "lab-7")
    queue = QueueState(params["Queue"], QueueSpec(strategy=params["Strategy"], weight=int(params["Weight"])))
    queue.entries = [Entry(str(i), 0, 0.0) for i in range(int(params["Calls"]))]
    assert list(qev.queue_params(queue, [("ActionID", "lab-7")])) == list(params.pairs)

    mframe = _list_frame("priority.ami.txt", "QueueMember", "lab-7")
    m = Member(mframe["Location"], mframe["Name"], mframe["StateInterface"], int(mframe["Penalty"]),
               mframe["Paused"] == "1", mframe["PausedReason"], int(mframe["LoginTime"]), int(mframe["LastPause"]))
    assert list(qev.queue_member(mframe["Queue"], m, [("ActionID", "lab-7")])) == list(mframe.pairs)

    for index in range(3):
        eframe = _list_frame("priority.ami.txt", "QueueEntry", "lab-7", index)
        s = Snapshot(eframe["Channel"], 6, eframe["CallerIDNum"], eframe["CallerIDName"], eframe["ConnectedLineNum"],
                     eframe["ConnectedLineName"], "en", "", "queue-direct", "enterprise", 4, eframe["Uniqueid"], "")
        entry = Entry(eframe["Uniqueid"], int(eframe["Priority"]), 0.0)
        built = qev.queue_entry(eframe["Queue"], int(eframe["Position"]), entry, s, int(eframe["Wait"]),
                                [("ActionID", "lab-7")])
        assert list(built) == list(eframe.pairs)

    complete = _list_frame("priority.ami.txt", "QueueStatusComplete", "lab-7")
    assert list(qev.list_complete("QueueStatusComplete", 5, [("ActionID", "lab-7")])) == list(complete.pairs)


def test_queue_summary_and_core_show_channels_complete():
    summary = _list_frame("priority.ami.txt", "QueueSummary", "lab-8")
    queue = QueueState(summary["Queue"], QueueSpec())
    queue.members = {"a": Member("a", "a", "a", paused=True)}
    queue.entries = [Entry(str(i), 0, 0.0) for i in range(3)]
    built = qev.queue_summary(queue, int(summary["LongestHoldTime"]), [("ActionID", "lab-8")])
    assert list(built) == list(summary.pairs)
    done = _list_frame("ami_basic_actions.ami.txt", "CoreShowChannelsComplete", "lab-5")
    assert list(qev.list_complete("CoreShowChannelsComplete", 0, [("ActionID", "lab-5")])) == list(done.pairs)


def test_core_show_channel_item_layout():
    s = Snapshot("Local/100@inbound-00000000;2", 6, "138", "T", "138", "T", "en", "", "inbound", "100", 7,
                 "1.1", "1.0")
    item = qev.core_show_channel(s, "", "Queue", "vip", 3725, [("ActionID", "x")])
    keys = [k for k, _ in item]
    assert keys[:3] == ["Event", "ActionID", "Channel"]
    assert keys[-4:] == ["BridgeId", "Application", "ApplicationData", "Duration"]
    assert dict(item)["Duration"] == "01:02:05"

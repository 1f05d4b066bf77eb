"""AMI -> domain translation, on literal header dicts taken from the recordings."""
from __future__ import annotations

import pytest

from callcenter import domain as d
from callcenter.ami import parser, translate

QUEUE_CALLER_JOIN = {  # as recorded from Asterisk 22 (queue_call.ami.txt)
    "Event": "QueueCallerJoin", "Privilege": "agent,all", "Channel": "Local/100@inbound-00000000;2",
    "ChannelState": "6", "CallerIDNum": "13800000001", "CallerIDName": "Test", "Context": "inbound",
    "Exten": "100", "Priority": "8", "Uniqueid": "1795458074.1", "Linkedid": "1795458074.0",
    "Queue": "vip", "Position": "1", "Count": "1",
}


def test_caller_join_uses_the_uniqueid_and_ignores_the_dialplan_priority():
    (event,) = translate.translate(QUEUE_CALLER_JOIN)
    assert event == d.CallerJoined(call_id="1795458074.1", queue="vip", channel="Local/100@inbound-00000000;2",
                                   caller_number="13800000001", caller_name="Test", position=1, count=1,
                                   linked_id="1795458074.0")


def test_ring_time_units_differ_between_no_answer_and_connect():
    (rna,) = translate.translate({"event": "AgentRingNoAnswer", "uniqueid": "1.1", "queue": "vip",
                                  "interface": "Local/2001@agent-noanswer/n", "membername": "a", "ringtime": "15000"})
    (connect,) = translate.translate({"event": "AgentConnect", "uniqueid": "1.1", "queue": "vip",
                                      "interface": "Local/1001@agent-phones/n", "membername": "agent1001",
                                      "holdtime": "18", "ringtime": "1"})
    assert rna.ring_ms == 15000
    assert (connect.hold_seconds, connect.ring_seconds) == (18, 1)


@pytest.mark.parametrize("paused, expected", [("1", True), ("0", False), ("true", True), ("", False)])
def test_member_pause_flag(paused, expected):
    (event,) = translate.translate({"event": "QueueMemberPause", "queue": "vip", "interface": "PJSIP/1001",
                                    "membername": "1001", "paused": paused, "pausedreason": "lunch"})
    assert event.paused is expected


def test_malformed_numbers_degrade_instead_of_raising():
    (event,) = translate.translate({**QUEUE_CALLER_JOIN, "Position": "abc", "Count": ""})
    assert (event.position, event.count) == (0, 0)


def test_header_names_match_case_insensitively():
    lowered = {k.lower(): v for k, v in QUEUE_CALLER_JOIN.items()}
    assert translate.translate(lowered) == translate.translate(QUEUE_CALLER_JOIN)


def test_unused_events_translate_to_nothing():
    assert translate.translate({"event": "VarSet", "variable": "X"}) == ()
    assert translate.translate({}) == ()


def test_queue_status_members_use_name_and_location():
    snapshot = translate.queue_snapshot([
        {"Event": "QueueParams", "Queue": "enterprise"},
        {"Event": "QueueMember", "Queue": "enterprise", "Name": "agent1002", "Location": "Local/1002@agent-phones/n",
         "Paused": "1", "PausedReason": "lunch"},
        {"Event": "QueueEntry", "Queue": "enterprise", "Uniqueid": "1795461070.13", "Position": "1",
         "Channel": "Local/enterprise@queue-direct-00000006;2", "CallerIDNum": "13800000202", "Priority": "10"},
    ])
    assert snapshot.members == (d.MemberAdded("enterprise", "Local/1002@agent-phones/n", "agent1002", True, "lunch"),)
    assert [w.call_id for w in snapshot.waiting] == ["1795461070.13"]


def test_parser_drops_nothing_it_cannot_split_and_keeps_the_rest():
    reader = parser.FrameReader()
    frames = reader.feed(b"Event: Hangup\r\nUniqueid: 1.2\r\n\r\nEvent: VarS")
    assert frames == [b"Event: Hangup\r\nUniqueid: 1.2"]
    assert reader.feed(b"et\r\n\r\n") == [b"Event: VarSet"]
    assert parser.event_name(frames[0]) == b"Hangup"
    assert parser.parse_headers("Event: X\r\ngarbage line\r\nAccountCode: \r\nA: b: c") == {
        "Event": "X", "AccountCode": "", "A": "b: c"}


def test_banner_is_one_line_not_a_frame_even_cut_in_two():
    reader = parser.FrameReader()
    assert reader.feed(b"Asterisk Call Man") == []
    assert reader.feed(b"ager/11.0.0\r\nResponse: Success\r\n\r\n") == [b"Response: Success"]
    assert reader.banner == "11.0.0"


def test_a_hangup_request_is_told_apart_from_a_soft_one():
    # queue_call.ami.txt: the caller's ;2 gets HangupRequest when its ;1 half hangs up; an AMI Hangup
    # action gives SoftHangupRequest, which the model does not need.
    line = {"event": "HangupRequest", "channel": "Local/100@inbound-00000000;2", "uniqueid": "1795458074.1",
            "cause": "16"}
    assert translate.translate(line) == (d.HangupRequested("1795458074.1", "Local/100@inbound-00000000;2", 16),)
    assert translate.translate({**line, "event": "SoftHangupRequest"}) == ()

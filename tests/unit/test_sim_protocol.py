"""AMI framing on the simulator's (server) side: pure, no sockets."""
from __future__ import annotations

import pytest

from callcenter.simulator.protocol import (ALL_CLASSES, CLASS_BITS, FrameParser, encode, error, header, headers,
                                           list_start, parse_event_mask, success)


def test_crlf_frames_split_across_reads():
    parser = FrameParser()
    assert parser.feed(b"Action: Ping\r\nAction") == []
    assert parser.feed(b"ID: 1\r\n\r\nAction: Logoff\r") == [(("Action", "Ping"), ("ActionID", "1"))]
    assert parser.feed(b"\n\r\n") == [(("Action", "Logoff"),)]


def test_bare_lf_frames_are_accepted():
    assert FrameParser().feed(b"Action: Ping\nActionID: 7\n\n") == [(("Action", "Ping"), ("ActionID", "7"))]


def test_repeated_headers_and_case_insensitive_lookup():
    [frame] = FrameParser().feed(b"action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\nChannel:Local/1@x\r\n\r\n")
    assert header(frame, "Action") == "Originate"
    assert header(frame, "CHANNEL") == "Local/1@x"
    assert headers(frame, "variable") == ["A=1", "B=2"]
    assert header(frame, "Missing", "dflt") == "dflt"


def test_garbage_and_non_utf8_still_make_a_frame():
    [frame] = FrameParser().feed(b"\xff\xfe garbage without colon\r\nX: \xc3\x28\r\n\r\n")
    assert header(frame, "Action") == ""
    assert header(frame, "X") == "\ufffd("


def test_blank_lines_between_frames_are_ignored():
    assert FrameParser().feed(b"\r\n\r\nAction: Ping\r\n\r\n\r\n") == [(("Action", "Ping"),)]


def test_an_endless_line_is_answered_and_dropped():
    parser = FrameParser()
    frames = parser.feed(b"A" * 20000)
    assert len(frames) == 1 and header(frames[0], "Action") == ""
    assert parser.feed(b"Action: Ping\r\n\r\n") == [(("Action", "Ping"),)]


def test_encode_uses_crlf_and_a_blank_line():
    assert encode([("Response", "Success"), ("Ping", "Pong")]) == b"Response: Success\r\nPing: Pong\r\n\r\n"


def test_responses_echo_the_action_id_only_when_given():
    with_id = (("Action", "Ping"), ("ActionID", "lab-3"))
    assert success(with_id, None, [("Ping", "Pong")]) == [("Response", "Success"), ("ActionID", "lab-3"),
                                                          ("Ping", "Pong")]
    assert error((("Action", "X"),), "Permission denied") == [("Response", "Error"), ("Message", "Permission denied")]
    assert list_start(with_id, "Queue status will follow") == [
        ("Response", "Success"), ("ActionID", "lab-3"), ("EventList", "start"), ("Message", "Queue status will follow")]


@pytest.mark.parametrize("text, expected", [
    ("on", ALL_CLASSES), ("YES", ALL_CLASSES), ("all", ALL_CLASSES), ("off", 0), ("no", 0), ("none", 0),
    ("yeah whatever", 0), ("agent", CLASS_BITS["agent"]),
    ("agent,call, system", CLASS_BITS["agent"] | CLASS_BITS["call"] | CLASS_BITS["system"]),
    ("34", 34), ("", None)])
def test_event_masks_follow_manager_c(text, expected):
    assert parse_event_mask(text) == expected

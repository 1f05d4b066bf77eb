"""AMI input hardening (issue 11): UTF-8 cut by TCP reads, frames without an end, bursts that would
starve the loop, numbers that are not numbers."""
from __future__ import annotations

import asyncio
import logging

import pytest

from callcenter import domain as d
from callcenter.ami import parser, translate
from callcenter.ami.protocol import FastAMIProtocol


class _Transport:
    def __init__(self) -> None:
        self.paused = 0
        self.resumed = 0

    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        self.paused += 1

    def resume_reading(self) -> None:
        self.resumed += 1


class _Factory:
    def __init__(self) -> None:
        self.dispatched: list = []

    def dispatch(self, message) -> None:
        self.dispatched.append(message)

    def connection_lost(self, exc) -> None:
        pass


def make_protocol(**overrides) -> tuple[FastAMIProtocol, list]:
    events: list = []
    protocol = type("Bound", (FastAMIProtocol,), overrides)()
    protocol.sink = lambda headers: events.extend(translate.translate(headers))
    protocol.wanted = translate.WANTED_EVENTS
    protocol.connection_made(_Transport())
    protocol.factory = _Factory()
    return protocol, events


def join(call_id: str, name: str, number: str = "13800000001") -> bytes:
    return (f"Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nChannel: Local/100@inbound-00000000;2\r\n"
            f"CallerIDNum: {number}\r\nCallerIDName: {name}\r\nUniqueid: {call_id}\r\nLinkedid: {call_id}\r\n"
            f"Queue: vip\r\nPosition: 1\r\nCount: 1\r\n\r\n").encode()


CHINESE = join("1.1", "张伟") + join("1.2", "李娜")


@pytest.mark.parametrize("cut", range(1, len(CHINESE)))
def test_a_chinese_name_cut_at_any_byte_decodes_right(cut: int) -> None:
    protocol, events = make_protocol()
    protocol.data_received(CHINESE[:cut])
    protocol.data_received(CHINESE[cut:])
    assert [(e.call_id, e.caller_name) for e in events] == [("1.1", "张伟"), ("1.2", "李娜")]


def test_invalid_utf8_is_replaced_and_the_event_kept() -> None:
    protocol, events = make_protocol()
    protocol.data_received(join("1.1", "NAME").replace(b"NAME", b"\xe5\xbc\xff"))
    assert [e.caller_name for e in events] == ["\ufffd\ufffd"]


def test_a_frame_with_no_end_is_bounded_dropped_and_the_stream_resyncs(caplog) -> None:
    protocol, events = make_protocol(max_frame_bytes=4096)
    protocol.data_received(join("1.1", "before"))
    head = b"Event: QueueCallerJoin\r\nCallerIDName: "
    protocol.data_received(head)
    with caplog.at_level(logging.WARNING, logger="callcenter.ami.protocol"):
        for _ in range(1000):                          # 1 MB of a name that never ends
            protocol.data_received(b"x" * 1000)
            assert len(protocol._reader._rest) <= 4096
        protocol.data_received(b"\r\n\r\n" + join("1.2", "after"))
    assert [e.caller_name for e in events] == ["before", "after"]
    (record,) = [r for r in caplog.records if "dropped" in r.getMessage()]
    message = record.getMessage()
    assert f"{len(head) + 1_000_000 + 4} bytes skipped" in message and "QueueCallerJoin" in message
    assert "xxxxxxxxxx" not in message


def test_an_oversized_complete_frame_in_one_read_is_dropped_alone() -> None:
    reader = parser.FrameReader(max_frame_bytes=100)
    frames = reader.feed(b"Event: A\r\n\r\nEvent: Big\r\nX: " + b"y" * 200 + b"\r\n\r\nEvent: C\r\n\r\n")
    assert frames == [b"Event: A", b"Event: C"]
    assert [(o.dropped_bytes, o.first_line) for o in reader.oversized] == [(15 + 200 + 4, b"Event: Big")]


def test_a_frame_end_cut_while_skipping_still_resyncs() -> None:
    reader = parser.FrameReader(max_frame_bytes=10)
    assert reader.feed(b"Event: " + b"z" * 50 + b"\r\n\r") == []
    assert reader.feed(b"\nEvent: Ok\r\n\r\n") == [b"Event: Ok"]
    assert reader.dropped_bytes_total == 7 + 50 + 4


async def test_a_burst_gives_the_loop_a_turn_every_few_frames_and_keeps_the_order() -> None:
    protocol, events = make_protocol(frames_per_turn=100)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    protocol.data_received(b"".join(join(f"1.{i}", "x") for i in range(1000)))
    assert len(events) == 100 and protocol.transport.paused == 1
    async with asyncio.timeout(5):
        while len(events) < 1000:
            await asyncio.sleep(0)
    task.cancel()
    assert [e.call_id for e in events] == [f"1.{i}" for i in range(1000)]
    assert ticks >= 9 and protocol.transport.resumed == 1


def test_frames_still_waiting_are_handled_before_the_link_is_reported_lost() -> None:
    protocol, events = make_protocol(frames_per_turn=10)
    loop = protocol._loop = asyncio.new_event_loop()        # turns are scheduled on it, never run
    try:
        protocol.data_received(b"".join(join(f"1.{i}", "x") for i in range(50)))
        assert len(events) == 10
        protocol.connection_lost(None)
        assert len(events) == 50
    finally:
        loop.close()


@pytest.mark.parametrize("value", ["1e999", "nan", "-1", "inf", "9" * 5000, "", "abc", "4294967296", "٣"])
def test_a_number_that_is_not_one_keeps_the_event_with_the_field_missing(value: str) -> None:
    headers = {"Event": "AgentComplete", "Queue": "vip", "Uniqueid": "1.1", "Interface": "Local/1001@agent-phones/n",
               "MemberName": "agent1001", "HoldTime": value, "TalkTime": "3", "Reason": "caller"}
    assert translate.translate(headers) == (d.CallCompleted("1.1", "vip", "Local/1001@agent-phones/n", "agent1001",
                                                            0, 3, "caller"),)


def test_a_frame_trickling_in_one_byte_at_a_time_costs_its_size_not_its_square() -> None:
    reader = parser.FrameReader(max_frame_bytes=1 << 20)
    frame = b"Event: QueueCallerJoin\r\nCallerIDName: " + b"y" * 300_000
    for i in range(len(frame)):                   # quadratic copying would take minutes here
        assert reader.feed(frame[i:i + 1]) == []
    assert reader.feed(b"\r\n\r\n") == [frame]

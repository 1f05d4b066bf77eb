"""Fuzzing the AMI edge: the framing (``parser.FrameReader``), our protocol on panoramisk, and the
translation. Properties, on the bytes a real Asterisk 22 sent (``../shared/asterisk/*.ami.txt`` and
``tests/live/captures``) and on hostile ones:

* TCP may cut anywhere: any split of a recording gives the frames and the domain events of the whole;
* random bytes never raise, never hold more than one frame's limit, and the stream resyncs after them;
* hostile headers (huge, binary, no colon, repeated keys, CR without LF, numbers that are not) never
  raise out of the translation, and its numbers stay in range;
* any text in a caller's name comes out as it went in, wherever the read was cut;
* a burst handled over several loop turns gives the same events, in order, as one handled at once.
"""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from callcenter import domain as d
from callcenter.ami import parser, translate
from callcenter.ami.protocol import FastAMIProtocol
from tests.recordings import RECORDINGS

CAPTURES = Path(__file__).resolve().parents[1] / "live" / "captures"


@functools.cache
def recordings() -> tuple[bytes, ...]:
    paths = sorted(RECORDINGS.glob("*.ami.txt")) + sorted(CAPTURES.glob("*.ami.txt"))
    assert paths, f"no AMI recordings in {RECORDINGS} or {CAPTURES}"
    return tuple(p.read_bytes() for p in paths)


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class _Factory:
    forgetable_actions: tuple[str, ...] = ()
    awaiting_actions: list = []

    def dispatch(self, message) -> None:
        pass

    def connection_lost(self, exc) -> None:
        pass


class _Errors(logging.Handler):
    """Every ERROR the AMI edge logs (``log.exception`` where a frame could not be handled)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_protocol(parts: list[bytes], *, max_frame_bytes: int = parser.DEFAULT_MAX_FRAME_BYTES,
                 frames_per_turn: int | None = None) -> tuple[list, FastAMIProtocol]:
    """Feed *parts* as TCP reads; returns the domain events and the protocol. Any error logged by the
    AMI edge fails the property. With *frames_per_turn*, runs in a loop that takes turns."""
    events: list = []
    errors = _Errors()
    logger = logging.getLogger("callcenter.ami")
    saved = logger.level, logger.propagate
    overrides: dict = {"max_frame_bytes": max_frame_bytes}
    if frames_per_turn is not None:
        overrides["frames_per_turn"] = frames_per_turn
    protocol = type("Fuzzed", (FastAMIProtocol,), overrides)()
    protocol.sink = lambda headers: events.extend(translate.translate(headers))
    protocol.wanted = translate.WANTED_EVENTS

    def feed() -> None:
        protocol.connection_made(_Transport())
        protocol.factory = _Factory()
        for part in parts:
            protocol.data_received(part)

    async def feed_in_turns() -> None:
        feed()
        while protocol._pending:
            await asyncio.sleep(0)

    logger.addHandler(errors)
    logger.setLevel(logging.ERROR)      # warnings (malformed, oversized) are expected here: not shown
    logger.propagate = False
    try:
        if frames_per_turn is None:
            feed()
        else:
            asyncio.run(feed_in_turns())
    finally:
        logger.removeHandler(errors)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    assert not errors.records, [r.getMessage() for r in errors.records]
    return events, protocol


def cut(data: bytes, points: list[int]) -> list[bytes]:
    bounds = sorted({p % (len(data) + 1) for p in points})
    return [data[a:b] for a, b in zip([0, *bounds], [*bounds, len(data)])]


def frames_of(parts: list[bytes], max_frame_bytes: int = parser.DEFAULT_MAX_FRAME_BYTES) -> list[bytes]:
    reader = parser.FrameReader(max_frame_bytes)
    frames: list[bytes] = []
    for part in parts:
        frames.extend(reader.feed(part))
        assert len(reader._rest) <= max(max_frame_bytes, len(parser.BANNER_PREFIX))
    return frames


@functools.cache
def whole(index: int) -> tuple[list[bytes], list]:
    data = recordings()[index]
    return frames_of([data]), run_protocol([data])[0]


recording_index = st.integers(min_value=0, max_value=10**6).map(lambda i: i % len(recordings()))


@given(recording_index, st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=40))
def test_any_split_of_a_recording_gives_the_frames_and_events_of_the_whole(index: int, points: list[int]) -> None:
    data = recordings()[index]
    parts = cut(data, points)
    frames, events = whole(index)
    assert frames_of(parts) == frames
    assert run_protocol(parts)[0] == events


@given(recording_index, st.lists(st.integers(min_value=0, max_value=1 << 20), max_size=10),
       st.integers(min_value=1, max_value=8))
def test_a_burst_handled_over_many_turns_gives_the_same_events_in_order(index: int, points: list[int],
                                                                       per_turn: int) -> None:
    parts = cut(recordings()[index], points)
    assert run_protocol(parts, frames_per_turn=per_turn)[0] == whole(index)[1]


@given(st.lists(st.binary(max_size=600), max_size=12), st.integers(min_value=4, max_value=300))
@example([b"\r\n\r\n" * 3, b"Asterisk Call Manager/", b"\xff\r\n"], 4)
@example([b"Event: Hangup\r\nCause: 1e999\r\n\r\n"], 300)
def test_random_bytes_never_raise_stay_bounded_and_the_stream_resyncs(parts: list[bytes], limit: int) -> None:
    frames_of(parts, limit)
    run_protocol(parts, max_frame_bytes=limit)
    tail = b"\r\n\r\nEvent: Hangup\r\nUniqueid: 9.9\r\nChannel: X\r\nCause: 16\r\n\r\n"
    events, _ = run_protocol([*parts, tail], max_frame_bytes=max(limit, len(tail)))
    assert events[-1:] == [d.ChannelHungUp("9.9", "X", 16)]


numbers = st.one_of(
    st.integers().map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e999", "-1e999", "nan", "NaN", "inf", "-1", "", " ", "0x10", "1_0", "٣", "9" * 5000]),
    st.text(max_size=20),
)
header_values = st.one_of(numbers, st.text(max_size=50), st.binary(max_size=50).map(
    lambda b: b.decode("utf-8", "replace")), st.just("x" * 100_000))
header_names = st.one_of(
    st.sampled_from(["Uniqueid", "Queue", "Position", "Count", "HoldTime", "holdtime", "TalkTime", "RingTime",
                     "Cause", "Status", "Paused", "InCall", "Interface", "MemberName", "CallerIDName", "Result",
                     "TransfereeUniqueid", "DestContext", "DialStatus", "Restart", "Event"]),
    st.text(max_size=12))


@st.composite
def hostile_frames(draw) -> bytes:
    event = draw(st.sampled_from(sorted(translate.TRANSLATIONS)))
    lines = [f"Event: {event}".encode()]
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        kind = draw(st.sampled_from(["header", "header", "no-colon", "cr", "binary"]))
        name, value = draw(header_names), draw(header_values)
        if kind == "header":
            lines.append(f"{name}: {value}".encode("utf-8", "surrogatepass"))
        elif kind == "no-colon":
            lines.append(f"{name}{value}".encode("utf-8", "surrogatepass"))
        elif kind == "cr":
            lines.append(f"{name}: {value}\r{draw(header_names)}: {draw(header_values)}".encode("utf-8",
                                                                                             "surrogatepass"))
        else:
            lines.append(name.encode("utf-8", "surrogatepass") + b": " + draw(st.binary(max_size=40)))
    return b"\r\n".join(lines).replace(b"\r\n\r\n", b"\r\n") + b"\r\n\r\n"


@given(st.lists(hostile_frames(), min_size=1, max_size=5), st.lists(st.integers(min_value=0), max_size=5))
@example([b"Event: Shutdown\r\nEvent: 0\r\n\r\n"], [])             # panoramisk's dispatch: 'list'.lower()
@example([b"Response: Success\r\nActionID: 1\r\nActionID: 2\r\n\r\n"], [])   # unhashable ActionID
@example([b"Event: AgentComplete\r\nHoldTime: 1e999\r\nTalkTime: nan\r\n\r\n"], [3])
def test_hostile_headers_never_raise_out_of_the_translation(frames: list[bytes], points: list[int]) -> None:
    data = b"".join(frames)
    run_protocol(cut(data, points))               # fails on any error logged by the edge
    for frame in frames_of([data]):
        for event in translate.translate(parser.parse_headers(frame.decode("utf-8", "replace"))):
            for field in dataclasses.fields(event):
                value = getattr(event, field.name)
                if isinstance(value, int) and not isinstance(value, bool):
                    assert 0 <= value < 2**31


@given(st.dictionaries(header_names, header_values, max_size=15), st.sampled_from(sorted(translate.TRANSLATIONS)))
def test_any_header_dict_translates_without_raising(headers: dict[str, str], event: str) -> None:
    translate.translate({**headers, "Event": event})
    translate.queue_snapshot([{**headers, "Event": "QueueEntry"}, {**headers, "Event": "QueueMember"}])
    translate.channels_snapshot([{**headers, "Event": "CoreShowChannel"}])


@given(numbers)
def test_numbers_are_in_range_or_missing(value: str) -> None:
    assert 0 <= translate._int(value, 0) < 2**31


names = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=30)


@given(names, names, st.lists(st.integers(min_value=0), max_size=4))
@example("张伟", "李娜", [1, 50, 200, 201, 202])
def test_any_caller_name_survives_any_cut(first: str, second: str, points: list[int]) -> None:
    data = b"".join(
        (f"Event: QueueCallerJoin\r\nCallerIDName: {name}\r\nUniqueid: 1.{i}\r\nQueue: vip\r\n\r\n").encode()
        for i, name in enumerate((first, second)))
    events, _ = run_protocol(cut(data, points))
    assert [e.caller_name for e in events] == [first, second]

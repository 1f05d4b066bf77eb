"""Fuzzing the FastAGI edge (issue 11): the environment reader and the reply parser.

Two pure properties (a line in: a value out or :class:`AgiParseError`, nothing else) and two whole
sessions through the server's own connection handler (admission, environment reader, dispatch, the
inbound script, :class:`AgiChannel`), fed from a stream reader with no socket:

* a hostile *environment*: random bytes, long lines, non-UTF-8, no blank line, then EOF;
* Asterisk's environment as recorded, then hostile *replies*: weird ``200 result=`` forms, usage
  blocks, ``HANGUP`` anywhere, random bytes, long lines.

Each session must end by itself (bounded), and the only exceptions that may reach the log are our own
:class:`AgiError` ids (the script's designed fallback); an environment that is not FastAGI posts
nothing, a session that got one posts exactly one ``IvrCompleted``.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from callcenter.domain import IvrCompleted
from callcenter.settings import settings_from_mapping
from ivr.agi_protocol import AgiParseError, AgiResponse, HangupNotice, ResponseAssembler, parse_env_line, parse_line
from ivr.channel import AgiError
from ivr.server import IvrServer
from tests.integration.agi_peer import RECORDED_ENV

SESSION_TIMEOUT = 5.0
STREAM_LIMIT = 2 ** 16      # asyncio's default: a longer line is a ValueError inside readline


# ------------------------------------------------------------------ strategies
def _long(prefix: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(STREAM_LIMIT - 8, 3 * STREAM_LIMIT).map(lambda n: prefix + b"x" * n)


INBOUND_ENV = dict(RECORDED_ENV, agi_network_script="inbound")

ENV_LINE = st.one_of(
    st.sampled_from([f"{k}: {v}".encode() for k, v in INBOUND_ENV.items()]),
    st.builds(lambda k, v: b"agi_" + k.encode() + b": " + v.encode("utf-8", "surrogatepass"),
              st.from_regex(r"[a-z_0-9]{0,12}", fullmatch=True), st.text(max_size=60)),
    st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from([b"agi_network: yes\r", b"agi_callerid: \xff\xfe\x80", b"agi_:", b"AGI_CALLERID: 1",
                     b"agi_callerid:1", b"GET / HTTP/1.1", b"\x00" * 10, b"agi_x: " + "李娜".encode()[:4]]),
    _long(b"agi_callerid: "),
)

REPLY = st.one_of(
    st.sampled_from([
        "200 result=", "200 result=-1", "200 result=0", "200 result=1 (hello)", "200 result= (timeout)",
        "200 result=49", "200 result=1114112", "200 result=-2", "200 result=99999999999999999999999",
        "200 result=" + "9" * 5000, "200 result=0 (", "200 result=1 (a(b)c) endpos=13600", "200 result=٣",
        "200 result=1_0", "200 result=0x31", "200 result=1 endpos", "200", "200 ", "200 resul=1", "200-result=1",
        "100 result=0 Trying...", "510 Invalid or unknown command", "511 Command Not Permitted",
        "520 Invalid command syntax.  Proper usage not available.",
        "520-Invalid command syntax.  Proper usage follows:", "520 End of proper usage.", "HANGUP", "", "\r",
        "999 what", "000", "20", "2000 result=1",
    ]),
    st.builds(lambda code, rest: f"{code} result={rest}", st.integers(0, 999), st.text(max_size=40)),
    st.text(max_size=60).map(lambda t: t.replace("\n", " ")),
).map(lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=60).map(
    lambda b: b.replace(b"\n", b"")) | _long(b"200 result=1 (")


def _stream(lines: list[bytes], blank: bool, tail: bytes) -> bytes:
    return b"\n".join(lines) + (b"\n\n" if blank else b"") + tail


# ------------------------------------------------------------------ pure properties
@given(st.text(max_size=300))
@example("agi_callerid: 13800000001")
@example("agi_:")
def test_env_line_parser_returns_a_pair_or_a_parse_error(line: str) -> None:
    try:
        key, value = parse_env_line(line)
    except AgiParseError:
        return
    assert key.startswith("agi_") and isinstance(value, str)


@given(st.lists(st.one_of(REPLY.map(lambda b: b.decode("utf-8", "replace")), st.text(max_size=80)), max_size=20))
def test_reply_parser_returns_responses_or_a_parse_error(lines: list[str]) -> None:
    assembler = ResponseAssembler()
    for line in lines:
        for parse in (parse_line, assembler.feed):
            try:
                parsed = parse(line)
            except AgiParseError:
                continue
            assert parsed is None or isinstance(parsed, (AgiResponse, HangupNotice))
            if isinstance(parsed, AgiResponse):
                assert parsed.value is None or isinstance(parsed.value, int)
                assert 0 <= parsed.code <= 999


# ------------------------------------------------------------------ whole sessions
class _Writer:
    """What the handler writes to; nothing leaves the process."""

    def __init__(self, peer: str = "127.0.0.1") -> None:
        self.sent = bytearray()
        self.closed = False
        self.transport = self
        self._peer = (peer, 40000)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._peer if name == "peername" else default

    def write(self, data: bytes) -> None:
        self.sent += data

    async def drain(self) -> None:
        await asyncio.sleep(0)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    async def wait_closed(self) -> None:
        return None


class _ExceptionLog(logging.Handler):
    """Collects the exceptions the FastAGI code logs, instead of printing 20,000 sessions' warnings."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.exceptions: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.exceptions.append(record.exc_info[1])


class _Harness:
    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.posted: list[Any] = []
        # An invalid-choice notice, so replies also reach STREAM FILE's digit (escape digits).
        settings = settings_from_mapping({"fastagi": {"port": 0, "header_timeout": 1.0},
                                          "ivr": {"lookup_timeout": 0.5, "menus": {
                                              "invalid_prompt": {"en": "invalid", "zh-CN": "invalid"}}}})

        async def identify(number: str) -> list[dict[str, Any]]:
            return [{"customer_id": 7, "name": "赵敏", "customer_type": "vip", "value_class": "major",
                     "language": "zh"}] if number.endswith("1") else []

        self.server = IvrServer(settings, identify, self.posted.append, command_timeout=1.0, media_timeout=1.0)
        self.runner.run(self.server.start())
        self.log = _ExceptionLog()

    def session(self, data: bytes) -> tuple[_Writer, list[Any]]:
        """One connection that sent ``data`` then EOF; what was written back and what was posted."""
        self.posted.clear()
        self.log.exceptions.clear()
        writer = _Writer()

        async def run() -> None:
            reader = asyncio.StreamReader(limit=STREAM_LIMIT)
            reader.feed_data(data)
            reader.feed_eof()
            async with asyncio.timeout(SESSION_TIMEOUT):      # a hang fails the property
                await self.server._on_connection(reader, writer)  # noqa: SLF001 (the socket's handler)

        self.runner.run(run())
        unexpected = [e for e in self.log.exceptions if not isinstance(e, AgiError)]
        assert not unexpected, unexpected
        assert writer.closed
        return writer, list(self.posted)

    def close(self) -> None:
        self.runner.run(self.server.stop())
        self.runner.close()


@pytest.fixture(scope="module")
def harness() -> Iterator[_Harness]:
    h = _Harness()
    loggers = [logging.getLogger(name) for name in ("ivr", "panoramisk")]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.propagate = False
        lg.setLevel(logging.DEBUG)
        lg.addHandler(h.log)
    try:
        yield h
    finally:
        for lg, (propagate, level) in zip(loggers, saved):
            lg.removeHandler(h.log)
            lg.propagate, lg.level = propagate, level
        h.close()


@given(lines=st.lists(ENV_LINE, max_size=30), blank=st.booleans(), tail=st.binary(max_size=40))
@example(lines=[b"agi_network: yes"], blank=False, tail=b"")
@example(lines=[b"agi_network_script: inbound", b"", b"agi_network: yes"], blank=False, tail=b"")
@example(lines=[b"agi_network_script: inbound"], blank=True, tail=b"200 result=1\n")     # no agi_uniqueid
@example(lines=[], blank=True, tail=b"")
@example(lines=[b"agi_callerid: " + b"x" * (STREAM_LIMIT + 1)], blank=True, tail=b"")
def test_any_environment_ends_the_session_cleanly(harness: _Harness, lines: list[bytes], blank: bool,
                                                  tail: bytes) -> None:
    _, posted = harness.session(_stream(lines, blank, tail))
    assert len(posted) <= 1 and all(isinstance(event, IvrCompleted) for event in posted)
    assert all(event.call_id for event in posted)       # never a call with no id
    ended = blank or any(not line.rstrip(b"\r") for line in lines)
    if not ended:          # no end of the environment: no script ran, nothing reached the engine
        assert posted == []


@given(replies=st.lists(REPLY, max_size=40), number=st.sampled_from(["13800000001", "13800000002", "", "unknown"]))
@example(replies=[b"200 result=1", b"200 result=7", b"200 result=1114112"], number="13800000001")
@example(replies=[b"HANGUP", b"200 result=-1"], number="13800000001")
@example(replies=[b"520-Invalid command syntax.  Proper usage follows:"], number="")
def test_any_replies_end_the_session_with_one_result(harness: _Harness, replies: list[bytes], number: str) -> None:
    env = dict(INBOUND_ENV, agi_callerid=number)
    head = "".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n"
    writer, posted = harness.session(head + b"\n".join(replies) + (b"\n" if replies else b""))
    [event] = posted          # hang-up, protocol error or a full menu: the engine always hears of the call
    assert isinstance(event, IvrCompleted) and event.call_id == RECORDED_ENV["agi_uniqueid"]
    assert writer.sent.endswith(b"\n") or not writer.sent

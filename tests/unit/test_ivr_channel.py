"""AgiChannel replays the recorded sessions byte for byte, and maps every failure to our exceptions."""
from __future__ import annotations

import asyncio

import pytest

from ivr.channel import AgiChannel, AgiCommandError, AgiHangup, AgiProtocolError, AgiTimeout
from tests.unit.test_ivr_agi_protocol import DIGITS, HANGUP, TIMEOUT, received, sent

ENV = {"agi_uniqueid": "1795461022.5", "agi_callerid": "13800001001", "agi_network_script": "inbound"}


class Writer:
    def __init__(self, fail: bool = False) -> None:
        self.data = b""
        self.fail = fail

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        if self.fail:
            raise ConnectionResetError("peer reset")

    @property
    def lines(self) -> list[str]:
        return self.data.decode().splitlines()


def channel(*responses: str, eof: bool = True, **kwargs) -> tuple[AgiChannel, Writer]:
    reader = asyncio.StreamReader()
    if responses:
        reader.feed_data("".join(r + "\n" for r in responses).encode())
    if eof:
        reader.feed_eof()
    writer = Writer()
    return AgiChannel(reader, writer, ENV, **kwargs), writer


async def test_agi_digits_session():
    ch, out = channel(*received(DIGITS))
    await ch.verbose("lab raw fastagi start")
    assert await ch.get_variable("LAB_UNSET_VAR") is None
    await ch.set_variable("LAB_AGI_VAR", "hello world")
    assert await ch.get_variable("LAB_AGI_VAR") == "hello world"
    assert await ch.get_full_variable("${CALLERID(num)} ${CHANNEL(linkedid)}") == "13800001001 1795461022.4"
    assert await ch.channel_status() == 6
    assert await ch.stream_file("lab-menu", "0123456789*#") == "5"     # result=53
    assert await ch.say_number(42) is None
    assert await ch.get_data("beep", 5000, 4) == ("12", False)
    assert await ch.wait_for_digit(1500) is None
    assert await ch.say_digits("123", "#") is None
    assert await ch.exec("Playback", "beep") == 0
    with pytest.raises(AgiCommandError, match="NoSuchApplication"):
        await ch.exec("NoSuchApplication", "foo")
    # A missing file answers -1 on a live channel: no digit, and not a hang-up.
    assert await ch.stream_file("no-such-file") is None
    with pytest.raises(AgiCommandError) as unknown:
        await ch.send_command("FOO BAR")
    assert unknown.value.code == 510
    with pytest.raises(AgiCommandError) as usage:
        await ch.send_command('SAY NUMBER abc ""')
    assert usage.value.code == 520 and usage.value.error_id == "agi-command-failed"
    await ch.set_variable("QUEUE", "")
    await ch.verbose("lab raw fastagi done")
    assert not ch.dead
    assert out.lines == sent(DIGITS)


async def test_agi_timeout_session():
    ch, out = channel(*received(TIMEOUT))
    await ch.verbose("lab raw fastagi start")
    assert await ch.stream_file("beep", "123") is None
    assert await ch.get_data("beep", 3000, 2) == ("", True)
    assert await ch.wait_for_digit(2000) is None
    assert await ch.say_number(7, "#") is None
    assert await ch.get_data("silence/1", 1500, 4) == ("", True)
    assert await ch.stream_file("lab-welcome") is None
    await ch.verbose("lab raw fastagi timeout path done")
    assert out.lines == sent(TIMEOUT)


async def test_agi_hangup_session():
    ch, out = channel(*received(HANGUP))
    await ch.verbose("lab raw fastagi start")
    # The caller hangs up during the prompt: -1 comes before HANGUP, so this cannot tell yet.
    assert await ch.stream_file("silence/10", "1") is None
    assert not ch.dead
    # HANGUP arrives between VERBOSE and its answer: a notification, not VERBOSE's response.
    await ch.verbose("after hangup")
    assert ch.dead
    assert await ch.get_variable("LAB_AGI_VAR") is None
    await ch.set_variable("LAB_AFTER_HANGUP", "x")           # still works on a dead channel
    assert await ch.get_variable("LAB_AFTER_HANGUP") == "x"
    for verb in (ch.stream_file("beep"), ch.get_data("beep", 1000, 1), ch.say_number(5)):
        with pytest.raises(AgiHangup) as gone:
            await verb
        assert gone.value.code == 511 and gone.value.error_id == "agi-hangup"
    assert await ch.exec("Playback", "beep") == 0
    with pytest.raises(AgiHangup):
        await ch.channel_status()
    with pytest.raises(AgiHangup):
        await ch.answer()
    await ch.hangup()                                       # already gone is fine
    assert out.lines == sent(HANGUP)


async def test_wait_for_digit_returns_the_ascii_code_as_a_digit():
    # agi_requests.jsonl: "WAIT FOR DIGIT 3000" -> result 57 = '9'
    ch, out = channel("200 result=57")
    assert await ch.wait_for_digit(3000) == "9"
    assert out.lines == ["WAIT FOR DIGIT 3000"]


async def test_media_failure_after_hangup_is_a_hangup():
    ch, _ = channel("HANGUP", "200 result=1", "200 result=-1")
    await ch.verbose("x")
    with pytest.raises(AgiHangup):
        await ch.get_data("menu", 5000, 1)


async def test_get_data_failure_on_a_live_channel_reads_as_no_input():
    ch, _ = channel("200 result=-1")
    assert await ch.get_data("menu", 5000, 1) == ("", True)


async def test_multi_line_usage_error_keeps_the_stream_in_step():
    ch, _ = channel(
        "520-Invalid command syntax.  Proper usage follows:",
        "Usage: SAY NUMBER <number> <escape digits> [gender]",
        "520 End of proper usage.",
        "200 result=1",
    )
    with pytest.raises(AgiCommandError, match="Usage: SAY NUMBER"):
        await ch.send_command("SAY NUMBER")
    await ch.set_variable("A", "b")


async def test_trying_is_skipped():
    ch, _ = channel("100 result=0 Trying...", "200 result=0")
    assert await ch.exec("Dial", "PJSIP/100") == 0


async def test_end_of_stream_is_a_hangup():
    ch, _ = channel()
    with pytest.raises(AgiHangup):
        await ch.verbose("anyone?")
    assert ch.dead


async def test_stuck_peer_times_out_and_the_session_is_then_unusable():
    ch, out = channel(eof=False, timeout=0.05)
    with pytest.raises(AgiTimeout) as stuck:
        await ch.set_variable("CC_QUEUE", "vip")
    assert stuck.value.error_id == "agi-timeout"
    written = out.data
    with pytest.raises(AgiTimeout):
        await ch.set_variable("CC_QUEUE", "standard")
    assert out.data == written          # nothing more sent to a peer that is out of step


async def test_media_commands_get_their_own_longer_deadline():
    ch, _ = channel(eof=False, timeout=5.0, media_timeout=0.05)
    with pytest.raises(AgiTimeout):
        await ch.stream_file("beep")


async def test_garbage_response_is_a_protocol_error():
    ch, _ = channel("<html>", "200 result=1")
    with pytest.raises(AgiProtocolError):
        await ch.verbose("x")
    with pytest.raises(AgiProtocolError):
        await ch.verbose("y")


async def test_connection_reset_is_a_hangup():
    reader = asyncio.StreamReader()
    ch = AgiChannel(reader, Writer(fail=True), ENV)
    with pytest.raises(AgiHangup):
        await ch.verbose("x")


async def test_arguments_that_would_wait_forever_or_inject_are_refused():
    ch, out = channel()
    with pytest.raises(ValueError):
        await ch.wait_for_digit(-1)
    with pytest.raises(ValueError):
        await ch.get_data("menu", 0, 1)
    with pytest.raises(ValueError):
        await ch.set_variable("CC_QUEUE", "vip\nHANGUP")
    assert out.data == b""


async def test_env_and_call_info():
    ch, _ = channel()
    assert ch.env["agi_callerid"] == "13800001001"
    assert ch.info.call_id == "1795461022.5"
    with pytest.raises(TypeError):
        ch.env["agi_callerid"] = "x"  # type: ignore[index]

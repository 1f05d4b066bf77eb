"""FastAGI command parsing of the simulator (res_agi.c's rules), pure."""
from __future__ import annotations

import pytest

from callcenter.simulator.agi_commands import lookup, samples, split_args, to_int


@pytest.mark.parametrize("line, argv", [
    ('SET VARIABLE QUEUE "vip"', ["SET", "VARIABLE", "QUEUE", "vip"]),
    ('SET VARIABLE QUEUE ""', ["SET", "VARIABLE", "QUEUE", ""]),
    ('SET VARIABLE LAB_AGI_VAR "hello world"', ["SET", "VARIABLE", "LAB_AGI_VAR", "hello world"]),
    ('STREAM FILE lab-menu "0123456789*#"', ["STREAM", "FILE", "lab-menu", "0123456789*#"]),
    ('VERBOSE "say \\"hi\\"" 1', ["VERBOSE", 'say "hi"', "1"]),
    ('GET FULL VARIABLE "${CALLERID(num)} ${CHANNEL(linkedid)}"',
     ["GET", "FULL", "VARIABLE", "${CALLERID(num)} ${CHANNEL(linkedid)}"]),
    ("  GET   DATA  beep 5000 4 ", ["GET", "DATA", "beep", "5000", "4"]),
])
def test_split_args(line, argv):
    assert split_args(line) == argv


@pytest.mark.parametrize("line, name, dead_ok", [
    ("GET DATA beep 3000 2", "get_data", False), ("get variable X", "get_variable", True),
    ("GET FULL VARIABLE x", "get_full_variable", True), ("STREAM FILE beep \"\"", "stream_file", False),
    ("WAIT FOR DIGIT 1500", "wait_for_digit", False), ("EXEC Playback beep", "exec", True),
    ("VERBOSE x 1", "verbose", True), ("HANGUP", "hangup", False), ("ANSWER", "answer", False),
    ("CHANNEL STATUS", "channel_status", False), ("SET VARIABLE A b", "set_variable", True),
    ("SAY NUMBER 42 \"\"", "say_number", False)])
def test_lookup(line, name, dead_ok):
    command = lookup(split_args(line))
    assert command is not None and (command.name, command.dead_ok) == (name, dead_ok)


@pytest.mark.parametrize("line", ["FOO BAR", "GET", "", "STREAM"])
def test_unknown_commands(line):
    assert lookup(split_args(line)) is None


def test_numbers():
    assert [to_int(t) for t in ("42", "-1", "12abc", "abc", "", "+7")] == [42, -1, 12, None, None, 7]
    assert samples(1.7) == 13600

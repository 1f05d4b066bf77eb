"""FastAGI wire format (ivr/agi_protocol.py) against every line Asterisk 22 sent in the recordings.

The sessions of ../shared/asterisk/agi_*.agi.txt (Asterisk 22.10.1) are kept here verbatim after the
environment (``<<`` = sent by the server, ``>>`` = sent by Asterisk); test_ivr_channel.py replays them.
"""
from __future__ import annotations

import pytest

from ivr.agi_protocol import (
    HANGUP as HANGUP_NOTICE, AgiParseError, AgiResponse, ResponseAssembler, arg, call_info, command,
    parse_env_line, parse_line, quote, split_args,
)

DIGITS = """\
<< VERBOSE "lab raw fastagi start" 1
>> 200 result=1
<< GET VARIABLE LAB_UNSET_VAR
>> 200 result=0
<< SET VARIABLE LAB_AGI_VAR "hello world"
>> 200 result=1
<< GET VARIABLE LAB_AGI_VAR
>> 200 result=1 (hello world)
<< GET FULL VARIABLE "${CALLERID(num)} ${CHANNEL(linkedid)}"
>> 200 result=1 (13800001001 1795461022.4)
<< CHANNEL STATUS
>> 200 result=6
<< STREAM FILE lab-menu "0123456789*#"
>> 200 result=53 endpos=13600
<< SAY NUMBER 42 ""
>> 200 result=0
<< GET DATA beep 5000 4
>> 200 result=12
<< WAIT FOR DIGIT 1500
>> 200 result=0
<< SAY DIGITS 123 "#"
>> 200 result=0
<< EXEC Playback beep
>> 200 result=0
<< EXEC NoSuchApplication foo
>> 200 result=-2
<< STREAM FILE no-such-file ""
>> 200 result=-1 endpos=0
<< FOO BAR
>> 510 Invalid or unknown command
<< SAY NUMBER abc ""
>> 520 Invalid command syntax.  Proper usage not available.
<< SET VARIABLE QUEUE ""
>> 200 result=1
<< VERBOSE "lab raw fastagi done" 1
>> 200 result=1
>> HANGUP
"""

TIMEOUT = """\
<< VERBOSE "lab raw fastagi start" 1
>> 200 result=1
<< STREAM FILE beep "123"
>> 200 result=0 endpos=2000
<< GET DATA beep 3000 2
>> 200 result= (timeout)
<< WAIT FOR DIGIT 2000
>> 200 result=0
<< SAY NUMBER 7 "#"
>> 200 result=0
<< GET DATA silence/1 1500 4
>> 200 result= (timeout)
<< STREAM FILE lab-welcome ""
>> 200 result=0 endpos=8000
<< VERBOSE "lab raw fastagi timeout path done" 1
>> 200 result=1
>> HANGUP
"""

HANGUP = """\
<< VERBOSE "lab raw fastagi start" 1
>> 200 result=1
<< STREAM FILE silence/10 "1"
>> 200 result=-1 endpos=20000
<< VERBOSE "after hangup" 1
>> HANGUP
>> 200 result=1
<< GET VARIABLE LAB_AGI_VAR
>> 200 result=0
<< SET VARIABLE LAB_AFTER_HANGUP "x"
>> 200 result=1
<< GET VARIABLE LAB_AFTER_HANGUP
>> 200 result=1 (x)
<< STREAM FILE beep ""
>> 511 Command Not Permitted on a dead channel or intercept routine
<< GET DATA beep 1000 1
>> 511 Command Not Permitted on a dead channel or intercept routine
<< SAY NUMBER 5 ""
>> 511 Command Not Permitted on a dead channel or intercept routine
<< EXEC Playback beep
>> 200 result=0
<< CHANNEL STATUS
>> 511 Command Not Permitted on a dead channel or intercept routine
<< ANSWER
>> 511 Command Not Permitted on a dead channel or intercept routine
<< HANGUP
>> 511 Command Not Permitted on a dead channel or intercept routine
>> HANGUP
"""

SESSIONS = {"agi_digits": DIGITS, "agi_timeout": TIMEOUT, "agi_hangup": HANGUP}

# The environment of agi_digits, verbatim (note the empty agi_accountcode).
DIGITS_ENV = """\
agi_network: yes
agi_network_script: ivr
agi_request: agi://127.0.0.1:4573/ivr
agi_channel: Local/201@inbound-00000002;2
agi_language: en
agi_type: Local
agi_uniqueid: 1795461022.5
agi_version: 22.10.1
agi_callerid: 13800001001
agi_calleridname: AGI Digits
agi_callingpres: 0
agi_callingani2: 0
agi_callington: 0
agi_callingtns: 0
agi_dnid: unknown
agi_rdnis: unknown
agi_context: inbound
agi_extension: 201
agi_priority: 4
agi_enhanced: 0.0
agi_accountcode: 
agi_threadid: 140553454966464
agi_arg_1: 201
"""


def sent(session: str) -> list[str]:
    return [line[3:] for line in session.splitlines() if line.startswith("<< ")]


def received(session: str) -> list[str]:
    return [line[3:] for line in session.splitlines() if line.startswith(">> ")]


# --------------------------------------------------------------------------- responses
# Every distinct line Asterisk answered with in the three recordings.
RECORDED_RESPONSES = [
    ("200 result=1", AgiResponse(200, "1")),
    ("200 result=0", AgiResponse(200, "0")),
    ("200 result=6", AgiResponse(200, "6")),
    ("200 result=12", AgiResponse(200, "12")),
    ("200 result=-2", AgiResponse(200, "-2")),
    ("200 result=1 (hello world)", AgiResponse(200, "1", "hello world")),
    ("200 result=1 (x)", AgiResponse(200, "1", "x")),
    ("200 result=1 (13800001001 1795461022.4)", AgiResponse(200, "1", "13800001001 1795461022.4")),
    ("200 result=53 endpos=13600", AgiResponse(200, "53", extra={"endpos": "13600"})),
    ("200 result=0 endpos=2000", AgiResponse(200, "0", extra={"endpos": "2000"})),
    ("200 result=0 endpos=8000", AgiResponse(200, "0", extra={"endpos": "8000"})),
    ("200 result=-1 endpos=0", AgiResponse(200, "-1", extra={"endpos": "0"})),
    ("200 result=-1 endpos=20000", AgiResponse(200, "-1", extra={"endpos": "20000"})),
    ("200 result= (timeout)", AgiResponse(200, "", "timeout")),
    ("510 Invalid or unknown command", AgiResponse(510, message="Invalid or unknown command")),
    ("511 Command Not Permitted on a dead channel or intercept routine",
     AgiResponse(511, message="Command Not Permitted on a dead channel or intercept routine")),
    ("520 Invalid command syntax.  Proper usage not available.",
     AgiResponse(520, message="Invalid command syntax.  Proper usage not available.")),
]


def test_the_table_covers_every_recorded_response():
    recorded = {line for session in SESSIONS.values() for line in received(session)} - {"HANGUP"}
    assert recorded == {line for line, _ in RECORDED_RESPONSES}


@pytest.mark.parametrize(("line", "expected"), RECORDED_RESPONSES, ids=[line for line, _ in RECORDED_RESPONSES])
def test_recorded_response(line, expected):
    assert parse_line(line) == expected
    assert parse_line(line + "\n") == expected
    assert parse_line(line + "\r\n") == expected


def test_values():
    assert parse_line("200 result=53 endpos=13600").value == 53
    assert parse_line("200 result= (timeout)").value is None
    assert parse_line("200 result=-1 endpos=0").value == -1
    assert parse_line("200 result=1").ok and not parse_line("511 x").ok


def test_hangup_is_a_notification_not_a_response():
    assert parse_line("HANGUP") is HANGUP_NOTICE
    assert parse_line("HANGUP\n") is HANGUP_NOTICE


def test_get_data_timeout_keeps_the_digits_typed_before_it():
    # res_agi: "200 result=%s (timeout)" with what was typed so far.
    assert parse_line("200 result=12 (timeout)") == AgiResponse(200, "12", "timeout")


def test_variable_values_may_hold_parentheses():
    assert parse_line("200 result=1 (f(x) = (y))").data == "f(x) = (y)"
    assert parse_line("200 result=1 ()").data == ""


@pytest.mark.parametrize("line", ["", "garbage", "20 result=1", "200", "200 endpos=1", "2000 result=1"])
def test_garbage_is_refused(line):
    with pytest.raises(AgiParseError):
        parse_line(line)


@pytest.mark.parametrize("name", SESSIONS)
def test_each_recorded_command_gets_exactly_one_response(name):
    assembler = ResponseAssembler()
    parsed = [assembler.feed(line) for line in received(SESSIONS[name])]
    responses = [p for p in parsed if isinstance(p, AgiResponse)]
    assert len(responses) == len(sent(SESSIONS[name]))
    assert parsed[-1] is HANGUP_NOTICE          # sent at the end of every session


def test_recorded_hangup_arrives_between_a_command_and_its_response():
    lines = received(HANGUP)
    assert lines[2:4] == ["HANGUP", "200 result=1"]     # the answer to VERBOSE "after hangup"


def test_multi_line_usage_is_one_response():
    assembler = ResponseAssembler()
    lines = [
        "520-Invalid command syntax.  Proper usage follows:",
        "Usage: SAY NUMBER <number> <escape digits> [gender]",
        "       Say a given number, returning early if any of the given DTMF digits",
        "520 End of proper usage.",
    ]
    assert [assembler.feed(line) for line in lines[:-1]] == [None, None, None]
    response = assembler.feed(lines[-1])
    assert isinstance(response, AgiResponse) and response.code == 520
    assert "Usage: SAY NUMBER" in response.message
    assert response.message.endswith("End of proper usage.")
    assert assembler.feed("200 result=1") == AgiResponse(200, "1")     # back in step


def test_trying_is_passed_on_for_the_reader_to_skip():
    assert ResponseAssembler().feed("100 result=0 Trying...").code == 100


# --------------------------------------------------------------------------- commands
@pytest.mark.parametrize(("built", "recorded"), [
    (command("SET VARIABLE", arg("LAB_AGI_VAR"), quote("hello world")), 'SET VARIABLE LAB_AGI_VAR "hello world"'),
    (command("SET VARIABLE", arg("QUEUE"), quote("")), 'SET VARIABLE QUEUE ""'),
    (command("STREAM FILE", arg("lab-menu"), quote("0123456789*#")), 'STREAM FILE lab-menu "0123456789*#"'),
    (command("GET DATA", arg("beep"), "5000", "4"), "GET DATA beep 5000 4"),
    (command("GET FULL VARIABLE", quote("${CALLERID(num)} ${CHANNEL(linkedid)}")),
     'GET FULL VARIABLE "${CALLERID(num)} ${CHANNEL(linkedid)}"'),
    (command("VERBOSE", quote("lab raw fastagi start"), "1"), 'VERBOSE "lab raw fastagi start" 1'),
    (command("EXEC", arg("Playback"), arg("beep")), "EXEC Playback beep"),
])
def test_commands_are_formatted_like_the_recordings(built, recorded):
    assert built == recorded


@pytest.mark.parametrize("value", ["", "plain", "hello world", 'say "hi"', "back\\slash", "tab\there",
                                   "trailing\\", "张伟 (VIP)", "a\"b c\\d"])
def test_quoting_round_trips_through_asterisks_argument_parser(value):
    assert split_args(command("SET VARIABLE", "X", quote(value))) == ["SET", "VARIABLE", "X", value]
    assert split_args(command("EXEC", "Noop", arg(value))) == ["EXEC", "Noop", value]


def test_bare_arguments_stay_bare():
    assert arg("silence/1") == "silence/1"
    assert arg("PJSIP/100,20") == "PJSIP/100,20"
    assert arg("") == '""'


@pytest.mark.parametrize("value", ["a\nHANGUP", "a\rb"])
def test_a_line_break_cannot_smuggle_a_second_command(value):
    with pytest.raises(ValueError):
        quote(value)
    with pytest.raises(ValueError):
        arg(value)
    with pytest.raises(ValueError):
        command(value)


# --------------------------------------------------------------------------- environment
@pytest.mark.parametrize("line", DIGITS_ENV.splitlines())
def test_recorded_environment_lines(line):
    key, value = parse_env_line(line)
    assert f"{key}: {value}" == line


@pytest.mark.parametrize("line", ["GET / HTTP/1.1", "Host: example", "agi_network yes", "agi: x", " agi_x: y"])
def test_non_agi_environment_lines_are_refused(line):
    with pytest.raises(AgiParseError):
        parse_env_line(line)


def test_call_info_from_the_recorded_environment():
    env = dict(parse_env_line(line) for line in DIGITS_ENV.splitlines())
    info = call_info(env)
    assert info.call_id == "1795461022.5"
    assert info.caller_number == "13800001001"
    assert info.caller_name == "AGI Digits"
    assert info.dialled == ""           # "unknown" means nothing
    assert info.language == "en"
    assert info.channel == "Local/201@inbound-00000002;2"
    assert info.script == "ivr"
    assert call_info({**env, "agi_dnid": "100"}).dialled == "100"
    assert call_info({}).call_id == ""

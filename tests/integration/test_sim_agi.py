"""The simulator's FastAGI client against the exact FastAGI traffic recorded from Asterisk 22.

Each test replays the commands a recorded server sent, with a simulated caller pressing the same keys,
and compares the responses line by line (``endpos`` aside: it counts samples of simulated audio).
"""
from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing
from callcenter.simulator.testing import AgiConnection, ScriptedAgiServer
from tests.recordings import recording

TIMING = Timing(prompt_seconds=0.02, digit_seconds=0.01, timeout_scale=0.01, answer_after=0.05,
                member_timeout=0.3, retry=0.05, agi_idle_timeout=5.0)
CONFIG = SimulatorConfig(queues={"vip": QueueSpec(), "standard": QueueSpec()}, default_queue="standard",
                         timing=TIMING, seed=3)
_LINE = re.compile(r"^\[\+\s*[\d.]+\] (<<|>>) (.*?)\s*\\n$")


def transcript(name: str) -> list[tuple[str, str]]:
    """(command, response) pairs after the environment; the HANGUP notifications are dropped."""
    lines = [m.groups() for m in map(_LINE.match, recording(name).decode().splitlines()) if m]
    start = next(i for i, (d, text) in enumerate(lines) if d == ">>" and text == "") + 1
    pairs, command = [], None
    for direction, text in lines[start:]:
        if direction == "<<":
            command = text
        elif text != "HANGUP" and command is not None:
            pairs.append((command, text))
            command = None
    return pairs


def without_endpos(line: str) -> str:
    return re.sub(r" endpos=\d+", " endpos=N", line)


class Replay:
    def __init__(self, commands: list[str]) -> None:
        self.commands = commands
        self.responses: list[str] = []

    async def __call__(self, agi: AgiConnection) -> None:
        for command in self.commands:
            self.responses.append(await agi.command(command))


@pytest.fixture
async def agi():
    server = ScriptedAgiServer(Replay([]))
    await server.start()
    yield server
    await server.stop()


async def start_sim(agi: ScriptedAgiServer, **timing: float) -> PbxSimulator:
    config = dataclasses.replace(CONFIG, agi_port=agi.port, timing=dataclasses.replace(TIMING, **timing))
    sim = PbxSimulator(config)
    await sim.start()
    return sim


async def test_digits_replay(agi):
    pairs = [(c, r) for c, r in transcript("agi_digits.agi.txt") if not c.startswith("STREAM FILE no-such-file")]
    agi.script = replay = Replay([c for c, _ in pairs])
    sim = await start_sim(agi)
    try:
        call = await sim.place_call("13800001001", "AGI Digits", dnid="201", digits=("5", "12#", None, None))
        await call.wait_joined()
        expected = [without_endpos(r) for _, r in pairs]
        got = [without_endpos(r) for r in replay.responses]
        full = next(i for i, (c, _) in enumerate(pairs) if c.startswith("GET FULL VARIABLE"))
        assert got[full] == f"200 result=1 (13800001001 {call.front.uniqueid})"
        expected[full] = got[full]                        # the recorded linkedid is another call's
        assert got == expected
        assert call.variables["LAB_AGI_VAR"] == "hello world" and call.variables["QUEUE"] == ""
        await asyncio.wait_for(_until(lambda: agi.sessions[0].hangups == 1), 2)   # end of session only
        sim.hangup(call)
        await call.wait_ended()
    finally:
        await sim.stop()


async def test_timeout_replay(agi):
    pairs = transcript("agi_timeout.agi.txt")
    agi.script = replay = Replay([c for c, _ in pairs])
    sim = await start_sim(agi)
    try:
        call = await sim.place_call("13800001002", "AGI Timeout", dnid="202", digits=())
        assert await call.wait_joined() == ("standard", 0)
        assert [without_endpos(r) for r in replay.responses] == [without_endpos(r) for _, r in pairs]
        sim.hangup(call)
        await call.wait_ended()
    finally:
        await sim.stop()


async def test_hangup_replay_dead_channel_rules(agi):
    pairs = transcript("agi_hangup.agi.txt")
    first, rest = pairs[:2], pairs[2:]              # VERBOSE start; STREAM FILE silence/10 "1" (hung up)

    async def script(session: AgiConnection) -> None:
        await session.command(first[0][0])
        session.writer.write(f"{first[1][0]}\n".encode())
        responses.append(await session._line())
        for command, _ in rest:
            responses.append(await session.command(command))

    responses: list[str] = []
    agi.script = script
    sim = await start_sim(agi, prompt_seconds=5.0)
    try:
        started = asyncio.Event()
        sim.add_listener(lambda e: e.name == "AGIExecStart" and e.get("Command") == first[1][0] and started.set())
        call = await sim.place_call("13800001003", "AGI Hangup", dnid="203", digits=())
        await asyncio.wait_for(started.wait(), 5)          # the simulator is playing the prompt
        sim.hangup(call)
        assert await call.wait_ended() == "ivr_hangup"
        await asyncio.wait_for(_until(lambda: agi.sessions[0].hangups == 2), 2)
        assert [without_endpos(r) for r in responses] == [without_endpos(r) for _, r in pairs[1:]]
        assert call.agi_status == "HANGUP" and not call.joined.is_set()
        lines = [text for direction, text in agi.sessions[0].transcript if direction == ">>"]
        notice = lines.index("HANGUP\n")
        assert lines[notice - 1].startswith("200 result=-1 endpos=")       # right after the cut prompt
    finally:
        await sim.stop()


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.01)


async def test_hangup_command_ends_the_call_in_the_ivr(agi):
    agi.script = replay = Replay(["HANGUP", "VERBOSE \"after\" 1", "STREAM FILE beep \"\""])
    sim = await start_sim(agi)
    try:
        call = await sim.place_call("13800001004", "Hung", digits=())
        assert await call.wait_ended() == "ivr_hangup"
        assert replay.responses == ["200 result=1", "200 result=1",
                                    "511 Command Not Permitted on a dead channel or intercept routine"]
        assert sim.pbx.channels.get(call.chan.name) is None and sim.pbx.channels.get(call.front.name) is None
    finally:
        await sim.stop()


async def test_silent_server_is_cut_and_the_caller_reaches_the_default_queue(agi):
    never = asyncio.Event()

    async def silent(session: AgiConnection) -> None:
        await never.wait()

    agi.script = silent
    sim = await start_sim(agi, agi_idle_timeout=0.2)
    try:
        call = await sim.place_call("13800001005", "Patient", digits=("1",))
        assert await call.wait_joined() == ("standard", 0)
        assert call.agi_status == "FAILURE"
        sim.hangup(call)
        await call.wait_ended()
    finally:
        await sim.stop()


async def test_hangup_while_the_server_thinks_is_announced_at_once(agi):
    thinking = asyncio.Event()
    release = asyncio.Event()
    seen: list[str] = []

    async def slow(session: AgiConnection) -> None:
        await session.command("VERBOSE \"start\" 1")
        thinking.set()
        seen.append(await asyncio.wait_for(session._line(), 5))     # arrives without any command
        release.set()
        seen.append(await session.command("GET DATA beep 1000 1"))

    agi.script = slow
    sim = await start_sim(agi)
    try:
        call = await sim.place_call("13800001006", "Gone", digits=("1",))
        await asyncio.wait_for(thinking.wait(), 5)
        sim.hangup(call)
        await asyncio.wait_for(release.wait(), 5)
        assert await call.wait_ended() == "ivr_hangup"
        assert seen == ["HANGUP", "511 Command Not Permitted on a dead channel or intercept routine"]
    finally:
        await sim.stop()


async def test_a_prompt_is_played_in_the_channel_language_in_force_when_it_starts(agi):
    # agi_language is "en" (Asterisk's default, agi_requests.jsonl); CHANNEL(language) changes it at
    # once and every later prompt is looked up in sounds/<language>/ (res_agi handle_streamfile).
    agi.script = Replay(["GET DATA menu 100 1", 'SET VARIABLE CHANNEL(language) "zh"', "GET DATA menu 100 1",
                         'STREAM FILE closed ""', "GET VARIABLE CHANNEL(language)", "EXEC Set CHANNEL(language)=en",
                         'STREAM FILE bye ""'])
    sim = await start_sim(agi)
    try:
        call = await sim.place_call("13800001001", "Lang", dnid="201", digits=(None, None))
        await call.wait_joined()
        assert call.played == [("menu", "en"), ("menu", "zh"), ("closed", "zh"), ("bye", "en")]
        assert agi.script.responses[4] == "200 result=1 (zh)"
        assert "CHANNEL(language)" not in call.variables            # a function, not a variable
    finally:
        await sim.stop()

"""The two PBXs a scenario runs against, behind one small interface: the simulator and a real Asterisk.

A scenario plays the caller's and the phones' parts through this interface and watches the PBX through
an AMI client of its own (``observer``, ``Events: on``), the same way on both backends: the frames it
sees are what Asterisk (or the simulator) really sent, and ``QueueStatus`` is Asterisk's own view of its
members. The server under test talks to the PBX through ``ami_port`` (a TCP relay the test can cut:
``link_cut``) and serves FastAGI on ``agi_port``.

On Asterisk a caller is an ``Originate`` of ``Local/<dnid>@inbound/n`` whose other half (the handset)
waits in ``[cc-test-handset]``; the ``;2`` half runs the dialplan and is the call (its Uniqueid is the
call id). Keys are pressed with AMI ``PlayDTMF`` on the handset when an AGI command that reads digits
starts (``AGIExecStart``): DTMF sent while no command reads digits is lost on a real Asterisk. Agent and
customer phones follow AstDB keys (``DBPut``) read by the overlay's ``[agent-phones]`` and
``[customer-phones]``.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from callcenter.simulator.simulator import PbxSimulator
from callcenter.simulator.testing import AmiClient, AmiFrame

from .asterisk import AsteriskProcess
from .relay import TcpRelay

READS_DIGITS = ("GET DATA", "WAIT FOR DIGIT", "GET OPTION")
_PLAYING = re.compile(r"<([^>]+)> Playing '([^']+)' \(language '([^']*)'\)")


@dataclass
class Caller:
    """One customer on the line. ``call_id`` is the Uniqueid of the channel in the queue."""

    number: str
    call_id: str = ""
    channel: str = ""            # the ;2 half (dialplan, AGI, Queue)
    handset: str = ""            # the ;1 half (the test's side)
    digits: deque[str | None] = field(default_factory=deque)
    sim: Any = None              # the simulator's SimCall


class Pbx:
    """What every backend offers a scenario."""

    kind = ""
    observer: AmiClient
    relay: TcpRelay

    @property
    def ami_port(self) -> int:          # where the server under test connects (through the relay)
        return self.relay.port

    async def call_in(self, number: str, digits: Sequence[str | None] = (), dnid: str = "100",
                      name: str = "") -> Caller:
        raise NotImplementedError

    async def hang_up(self, caller: Caller) -> None:
        raise NotImplementedError

    async def phone(self, extension: str, *, answers: bool = True, answer_after: float = 0.5) -> None:
        raise NotImplementedError

    async def restart(self) -> None:
        raise NotImplementedError

    async def played(self, caller: Caller) -> list[tuple[str, str]]:
        """(sound, language) of every prompt the caller heard, in order, as the PBX opened them."""
        raise NotImplementedError

    @contextlib.asynccontextmanager
    async def link_cut(self) -> AsyncIterator[None]:
        """The server's AMI link fails (no Shutdown) for the block; calls go on meanwhile."""
        async with self.relay.cut():
            yield

    # -- Asterisk's own view ------------------------------------------------------------------------
    async def members(self, queue: str) -> dict[str, AmiFrame]:
        """``QueueStatus`` of *queue*: its members' ``QueueMember`` frames by interface (Location)."""
        _, items = await self.observer.list_action("QueueStatus", Queue=queue)
        return {f.get("Location") or f.get("Interface"): f for f in items if f.event == "QueueMember"}

    async def event(self, name: str, timeout: float = 15.0, since: int = 0, **match: str) -> AmiFrame:
        return await self.observer.event(name, timeout=timeout, start=since, **match)

    def mark(self) -> int:
        """A position in the observed stream: ``event(..., since=mark)`` only looks after it."""
        return len(self.observer.frames)

    def events(self, name: str, since: int = 0, **match: str) -> list[AmiFrame]:
        return [f for f in self.observer.events(since) if f.event == name
                and all(f.get(k) == v for k, v in match.items())]


class SimulatorPbx(Pbx):
    kind = "sim"

    def __init__(self, sim: PbxSimulator, observer: AmiClient, relay: TcpRelay) -> None:
        self.sim, self.observer, self.relay = sim, observer, relay

    async def call_in(self, number: str, digits: Sequence[str | None] = (), dnid: str = "100",
                      name: str = "") -> Caller:
        call = await self.sim.place_call(number, name, dnid, digits=tuple(digits), talk_seconds=3600)
        assert call.front is not None and call.chan is not None
        return Caller(number, call.call_id, call.chan.name, call.front.name, sim=call)

    async def hang_up(self, caller: Caller) -> None:
        self.sim.hangup(caller.sim)

    async def phone(self, extension: str, *, answers: bool = True, answer_after: float = 0.5) -> None:
        settings = self.sim.phone(f"Local/{extension}@agent-phones/n")
        settings.answers, settings.answer_after, settings.talk_seconds = answers, answer_after, 3600

    async def played(self, caller: Caller) -> list[tuple[str, str]]:
        return list(caller.sim.played)

    async def restart(self) -> None:
        await self.sim.restart(close_after=1.0, down_for=0.25)
        await self._reconnect()

    async def _reconnect(self) -> None:
        await self.observer.close()
        self.observer = await _observer(self.sim.ami_port, self.sim.config.username, self.sim.config.secret)


class AsteriskPbx(Pbx):
    kind = "asterisk"
    def __init__(self, asterisk: AsteriskProcess, observer: AmiClient, relay: TcpRelay) -> None:
        self.asterisk, self.observer, self.relay = asterisk, observer, relay
        self.callers: dict[str, Caller] = {}        # by ;2 channel name
        self.handsets: set[str] = set()
        self._keys: asyncio.Task[None] | None = None

    def start_keys(self) -> None:
        self._keys = asyncio.get_running_loop().create_task(self._press_keys())

    async def close(self) -> None:
        if self._keys is not None:
            self._keys.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keys
        await self.observer.close()

    async def call_in(self, number: str, digits: Sequence[str | None] = (), dnid: str = "100",
                      name: str = "") -> Caller:
        since = self.mark()
        reply = await self.observer.action(
            "Originate", Channel=f"Local/{dnid}@inbound/n", Context="cc-test-handset", Exten="s", Priority="1",
            CallerID=f'"{name or number}" <{number}>', Async="true", Timeout="30000")
        assert reply.response == "Success", reply
        # Asterisk names the pair itself (as for a real caller): the first new ;1 half after our action.
        prefix = f"Local/{dnid}@inbound-"
        one = await self.observer.wait_for(
            lambda f: f.event == "Newchannel" and f.get("Channel").startswith(prefix) and f.get("Channel").endswith(";1")
            and f.get("Channel") not in self.handsets, timeout=10, start=since)
        self.handsets.add(one.get("Channel"))
        two = await self.event("Newchannel", since=since, Channel=one.get("Channel")[:-1] + "2")
        caller = Caller(number, two.get("Uniqueid"), two.get("Channel"), one.get("Channel"), deque(digits))
        self.callers[caller.channel] = caller
        return caller

    async def _press_keys(self) -> None:
        """Press each caller's next keys when an AGI command that reads digits starts on their channel."""
        seen = 0
        while True:
            frame = await self.observer.wait_for(lambda f: f.event == "AGIExecStart", timeout=None, start=seen)
            seen = self.observer.frames.index(frame, seen) + 1
            caller = self.callers.get(frame.get("Channel"))
            command = frame.get("Command").upper()
            if caller is None or not caller.digits or not command.startswith(READS_DIGITS):
                continue
            keys = caller.digits.popleft()
            for key in keys or "":
                self.observer.send("PlayDTMF", Channel=caller.handset, Digit=key, Duration="150")

    async def hang_up(self, caller: Caller) -> None:
        reply = await self.observer.action("Hangup", Channel=caller.handset, Cause="16")
        assert reply.response == "Success", reply

    async def phone(self, extension: str, *, answers: bool = True, answer_after: float = 0.5) -> None:
        for family, value in (("cctest", "answer" if answers else "noanswer"), ("cctest-ring", f"{answer_after}")):
            reply = await self.observer.action("DBPut", Family=family, Key=extension, Val=value)
            assert reply.response == "Success", reply

    async def played(self, caller: Caller) -> list[tuple[str, str]]:
        """From Asterisk's own log: ``<channel> Playing 'menu.wav' (language 'zh')`` (verbose 3)."""
        found = []
        for line in self.asterisk.log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _PLAYING.search(line)
            if match and match.group(1) == caller.channel:
                found.append((match.group(2).rsplit(".", 1)[0], match.group(3)))
        return found

    async def restart(self) -> None:
        await self.asterisk.cli("core restart now")
        await self.asterisk.wait_booted(60)
        if self._keys is not None:
            self._keys.cancel()
        await self.observer.close()
        self.observer = await _observer(self.asterisk.ami_port, self.asterisk.username, self.asterisk.secret)
        self.start_keys()

    async def reset(self) -> None:
        """Between scenarios: no calls, no dynamic members, no phone settings left from the last one."""
        await self.asterisk.cli("channel request hangup all")
        _, items = await self.observer.list_action("QueueStatus")
        for member in (f for f in items if f.event == "QueueMember"):
            await self.observer.action("QueueRemove", Queue=member.get("Queue"), Interface=member.get("Location"))
        for family in ("cctest", "cctest-ring"):
            await self.observer.action("DBDelTree", Family=family)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while "0 active channels" not in await self.asterisk.cli("core show channels count"):
            if loop.time() > deadline:
                raise AssertionError("channels left after a scenario: " + await self.asterisk.cli("core show channels"))
            await asyncio.sleep(0.1)


async def _observer(port: int, username: str, secret: str) -> AmiClient:
    client = await AmiClient.connect("127.0.0.1", port)
    await client.login(username, secret)
    await client.event("FullyBooted", timeout=10)
    return client


async def observer(port: int, username: str, secret: str) -> AmiClient:
    return await _observer(port, username, secret)

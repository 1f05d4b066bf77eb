"""``PbxSimulator``: the facade tests and the demo use (``run_simulator`` in :mod:`.traffic` runs one with callers).

It assembles the PBX (:mod:`.pbx`), the AMI server and its actions, and offers what a test needs to
play the caller's and the agents' parts: ``place_call``, ``hangup``, ``phone`` settings and a read-only
``queue_state``. Everything the *server under test* sees goes over the real sockets.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from .ami_actions import CORE_ACTIONS
from .call_control import CALL_CONTROL_ACTIONS
from .ami_queue_actions import QUEUE_ACTIONS
from .ami_server import BASE_ACTIONS, AmiServer
from .calls import SimCall
from .config import PhoneSettings, SimulatorConfig
from .dialplan import INBOUND, create_caller, run_caller
from . import events as ev
from .events import Event
from .originate import ORIGINATE_ACTIONS
from .pbx import Pbx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MemberView:
    interface: str
    name: str
    paused: bool
    paused_reason: str
    status: int               # 1 idle, 2 in use, 6 ringing (device state as QueueMemberStatus reports it)
    in_call: bool
    calls_taken: int
    penalty: int


@dataclass(frozen=True)
class WaitingCaller:
    call_id: str
    number: str
    priority: int             # the queue priority (QUEUE_PRIO)
    position: int
    wait_seconds: float


@dataclass(frozen=True)
class QueueView:
    name: str
    strategy: str
    members: tuple[MemberView, ...]
    waiting: tuple[WaitingCaller, ...]
    completed: int
    abandoned: int

    @property
    def paused(self) -> tuple[str, ...]:
        return tuple(m.interface for m in self.members if m.paused)

    def member(self, interface: str) -> MemberView | None:
        return next((m for m in self.members if m.interface == interface), None)


class PbxSimulator:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._pbx: Pbx | None = None
        self._ami: AmiServer | None = None
        self._phones: dict[str, PhoneSettings] = {}

    # -- lifetime --------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._pbx is not None:
            raise RuntimeError("simulator already started")
        pbx = Pbx(self.config)
        pbx.phones = self._phones
        actions = {**BASE_ACTIONS, **CORE_ACTIONS, **QUEUE_ACTIONS, **ORIGINATE_ACTIONS, **CALL_CONTROL_ACTIONS}
        ami = AmiServer(pbx, actions)
        await ami.start(host, port)
        self._pbx, self._ami = pbx, ami
        log.info("PBX simulator: AMI on %s:%s, FastAGI target %s", host, ami.port, pbx.agi_target)

    async def stop(self) -> None:
        """Close every socket and cancel and await every task the simulator started."""
        if self._pbx is None or self._ami is None:
            return
        await self._ami.stop()
        await self._pbx.stop()
        self._pbx = self._ami = None

    async def restart(self, close_after: float = 1.0, down_for: float = 0.25) -> None:
        """``core restart now``, as recorded in ``restart.*``: every call is hung up, ``Shutdown``
        (``Cleanly``, ``Restart: True``) goes out, the AMI sockets close *close_after* seconds later,
        connections are refused for *down_for* seconds, then a fresh PBX listens on the same port:
        no dynamic members, no calls, Uniqueid numbering starts again."""
        pbx, ami = self.pbx, self._ami
        assert ami is not None
        host, port = ami.address
        live = [call for call in pbx.calls.values() if call.outcome is None and call.front is not None]
        for call in live:
            for chan in (call.front, call.chan):
                if chan is not None and pbx.channels.get(chan.name) is chan:
                    pbx.emit(ev.soft_hangup_request(chan.snapshot(), 4))
            call.hang_up(0)
        deadline = pbx.now() + close_after
        for call in live:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(call.ended.wait(), max(0.0, deadline - pbx.now()))
        pbx.emit(ev.Event("Shutdown", "system", (("Shutdown", "Cleanly"), ("Restart", "True"))))
        await asyncio.sleep(close_after)
        agi_target = pbx.agi_target
        await self.stop()
        await asyncio.sleep(down_for)
        await self.start(host, port)
        self.pbx.agi_target = agi_target

    @contextlib.asynccontextmanager
    async def ami_outage(self) -> AsyncIterator[None]:
        """The AMI link fails for the duration of the block (no ``Shutdown``): clients lose every
        event of the gap while calls go on; on exit the same port accepts logins again."""
        assert self._ami is not None
        host, port = await self._ami.cut()
        try:
            yield
        finally:
            await self._ami.resume(host, port)

    async def __aenter__(self) -> PbxSimulator:
        if self._pbx is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def pbx(self) -> Pbx:
        if self._pbx is None:
            raise RuntimeError("simulator not started")
        return self._pbx

    @property
    def ami_port(self) -> int:
        if self._ami is None:
            raise RuntimeError("simulator not started")
        return self._ami.port

    @property
    def agi_target(self) -> tuple[str, int | None]:
        return self.pbx.agi_target

    def set_agi_target(self, host: str, port: int | None) -> None:
        """Where ``AGI(agi://host:port/<script>)`` connects from now on (``None``: no server)."""
        self.pbx.agi_target = (host, port)

    # -- playing the callers' and agents' parts --------------------------------------------------
    async def place_call(self, number: str, name: str = "", dnid: str = "100",
                         digits: Sequence[str | None] = ("1",), patience: float | None = None,
                         talk_seconds: float | None = None, hangup_by: str | None = None) -> SimCall:
        """A caller dials *dnid*: returns once its channels exist (``call.call_id`` is set)."""
        if hangup_by not in (None, "caller", "agent"):
            raise ValueError("hangup_by must be 'caller', 'agent' or None")
        pbx = self.pbx
        call = SimCall(number, name, dnid, tuple(digits), patience, talk_seconds, hangup_by)
        create_caller(pbx, call, INBOUND, dnid, f"{dnid}@{INBOUND}/n")
        pbx.spawn(run_caller(pbx, call, INBOUND, dnid), name=f"caller-{call.call_id}")
        return call

    def hangup(self, call: SimCall, cause: int = 16) -> None:
        """The caller hangs up now (whatever the call is doing)."""
        call.hang_up(cause)

    def phone(self, interface: str) -> PhoneSettings:
        """The (mutable) behaviour of the simulated phone behind a member interface."""
        return self._phones.setdefault(interface, PhoneSettings())

    @property
    def calls(self) -> list[SimCall]:
        return list(self.pbx.calls.values())

    def call(self, call_id: str) -> SimCall | None:
        return self.pbx.calls.get(call_id)

    def queue_state(self, name: str) -> QueueView:
        pbx = self.pbx
        queue = pbx.queues[name]
        members = tuple(MemberView(m.interface, m.name, m.paused, m.paused_reason, m.status, m.in_call,
                                   m.calls_taken, m.penalty) for m in queue.members.values())
        waiting = tuple(WaitingCaller(e.uniqueid, getattr(e.owner, "number", ""), e.priority, i,
                                      pbx.now() - e.joined) for i, e in enumerate(queue.entries, start=1))
        return QueueView(name, queue.spec.strategy, members, waiting, queue.completed, queue.abandoned)

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Observe every event the PBX emits (synchronously, in order), whatever the AMI classes."""
        self.pbx.add_listener(listener)

    def remove_listener(self, listener: Callable[[Event], None]) -> None:
        self.pbx.remove_listener(listener)

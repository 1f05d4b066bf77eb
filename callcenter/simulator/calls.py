"""The handle of one simulated inbound caller, what tests and the demo hold on to.

A :class:`SimCall` is created by ``PbxSimulator.place_call``; its ``call_id`` is the Uniqueid of the
``;2`` half of the caller's Local pair (``agi_uniqueid``, the ``Uniqueid`` of ``QueueCallerJoin``).
Milestones are :class:`asyncio.Event` objects with the value in an attribute, so waiting with a
timeout never disturbs the call: ``await call.wait_joined(5)`` returns ``(queue, queue_priority)``.
"""
from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .channels import Channel

COMPLETED = "completed"        # an agent answered, then someone hung up
ABANDONED = "abandoned"        # hung up while waiting in a queue
IVR_HANGUP = "ivr_hangup"      # hung up (or was hung up by the IVR) before reaching a queue
LEFT_DIALPLAN = "left_dialplan"    # redirected somewhere the simulator has no dialplan for, then hung up
STOPPED = "stopped"            # the simulator stopped under the call
FAILED = "failed"              # a simulator bug ended the call (logged)
OUTCOMES = (COMPLETED, ABANDONED, IVR_HANGUP, LEFT_DIALPLAN, STOPPED, FAILED)

# What Queue() and Dial() hand back to the dialplan besides a status: the caller was redirected away
# (a transfer, hold); Queue()'s QUEUESTATUS values the dialplan branches on.
UNKNOWN, CONTINUE, REDIRECTED, TIMEOUT = "unknown", "continue", "redirected", "timeout"


async def wait_any(futures: Iterable[asyncio.Future[Any]], timeout: float | None) -> bool:
    """Wait until one of *futures* is done or *timeout* passes; ``True`` when one is done."""
    pending = [f for f in futures if f is not None]
    if any(f.done() for f in pending):
        return True
    if timeout is not None and timeout <= 0:
        return False
    done, _ = await asyncio.wait(pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    return bool(done)


class SimCall:
    def __init__(self, number: str, name: str, dnid: str, digits: Sequence[str | None],
                 patience: float | None, talk_seconds: float | None, hangup_by: str | None) -> None:
        loop = asyncio.get_running_loop()
        self.number, self.name, self.dnid = number, name, dnid
        self.patience = patience
        self.talk_seconds = talk_seconds
        self.hangup_by = hangup_by
        self.call_id = ""
        self.front: Channel | None = None        # ;1 half: the caller's side
        self.chan: Channel | None = None         # ;2 half: runs the dialplan, AGI and Queue()
        self.queue: str | None = None
        self.queue_priority: int | None = None
        self.agent_interface: str | None = None
        self.outcome: str | None = None
        self.agi_status: str | None = None
        self.agi_log: list[tuple[str, str]] = []  # (command line received, response sent)
        self.played: list[tuple[str, str]] = []   # (sound file, CHANNEL(language) when it started)
        self.joined = asyncio.Event()
        self.answered = asyncio.Event()
        self.ended = asyncio.Event()
        self.caller_gone: asyncio.Future[int] = loop.create_future()   # result: hangup cause
        self.phase = "new"
        self.requests_sent = False                # SoftHangupRequest/HangupRequest already emitted
        self.dead_by_agi = False                  # the AGI hung the channel up (HANGUP, EXEC Hangup)
        self.redirect: asyncio.Future[tuple[str, str, int]] = loop.create_future()
        # app_queue's AgentComplete still owed for this call, called with the reason when it is finally
        # sent: when the caller hangs up or leaves the dialplan (after a Redirect, or an AMI Hangup of the
        # member's ;1 half), or with "agent" when the parked member leg's phone side hangs up. Dropped
        # for good by a Bridge action (the masquerade makes app_queue lose the call).
        self.pending_complete: Callable[[str], None] | None = None
        self.on_answer: Callable[[], None] | None = None      # an Originate's OriginateResponse
        # Call control (call_control.py): the bridge with the agent's leg while connected, a pending
        # BlindTransfer (context, exten), the agent leg parked by a Redirect's ExtraChannel (hold),
        # and the Bridge action's request while the caller is on hold.
        self.bridge: Any = None
        self.leg: Any = None
        self.transfer: tuple[str, str] | None = None
        self.parked_leg: Any = None
        self.bridge_request: asyncio.Future[Any] | None = None
        self.on_join: list[Callable[[], None]] = []           # run right after the next QueueCallerJoin
        self.consult: Any = None                              # an Atxfer's consultation (atxfer.py)
        self._digits: deque[str | None] = deque(digits)

    # -- what tests read -------------------------------------------------------------------------
    @property
    def variables(self) -> dict[str, str]:
        return self.chan.variables if self.chan is not None else {}

    @property
    def agi_commands(self) -> list[str]:
        return [command for command, _ in self.agi_log]

    @property
    def hung_up(self) -> bool:
        return self.caller_gone.done()

    async def wait_joined(self, timeout: float = 5.0) -> tuple[str, int]:
        await asyncio.wait_for(self.joined.wait(), timeout)
        assert self.queue is not None and self.queue_priority is not None
        return self.queue, self.queue_priority

    async def wait_answered(self, timeout: float = 5.0) -> str:
        await asyncio.wait_for(self.answered.wait(), timeout)
        assert self.agent_interface is not None
        return self.agent_interface

    async def wait_ended(self, timeout: float = 5.0) -> str:
        await asyncio.wait_for(self.ended.wait(), timeout)
        assert self.outcome is not None
        return self.outcome

    # -- what the PBX does -------------------------------------------------------------------------
    def next_digits(self) -> str | None:
        """The caller's next key presses, for the next command that reads digits (``None``: silence)."""
        return self._digits.popleft() if self._digits else None

    def hang_up(self, cause: int = 16) -> None:
        if not self.caller_gone.done():
            self.caller_gone.set_result(cause)

    @property
    def cause(self) -> int:
        return self.caller_gone.result() if self.caller_gone.done() else 16

    def finish(self, outcome: str) -> None:
        if self.outcome is None:
            self.outcome = outcome
            self.phase = "ended"
            self.ended.set()

    def __repr__(self) -> str:
        return f"<SimCall {self.call_id or '?'} {self.number} {self.phase}>"

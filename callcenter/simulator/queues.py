"""app_queue's bookkeeping, pure: members, waiting callers, turn-taking, strategies and statistics.

Theory of operation. A queue holds members (in the order they were added) and waiting entries ordered by
*queue* priority, higher first, then by join time: a new caller goes behind every caller whose priority
is greater than or equal to its own, so its ``Position`` can be anywhere and the callers behind it move
down without any event. With ``autofill`` (Asterisk's default) a caller may ring members when fewer
callers ahead of it are waiting (not already ringing someone) than there are members available.
A member is available when it is not paused, its device is idle (``ringinuse=no``) and it is not
ringing for another caller. The strategy picks whom to ring among the available members with the
lowest penalty: ``ringall`` all of them, the others one member.

Statistics follow app_queue: hold time and talk time are exponential averages seeded by the first
sample; the service level counts calls answered within ``servicelevel`` seconds.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from .config import QueueSpec

DEVICE_NOT_INUSE, DEVICE_INUSE, DEVICE_RINGING = 1, 2, 6


@dataclass
class Member:
    interface: str
    name: str
    state_interface: str
    penalty: int = 0
    paused: bool = False
    paused_reason: str = ""
    login_time: int = 0
    last_pause: int = 0
    calls_taken: int = 0
    last_call: int = 0
    in_call: bool = False
    status: int = DEVICE_NOT_INUSE
    membership: str = "dynamic"
    ringing_for: str | None = None       # uniqueid of the caller this member is ringing for


def member_or_phone(queues: Iterable[QueueState], interface: str) -> Member:
    """The queue member with this interface (its device state), else a stand-alone phone."""
    for queue in queues:
        member = queue.members.get(interface)
        if member is not None:
            return member
    return Member(interface=interface, name="", state_interface=interface)


@dataclass
class Entry:
    uniqueid: str
    priority: int
    joined: float                          # loop time
    original_position: int = 0
    ringing: bool = False                  # currently ringing members (does not count for autofill)
    owner: object | None = None            # the simulator's call object


@dataclass
class QueueState:
    name: str
    spec: QueueSpec
    members: dict[str, Member] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    completed: int = 0
    abandoned: int = 0
    completed_in_sl: int = 0
    abandoned_in_sl: int = 0
    holdtime: int = 0
    talktime: int = 0
    rr_last: str | None = None             # rrmemory: the member rung last

    # -- callers ---------------------------------------------------------------------------------
    def join(self, entry: Entry, position: int | None = None) -> int:
        """Insert by priority; with *position* (Queue()'s last argument) at that place if no caller of
        a higher priority would be passed. Returns the 1-based position."""
        index = len(self.entries)
        for i, other in enumerate(self.entries):
            if other.priority < entry.priority:
                index = i
                break
        if position is not None and position > 0:
            higher = sum(1 for other in self.entries if other.priority > entry.priority)
            index = max(higher, min(index, position - 1))
        self.entries.insert(index, entry)
        entry.original_position = index + 1
        return index + 1

    def position(self, entry: Entry) -> int:
        return self.entries.index(entry) + 1

    def leave(self, entry: Entry) -> int:
        """Remove *entry*; returns the position it had."""
        pos = self.position(entry)
        self.entries.remove(entry)
        return pos

    # -- members ---------------------------------------------------------------------------------
    def available(self) -> list[Member]:
        return [m for m in self.members.values()
                if not m.paused and m.status == DEVICE_NOT_INUSE and m.ringing_for is None]

    def is_our_turn(self, entry: Entry) -> bool:
        ahead = 0
        for other in self.entries:
            if other is entry:
                break
            if not other.ringing:
                ahead += 1
        return ahead < len(self.available())

    def choose(self, rng: random.Random) -> list[Member]:
        """Whom to ring now, by strategy, among the available members with the lowest penalty."""
        candidates = self.available()
        if not candidates:
            return []
        best = min(m.penalty for m in candidates)
        candidates = [m for m in candidates if m.penalty == best]
        strategy = self.spec.strategy
        if strategy == "ringall":
            return candidates
        if strategy == "linear":
            return candidates[:1]
        if strategy == "random":
            return [rng.choice(candidates)]
        if strategy == "leastrecent":
            return [min(candidates, key=lambda m: m.last_call)]
        if strategy == "fewestcalls":
            return [min(candidates, key=lambda m: m.calls_taken)]
        order = list(self.members)                       # rrmemory: next after the last one rung
        start = order.index(self.rr_last) + 1 if self.rr_last in order else 0
        rotated = order[start:] + order[:start]
        return [next(self.members[i] for i in rotated if self.members[i] in candidates)]

    # -- statistics ------------------------------------------------------------------------------
    def record_connect(self, holdtime: int) -> None:
        self.holdtime = holdtime if self.holdtime == 0 else (self.holdtime * 3 + holdtime) >> 2

    def record_complete(self, holdtime: int, talktime: int) -> None:
        self.completed += 1
        if holdtime <= self.spec.servicelevel:
            self.completed_in_sl += 1
        self.talktime = talktime if self.completed == 1 else (self.talktime * 3 + talktime) >> 2

    def record_abandon(self, holdtime: int) -> None:
        self.abandoned += 1
        if holdtime <= self.spec.servicelevel:
            self.abandoned_in_sl += 1

    def service_level_perf(self) -> tuple[str, str]:
        perf = 100.0 * self.completed_in_sl / self.completed if self.completed else 0.0
        total = self.completed + self.abandoned
        perf2 = 100.0 * (self.completed_in_sl + self.abandoned_in_sl) / total if total else 0.0
        return f"{perf:.1f}", f"{perf2:.1f}"

    def logged_in(self) -> int:
        return len(self.members)

    def available_count(self) -> int:
        return sum(1 for m in self.members.values() if not m.paused and m.status == DEVICE_NOT_INUSE)

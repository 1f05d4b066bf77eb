"""Channels and bridges of the simulated PBX, named and numbered the way Asterisk 22 does it.

Theory of operation. Every channel gets ``Uniqueid = <creation epoch seconds>.<n>`` where ``n`` is one
counter for the whole PBX, starting at 0 (``1795458074.0``, ``1795458074.1``, ``1795458077.2`` ...).
``Linkedid`` is the Uniqueid of the oldest channel of the call: the first half of the caller's Local
pair, inherited by every agent leg rung for that caller. A Local channel comes as a pair
``Local/<exten>@<context>-XXXXXXXX;1`` / ``;2`` where ``XXXXXXXX`` is one hex counter for all Local
pairs; other technologies get ``<Tech>/<resource>-XXXXXXXX`` with a counter per technology.

A :class:`Snapshot` is the frozen view an event carries; events about one channel emitted a moment
apart can show different snapshots, as Asterisk's stasis cache does.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

STATE_DOWN, STATE_RING, STATE_RINGING, STATE_UP = 0, 4, 5, 6
STATE_DESC = {0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing", 6: "Up",
              7: "Busy", 8: "Dialing Offhook", 9: "Pre-ring"}
UNKNOWN = "<unknown>"
CAUSE_TEXT = {0: "Unknown", 1: "Unallocated (unassigned) number", 16: "Normal Clearing", 17: "User busy",
              18: "No user responding", 19: "User alerting, no answer", 21: "Call Rejected",
              26: "Answered elsewhere", 34: "Circuit/channel congestion"}


@dataclass(frozen=True)
class Snapshot:
    name: str
    state: int
    caller_num: str
    caller_name: str
    connected_num: str
    connected_name: str
    language: str
    account_code: str
    context: str
    exten: str
    priority: int
    uniqueid: str
    linkedid: str

    def but(self, **changes: object) -> Snapshot:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    priority: int = 1
    state: int = STATE_DOWN
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    connected_num: str = UNKNOWN
    connected_name: str = UNKNOWN
    language: str = "en"
    account_code: str = ""
    created: float = 0.0                   # loop time
    application: str = ""
    app_data: str = ""
    bridge_id: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    owner: object | None = None            # the simulator object driving this channel (call, leg ...)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.name, self.state, self.caller_num or UNKNOWN, self.caller_name or UNKNOWN,
                        self.connected_num or UNKNOWN, self.connected_name or UNKNOWN, self.language,
                        self.account_code, self.context, self.exten, self.priority, self.uniqueid,
                        self.linkedid)

    @property
    def tech(self) -> str:
        return self.name.split("/", 1)[0]

    def at(self, context: str, exten: str, priority: int, application: str = "", app_data: str = "") -> None:
        """Move the channel to a dialplan location (what Newexten would report)."""
        self.context, self.exten, self.priority = context, exten, priority
        self.application, self.app_data = application, app_data


@dataclass
class Bridge:
    uniqueid: str
    channels: list[Channel] = field(default_factory=list)


def parse_local(interface: str) -> tuple[str, str] | None:
    """``Local/1001@agent-phones/n`` -> ``("1001", "agent-phones")``; ``None`` for other technologies."""
    if not interface.lower().startswith("local/"):
        return None
    target = interface[6:].split("/", 1)[0]
    exten, _, context = target.partition("@")
    return exten, context or "default"


class ChannelRegistry:
    """Allocates names and Uniqueids, and knows every live channel."""

    def __init__(self, clock: Callable[[], float], wall: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._wall = wall
        self._next_id = 0
        self._next_local = 0
        self._next_tech: dict[str, int] = {}
        self._live: dict[str, Channel] = {}

    def _uniqueid(self) -> str:
        uid = f"{int(self._wall())}.{self._next_id}"
        self._next_id += 1
        return uid

    def new_local_pair(self, exten: str, context: str, linkedid: str | None = None,
                       ids: tuple[str, str | None] | None = None) -> tuple[Channel, Channel]:
        """*ids*: the Uniqueids an Originate asked for (``ChannelId``/``OtherChannelId``)."""
        base = f"Local/{exten}@{context}-{self._next_local:08x}"
        self._next_local += 1
        one_id = ids[0] if ids else self._uniqueid()
        two_id = ids[1] if ids and ids[1] else self._uniqueid()
        linked = linkedid or one_id
        one = Channel(f"{base};1", one_id, linked, context, exten, created=self._clock())
        two = Channel(f"{base};2", two_id, linked, context, exten, state=STATE_RING,
                      created=self._clock())
        self._live[one.name] = one
        self._live[two.name] = two
        return one, two

    def new_channel(self, interface: str, context: str, exten: str, linkedid: str | None = None) -> Channel:
        tech, _, resource = interface.partition("/")
        resource = resource.split("/", 1)[0]
        counter = self._next_tech.get(tech.lower(), 0)
        self._next_tech[tech.lower()] = counter + 1
        uid = self._uniqueid()
        chan = Channel(f"{tech}/{resource}-{counter:08x}", uid, linkedid or uid, context, exten,
                       created=self._clock())
        self._live[chan.name] = chan
        return chan

    def get(self, name: str) -> Channel | None:
        return self._live.get(name)

    def by_uniqueid(self, uniqueid: str) -> Channel | None:
        return next((c for c in self._live.values() if c.uniqueid == uniqueid), None)

    def forget(self, chan: Channel) -> None:
        self._live.pop(chan.name, None)

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._live.values()))

    def __len__(self) -> int:
        return len(self._live)


def new_bridge() -> Bridge:
    return Bridge(str(uuid.uuid4()))

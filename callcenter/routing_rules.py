"""Routing rules: the ``routing:`` section of ``config.yaml`` as frozen, validated models.

What :func:`callcenter.routing.decide` reads. Ladders per tier are lists of steps; a step either rings
one agent (``{agent: account_manager | deputy | complaint_owner | <login>, seconds}``) or waits in a
queue (``{queue, priority, overflow_after}``). Special cases (blacklist, credit-suspended, complaint)
are checked in ``special_order`` before the tier ladder. ``aging`` is the time-credit policy the engine
applies to waiting callers (see :func:`callcenter.routing.aged_priority`).

This module imports nothing from :mod:`callcenter.settings` so that settings can embed
:class:`RoutingRules` without an import cycle (the customer types and value classes are defined here
and re-exported by settings). Errors found across sections (a queue that is not in ``queues:``, a login the
store does not know) are raised by :func:`check_rules` as :class:`PathError` naming the full key path.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callcenter.errors import PathError
from callcenter.queue_names import RESERVED_QUEUE_NAMES

# The customer vocabulary; callcenter.settings re-exports it.
CUSTOMER_TYPES = ("vip", "group", "family", "individual")
VALUE_CLASSES = ("major", "named", "non_named", "mass")

TIERS = (*CUSTOMER_TYPES, "unknown")
ROLES = ("account_manager", "deputy", "complaint_owner")
SPECIAL_CASES = ("blacklist", "credit_suspended", "complaint")
MOUNT = ("routing",)            # where the lead mounts RoutingRules in Settings: prefix of every path

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_QUEUE = r"^[A-Za-z0-9_-]{1,64}$"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _not_reserved(queue: str | None) -> str | None:
    if queue is not None and queue.lower() in RESERVED_QUEUE_NAMES:
        raise ValueError(f"a queue cannot be named {queue!r}: [general] is app_queue's settings section")
    return queue


class Step(_Frozen):
    """One rung: ring ``agent`` for ``seconds``, or wait in ``queue`` at ``priority``; a queue step
    with ``overflow_after`` hands the caller to the next step after that many seconds."""
    agent: str | None = Field(None, pattern=_NAME)
    seconds: int | None = Field(None, ge=1, le=600)
    queue: str | None = Field(None, pattern=_QUEUE)
    priority: int | None = Field(None, ge=0, le=100)      # queue steps only; 0 when left out
    overflow_after: int | None = Field(None, ge=1, le=3600)

    _queue_name = field_validator("queue")(_not_reserved)

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        if (self.agent is None) == (self.queue is None):
            raise ValueError("a step names either `agent` (with `seconds`) or `queue`")
        if self.agent is not None:
            if self.seconds is None:
                raise ValueError(f"agent step {self.agent!r} needs `seconds` (how long it rings)")
            if self.overflow_after is not None or self.priority is not None:
                raise ValueError("`priority` and `overflow_after` belong to queue steps")
        elif self.seconds is not None:
            raise ValueError("a queue step waits `overflow_after` seconds, not `seconds`")
        return self

    @property
    def is_queue(self) -> bool:
        return self.queue is not None

    @property
    def base_priority(self) -> int:
        return self.priority or 0


Ladder = tuple[Step, ...]


def _check_ladder(ladder: Ladder) -> Ladder:
    if not ladder:
        raise ValueError("a ladder needs at least one step")
    if not ladder[-1].is_queue:
        raise ValueError("the last step must be a queue: the caller has to wait somewhere")
    if ladder[-1].overflow_after is not None:
        raise ValueError("the last step has nowhere to overflow to: drop its `overflow_after`")
    for i, step in enumerate(ladder[:-1]):
        if step.is_queue and step.overflow_after is None:
            raise ValueError(f"step {i} (queue {step.queue!r}) has no `overflow_after`: the steps after it "
                             "would never be reached")
    return ladder


class Blacklist(_Frozen):
    """Numbers (E.164) refused service: ``reject`` plays ``message`` and hangs up; ``queue`` sends
    them to ``queue`` at ``priority`` (normally 0, the lowest)."""
    numbers: frozenset[str] = frozenset()
    action: Literal["reject", "queue"] = "reject"
    message: str = Field("blacklisted", pattern=_NAME)
    queue: str | None = Field(None, pattern=_QUEUE)
    priority: int = Field(0, ge=0, le=100)

    _queue_name = field_validator("queue")(_not_reserved)

    @field_validator("numbers", mode="before")
    @classmethod
    def _e164(cls, numbers: object) -> object:
        if isinstance(numbers, (list, tuple, set, frozenset)):
            for i, number in enumerate(numbers):
                if not isinstance(number, str) or not _E164.match(number):
                    raise ValueError(f"item {i}: {number!r} is not an E.164 number (+8613800138000)")
        return numbers

    @model_validator(mode="after")
    def _queue_when_queueing(self) -> Blacklist:
        if self.action == "queue" and self.queue is None:
            raise ValueError("action `queue` needs `queue`")
        return self


class CreditRule(_Frozen):
    """Customers whose ``credit_status`` is in ``statuses`` follow ``ladder`` (the billing desk)."""
    statuses: tuple[str, ...] = ("suspended",)
    ladder: Ladder

    _ladder = field_validator("ladder")(_check_ladder)


class ComplaintRule(_Frozen):
    """A caller with an open complaint (status in ``open_statuses``) or who chose one of
    ``menu_choices`` follows ``ladder`` (normally: the complaint's owner, then the complaints queue)."""
    menu_choices: tuple[str, ...] = ("complaint",)
    open_statuses: tuple[str, ...] = ("open", "in_progress")
    ladder: Ladder

    _ladder = field_validator("ladder")(_check_ladder)


class Aging(_Frozen):
    """Time credit: a waiting caller gains ``step`` priority every ``every_seconds``, at most
    ``max_bonus``. With ``max_bonus`` above the gap between two tiers' bases, a long-waiting caller of
    the lower tier eventually outranks a newly arrived caller of the higher one (no starvation), while
    two callers who waited equally long keep their tier order."""
    every_seconds: int = Field(30, ge=1, le=3600)
    step: int = Field(1, ge=0, le=100)
    max_bonus: int = Field(12, ge=0, le=100)


def _q(queue: str, priority: int, overflow_after: int | None = None) -> Step:
    return Step(queue=queue, priority=priority, overflow_after=overflow_after)


def _a(agent: str, seconds: int) -> Step:
    return Step(agent=agent, seconds=seconds)


DEFAULT_LADDERS: dict[str, Ladder] = {
    "vip": (_a("account_manager", 20), _a("deputy", 15), _q("vip", 10, 60), _q("standard", 10)),
    "group": (_a("account_manager", 20), _q("enterprise", 5)),
    "family": (_q("standard", 2),),
    "individual": (_q("standard", 0),),
    "unknown": (_q("standard", 0),),
}


class RoutingRules(_Frozen):
    default_queue: str = Field("standard", pattern=_QUEUE)
    # A blind transfer rings its agent or outside number this long (Dial); unanswered, the caller goes
    # back to the queue they came from (CC_QUEUE), never hung up.
    transfer_ring_seconds: int = Field(30, ge=5, le=300)
    ladders: dict[str, Ladder] = Field(default_factory=lambda: dict(DEFAULT_LADDERS))
    # Account manager login -> deputy login, when the card does not name one.
    deputies: dict[str, str] = Field(default_factory=dict)
    blacklist: Blacklist = Blacklist()
    credit_suspended: CreditRule | None = None
    complaint: ComplaintRule | None = None       # opt-in, like credit_suspended: it names queues of yours
    special_order: tuple[str, ...] = SPECIAL_CASES
    # Added to every queue step's priority by the caller's value class (major > ... > mass).
    value_bonus: dict[str, int] = Field(default_factory=dict)
    aging: Aging = Aging()

    _default_queue = field_validator("default_queue")(_not_reserved)

    @field_validator("ladders")
    @classmethod
    def _tiers(cls, ladders: dict[str, Ladder]) -> dict[str, Ladder]:
        for tier, ladder in ladders.items():
            if tier not in TIERS:
                raise PathError((*MOUNT, "ladders", tier), f"unknown tier {tier!r}; expected one of {list(TIERS)}")
            try:
                _check_ladder(ladder)
            except ValueError as exc:
                raise PathError((*MOUNT, "ladders", tier), str(exc)) from None
        return ladders

    @field_validator("deputies")
    @classmethod
    def _logins(cls, deputies: dict[str, str]) -> dict[str, str]:
        for manager, deputy in deputies.items():
            for login in (manager, deputy):
                if not re.match(_NAME, login):
                    raise PathError((*MOUNT, "deputies", manager), f"{login!r} is not a login")
            if manager == deputy:
                raise PathError((*MOUNT, "deputies", manager), "an account manager cannot be their own deputy")
        return deputies

    @field_validator("special_order")
    @classmethod
    def _specials(cls, order: tuple[str, ...]) -> tuple[str, ...]:
        for name in order:
            if name not in SPECIAL_CASES:
                raise ValueError(f"unknown special case {name!r}; expected some of {list(SPECIAL_CASES)}")
        if len(set(order)) != len(order):
            raise ValueError("a special case is listed twice")
        return order

    @field_validator("value_bonus")
    @classmethod
    def _value_classes(cls, bonus: dict[str, int]) -> dict[str, int]:
        for value_class, points in bonus.items():
            if value_class not in VALUE_CLASSES:
                raise PathError((*MOUNT, "value_bonus", value_class),
                                f"unknown value class {value_class!r}; expected one of {list(VALUE_CLASSES)}")
            if not 0 <= points <= 100:
                raise PathError((*MOUNT, "value_bonus", value_class), f"expected 0..100, got {points!r}")
        return bonus

    def ladder_for(self, tier: str) -> tuple[str, Ladder]:
        """(the tier whose ladder applies, the ladder): the tier's own, else ``unknown``'s, else the
        default queue at priority 0."""
        for name in (tier, "unknown"):
            if name in self.ladders:
                return name, self.ladders[name]
        return "unknown", (Step(queue=self.default_queue),)

    def entry_route(self, tier: str | None) -> tuple[str, int]:
        """(queue, priority) of the ladder's first queue step: the tier map the dialplan fallback needs."""
        _, ladder = self.ladder_for(tier or "unknown")
        step = next(s for s in ladder if s.is_queue)
        return step.queue or self.default_queue, step.base_priority


def _ladders(rules: RoutingRules) -> list[tuple[tuple[str, ...], Ladder]]:
    found = [((*MOUNT, "ladders", tier), ladder) for tier, ladder in rules.ladders.items()]
    if rules.credit_suspended is not None:
        found.append(((*MOUNT, "credit_suspended", "ladder"), rules.credit_suspended.ladder))
    if rules.complaint is not None:
        found.append(((*MOUNT, "complaint", "ladder"), rules.complaint.ladder))
    return found


def check_rules(rules: RoutingRules, queues: Collection[str], logins: Collection[str] | None = None) -> None:
    """Cross-section checks: every queue named is in ``queues:``; with *logins* (the store's agents,
    known only at start-up), every agent step that is not a role and every deputy is a known login.
    Raises :class:`PathError` naming the first wrong key."""
    known = set(queues)

    def need_queue(path: tuple[str, ...], queue: str | None) -> None:
        if queue is not None and queue not in known:
            raise PathError(path, f"{queue!r} is not in queues {sorted(known)}")

    need_queue((*MOUNT, "default_queue"), rules.default_queue)
    need_queue((*MOUNT, "blacklist", "queue"), rules.blacklist.queue)
    for path, ladder in _ladders(rules):
        for i, step in enumerate(ladder):
            need_queue((*path, str(i), "queue"), step.queue)
    if logins is None:
        return
    people = set(logins)
    for path, ladder in _ladders(rules):
        for i, step in enumerate(ladder):
            if step.agent is not None and step.agent not in ROLES and step.agent not in people:
                raise PathError((*path, str(i), "agent"), f"{step.agent!r} is neither a role {list(ROLES)} "
                                                          "nor an agent login")
    for manager, deputy in rules.deputies.items():
        for login in (manager, deputy):
            if login not in people:
                raise PathError((*MOUNT, "deputies", manager), f"{login!r} is not an agent login")

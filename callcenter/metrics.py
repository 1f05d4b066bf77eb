"""The one metrics engine: call-center figures from interaction records (pure).

Theory of operation. The live wallboard and the historical reports both feed *finished* interaction
records (the fields of an ``interactions`` row) through :func:`contribution`, which classifies one call
once (offered? answered within the threshold? a short abandon?) and gives the numbers it adds to a
group's :class:`Totals`. :func:`figures` turns totals into service level, ASA, AHT and rates. The
live side keeps totals per group and adds or takes away one call's contribution when its record
changes (:class:`LiveMetrics`); the reports sum the same contributions over a date range. Same
records, same functions: the two agree. The formulas are documented in the README ("Metrics").

* A record counts once it is *final*: status completed / abandoned / ivr_hangup, or an end time. A call
  ``left`` without an end time is between two steps of its routing ladder (it timed out of a queue and
  overflows to the next step): not final, so an overflow out of queue A is neither answered nor
  abandoned in A.
* One call counts once, in the **last queue** it reached (the record's ``queue``): a caller who
  overflowed from A to B and was answered (or hung up) in B is offered, answered (or abandoned) in B.
* **Offered**: a final record with a queue whose caller did not hang up in the voice menu.
* **Wait**: from ``queued_at`` (the *first* queue joined or ``Dial()`` step ringing an agent; else
  ``started_at``, the call's arrival, before the voice menu) to ``answered_at`` (answered) or ``ended_at``:
  over all the ladder's steps, the wait the caller felt. The voice menu is not waiting.
* **Answered**: has ``answered_at``. **Short abandon**: not answered and wait < ``short_abandon_seconds``.
  **Abandoned**: not answered and wait >= ``short_abandon_seconds`` (hung up or timed out of the queue).
* **SL** = answered with wait <= ``sl_seconds`` / (offered - short abandons).
* **ASA** = sum of answered waits / answered. **AHT** = mean ``talk_seconds`` of answered calls that have it.
* **Abandon rate** = abandoned / (offered - short abandons). **Survey** = mean of the scores given.
* **Missing outcomes**: answered calls whose record has no outcome (none saved yet, or never).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

FINAL_STATUSES = frozenset({"completed", "abandoned", "ivr_hangup"})   # "left": final only with ended_at
GROUPINGS = ("day", "hour", "hour_of_day", "queue", "agent", "tier")   # hour_of_day: 0..23 over the range
NO_TIER = "unknown"


@dataclass(frozen=True, slots=True)
class Rules:
    sl_seconds: float = 20.0
    sl_target: float = 0.8
    short_abandon_seconds: float = 5.0
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @classmethod
    def of(cls, settings: Any) -> Rules:
        """From the server settings: ``metrics:`` + the business-hours time zone (days and hours are local)."""
        m = settings.metrics
        return cls(m.sl_seconds, m.sl_target, m.short_abandon_seconds, settings.hours.zone)


@dataclass(slots=True)
class Totals:
    """What a group of calls adds up to; every field is a sum, so contributions add and subtract."""
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    wait_answered: float = 0.0
    talk_sum: float = 0.0
    talk_calls: int = 0
    survey_sum: int = 0
    surveys: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    missing_outcomes: int = 0          # answered calls with no outcome saved (yet)

    def add(self, other: Totals, sign: int = 1) -> None:
        self.offered += sign * other.offered
        self.answered += sign * other.answered
        self.answered_in_sl += sign * other.answered_in_sl
        self.abandoned += sign * other.abandoned
        self.short_abandoned += sign * other.short_abandoned
        self.wait_answered += sign * other.wait_answered
        self.talk_sum += sign * other.talk_sum
        self.talk_calls += sign * other.talk_calls
        self.survey_sum += sign * other.survey_sum
        self.surveys += sign * other.surveys
        self.missing_outcomes += sign * other.missing_outcomes
        for outcome, n in other.outcomes.items():
            self.outcomes[outcome] += sign * n
            if not self.outcomes[outcome]:
                del self.outcomes[outcome]

    def empty(self) -> bool:
        return not (self.offered or self.surveys or self.outcomes)


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def is_final(rec: Mapping[str, Any]) -> bool:
    return rec.get("status") in FINAL_STATUSES or rec.get("ended_at") is not None


def offered_at(rec: Mapping[str, Any]) -> datetime | None:
    """When the call was offered: it joined a queue (``queued_at``), else when it started."""
    return aware(rec.get("queued_at") or rec.get("started_at"))


def wait_seconds(rec: Mapping[str, Any]) -> float | None:
    start = offered_at(rec)
    end = aware(rec.get("answered_at") or rec.get("ended_at"))
    if start is None or end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def contribution(rec: Mapping[str, Any], rules: Rules) -> Totals:
    """What one finished call adds to every group it belongs to (all zero for one that does not count)."""
    t = Totals()
    if not is_final(rec):
        return t
    score = rec.get("survey_score")
    if score is not None:
        t.survey_sum, t.surveys = int(score), 1
    if rec.get("outcome"):
        t.outcomes[str(rec["outcome"])] = 1
    if not rec.get("queue") or rec.get("status") == "ivr_hangup":
        return t
    t.offered = 1
    wait = wait_seconds(rec) or 0.0
    if rec.get("answered_at") is not None:
        t.answered = 1
        t.wait_answered = wait
        t.answered_in_sl = int(wait <= rules.sl_seconds)
        t.missing_outcomes = 0 if rec.get("outcome") else 1
        if rec.get("talk_seconds") is not None:
            t.talk_sum, t.talk_calls = float(rec["talk_seconds"]), 1
    elif wait < rules.short_abandon_seconds:
        t.short_abandoned = 1
    else:
        t.abandoned = 1
    return t


def _ratio(num: float, den: float, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


def figures(t: Totals, rules: Rules) -> dict[str, Any]:
    """The published figures of one group (None where the denominator is zero)."""
    base = t.offered - t.short_abandoned
    sl = _ratio(t.answered_in_sl, base)
    return {
        "offered": t.offered, "answered": t.answered, "abandoned": t.abandoned,
        "short_abandoned": t.short_abandoned, "answered_in_sl": t.answered_in_sl,
        "sl": sl, "sl_ok": None if sl is None else sl >= rules.sl_target,
        "asa": _ratio(t.wait_answered, t.answered, 2), "aht": _ratio(t.talk_sum, t.talk_calls, 2),
        "abandon_rate": _ratio(t.abandoned, base), "survey_avg": _ratio(t.survey_sum, t.surveys, 2),
        "surveys": t.surveys, "outcomes": dict(sorted(t.outcomes.items())), "missing_outcomes": t.missing_outcomes,
    }


def local_day(rec: Mapping[str, Any], zone: ZoneInfo) -> date | None:
    at = offered_at(rec)
    return at.astimezone(zone).date() if at is not None else None


def group_key(rec: Mapping[str, Any], by: str, zone: ZoneInfo) -> str | int | None:
    """The group a record falls into for *by* (one of :data:`GROUPINGS`); None: not in any."""
    if by == "queue":
        return rec.get("queue") or None
    if by == "tier":
        return rec.get("customer_type") or NO_TIER
    if by == "agent":
        return rec.get("agent_id")
    at = offered_at(rec)
    if at is None:
        return None
    local = at.astimezone(zone)
    if by == "day":
        return local.date().isoformat()
    if by == "hour":
        return local.strftime("%Y-%m-%d %H:00")
    if by == "hour_of_day":
        return local.hour
    raise ValueError(f"unknown grouping {by!r}; expected one of {', '.join(GROUPINGS)}")


def aggregate(records: Iterable[Mapping[str, Any]], by: str, rules: Rules) -> dict[Any, Totals]:
    """Totals per group of *by* (records outside every group and non-final ones are left out)."""
    groups: dict[Any, Totals] = {}
    for rec in records:
        key = group_key(rec, by, rules.zone)
        if key is None:
            continue
        c = contribution(rec, rules)
        if c.empty():
            continue
        groups.setdefault(key, Totals()).add(c)
    return groups


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day, in UTC."""
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


LIVE_GROUPINGS = ("queue", "tier", "agent")


class LiveMetrics:
    """Today's finished calls, with totals per queue, tier and agent kept up to date one call at a time
    (the wallboard reads the totals; nothing is rescanned). A later update of a record (a survey score
    after the call) takes the call's old contribution away and adds the new one. The day is the local
    day of :meth:`Rules.zone`; the first record or read of a new day starts again from zero."""

    def __init__(self, rules: Rules, clock: Callable[[], datetime]) -> None:
        self.rules = rules
        self._clock = clock
        self.day: date = clock().astimezone(rules.zone).date()
        self._records: dict[str, dict[str, Any]] = {}
        self.totals: dict[str, dict[Any, Totals]] = {by: {} for by in LIVE_GROUPINGS}
        self._figures: dict[str, dict[Any, dict[str, Any]]] = {}
        self._dirty: dict[str, set[Any]] = {}
        self.version = 0

    def _roll(self) -> None:
        today = self._clock().astimezone(self.rules.zone).date()
        if today != self.day:
            self.day = today
            self._records.clear()
            self.totals = {by: {} for by in LIVE_GROUPINGS}
            self._figures, self._dirty = {}, {}
            self.version += 1

    def record(self, interaction_id: str, fields: Mapping[str, Any]) -> bool:
        """Take a call's latest fields (as recorded); True when today's figures changed."""
        self._roll()
        old = self._records.get(interaction_id)
        if old is None and not is_final(fields):
            return False
        new = {**old, **fields} if old is not None else dict(fields)
        if local_day(new, self.rules.zone) != self.day:
            return False
        if old is not None:
            self._apply(old, -1)
        self._records[interaction_id] = new
        self._apply(new, 1)
        self.version += 1
        return True

    def load(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Start-up: today's rows from the store (the same fields), so a restart does not zero the wall."""
        n = 0
        for rec in records:
            if rec.get("id") and self.record(str(rec["id"]), rec):
                n += 1
        return n

    def _apply(self, rec: Mapping[str, Any], sign: int) -> None:
        c = contribution(rec, self.rules)
        if c.empty():
            return
        for by in LIVE_GROUPINGS:
            key = group_key(rec, by, self.rules.zone)
            if key is None:
                continue
            groups = self.totals[by]
            t = groups.setdefault(key, Totals())
            t.add(c, sign)
            self._dirty.setdefault(by, set()).add(key)
            if sign < 0 and t.empty() and not t.answered:
                del groups[key]

    def group(self, by: str, key: Any) -> Totals:
        self._roll()
        return self.totals[by].get(key) or Totals()

    def figures(self, by: str) -> dict[Any, dict[str, Any]]:
        """Today's figures per group of *by*; only groups whose totals changed are computed again
        (the wallboard asks several times a second, calls finish far less often)."""
        self._roll()
        cache = self._figures.setdefault(by, {})
        for key in self._dirty.pop(by, set()):
            t = self.totals[by].get(key)
            if t is None:
                cache.pop(key, None)
            else:
                cache[key] = figures(t, self.rules)
        return cache

    def records(self) -> list[dict[str, Any]]:
        return list(self._records.values())

"""Today's waiting callers and service level per queue, as series for the wallboard's sparklines (pure).

Theory of operation. A timer in the composition root calls :meth:`DaySeries.sample` every
``metrics.sample_seconds`` with the number of callers waiting in each queue at that moment and each
queue's service level so far today (``LiveMetrics``, the same formulas as the reports). The point is
kept in a bounded deque per queue and returned, so the caller can send *only that point* to the
supervisors (``wallboard_series`` frame): the whole day goes out once, in the ``hello``
(:meth:`DaySeries.view`). A new local day starts the series again.

After a restart the memory is empty: :func:`backfill` rebuilds the day so far from today's interaction
records (the store's rows), at a coarser step: callers waiting at each instant (offered, not yet
answered or gone) and the SL of the calls finished by then. :meth:`DaySeries.load` puts those points
in front of whatever was sampled since.

A point on the wire is ``[epoch_seconds, waiting, sl]`` (``sl`` a share 0..1, or ``null`` when no call
counted yet): three numbers, not an object, because a day of them goes out in every hello.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.metrics import Rules, Totals, aware, contribution, day_bounds, figures, is_final, offered_at

Point = tuple[int, int, float | None]          # (epoch seconds, waiting callers, service level so far)
DAY_SECONDS = 24 * 3600
MIN_BACKFILL_STEP = 300.0                      # a rebuilt day needs no finer grain than 5 minutes


class DaySeries:
    def __init__(self, zone: ZoneInfo, step_seconds: float, max_points: int | None = None) -> None:
        self.zone = zone
        self.step = float(step_seconds)
        # One local day at the sampling step, bounded (a short step must not grow without end).
        self.max_points = max_points or min(int(DAY_SECONDS / self.step) + 2, 2000)
        self.day: date | None = None
        self._queues: dict[str, deque[Point]] = {}

    def _roll(self, now: datetime) -> None:
        today = now.astimezone(self.zone).date()
        if today != self.day:
            self.day = today
            self._queues.clear()

    def _line(self, queue: str) -> deque[Point]:
        line = self._queues.get(queue)
        if line is None:
            line = self._queues[queue] = deque(maxlen=self.max_points)
        return line

    def sample(self, now: datetime, waiting: Mapping[str, int], sl: Mapping[str, float | None]) -> dict[str, Any]:
        """Take one point per queue (every queue named in *waiting* or *sl*); returns the new points as
        the ``wallboard_series`` frame: ``{"day", "step", "points": {queue: [t, waiting, sl]}}``."""
        self._roll(now)
        at = int(now.timestamp())
        points: dict[str, list[Any]] = {}
        for queue in dict.fromkeys([*waiting, *sl]):
            point: Point = (at, int(waiting.get(queue, 0)), sl.get(queue))
            self._line(queue).append(point)
            points[queue] = list(point)
        return {"day": self.day.isoformat() if self.day else None, "step": self.step, "points": points}

    def load(self, now: datetime, rebuilt: Mapping[str, Iterable[Point]]) -> None:
        """Start-up: the day so far (from :func:`backfill`) goes in front of the points sampled since."""
        self._roll(now)
        for queue, points in rebuilt.items():
            line = self._line(queue)
            first = line[0][0] if line else None
            older = [p for p in points if first is None or p[0] < first]
            line.extendleft(reversed(older))
            while len(line) > self.max_points:     # extendleft on a full deque drops from the right
                line.popleft()

    def view(self, now: datetime | None = None) -> dict[str, Any]:
        """The whole day so far: ``{"day", "step", "queues": {queue: [[t, waiting, sl], ...]}}`` (with
        *now*: yesterday's points are gone once the local day changed, even before the next sample)."""
        if now is not None:
            self._roll(now)
        return {"day": self.day.isoformat() if self.day else None, "step": self.step,
                "queues": {q: [list(p) for p in line] for q, line in self._queues.items()}}


def backfill(records: Iterable[Mapping[str, Any]], rules: Rules, day: date, now: datetime,
             queues: Iterable[str], step_seconds: float) -> dict[str, list[Point]]:
    """The day's series rebuilt from interaction records, one point every *step* (at least
    :data:`MIN_BACKFILL_STEP`) from local midnight to *now*: callers waiting at that instant (offered,
    neither answered nor gone yet) and the SL of the calls that had finished by then."""
    step = max(float(step_seconds), MIN_BACKFILL_STEP)
    start, end = day_bounds(day, rules.zone)
    last = min(now, end)
    # Events in time order: (epoch, order, queue, change). Waiting starts/ends, and a finished call's
    # contribution lands when it ended (as the live metrics take it when its record becomes final).
    events: list[tuple[float, int, str, Any]] = []
    for rec in records:
        queue = rec.get("queue")
        if not queue or not is_final(rec):
            continue
        offered = offered_at(rec)
        waited_until = aware(rec.get("answered_at") or rec.get("ended_at"))
        finished = aware(rec.get("ended_at")) or waited_until or offered
        if offered is not None and waited_until is not None and rec.get("status") != "ivr_hangup":
            events.append((offered.timestamp(), 0, queue, 1))
            events.append((waited_until.timestamp(), 1, queue, -1))
        if finished is not None:
            events.append((finished.timestamp(), 2, queue, contribution(rec, rules)))
    events.sort(key=lambda e: (e[0], e[1]))
    names = list(dict.fromkeys([*queues, *(e[2] for e in events)]))
    waiting = dict.fromkeys(names, 0)
    totals = {q: Totals() for q in names}
    out: dict[str, list[Point]] = {q: [] for q in names}
    t, i = start.timestamp(), 0
    while t <= last.timestamp():
        while i < len(events) and events[i][0] <= t:
            _, kind, queue, change = events[i]
            i += 1
            if kind == 2:
                totals[queue].add(change)
            else:
                waiting[queue] += change
        for q in names:
            out[q].append((int(t), max(waiting[q], 0), figures(totals[q], rules)["sl"]))
        t += step
    return out

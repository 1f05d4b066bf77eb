"""Business hours per queue: weekly ranges, public holidays, per-date exceptions, the "closed now" switch.

Theory of operation. :class:`BusinessHours` is the ``hours`` section; :func:`is_open` is pure: the
queue, an aware ``datetime`` and the set of queues a supervisor closed go in, an :class:`OpenState`
comes out. The day's opening ranges are decided in this order, the first that applies wins:

1. the supervisor's switch (``closed_now``) → closed, no ``next_open`` (the supervisor reopens);
2. the queue's own ``exceptions`` for the date, then the section-wide ``exceptions``;
3. a public holiday of ``country`` (``holidays`` package) when the queue observes holidays → closed.
   For CN the package lists the statutory days *and* the days off moved by 调休 ("Day off (substituted
   from 2026-09-20)"), so those count as holidays too. It does not list the weekend days inside a break
   (Sun 2026-10-04, Sat-Sun 2026-02-21/22): with ``weekends_join_holidays`` (default) a weekend day
   joined to a holiday is part of the break, as the official 放假 notices count it;
4. an adjusted working day (调休: a weekend day made a working day, e.g. Sat 2026-10-10; the package
   keeps them in ``weekend_workdays``) → the hours of the weekday named by ``adjusted_workdays``
   (``mon`` by default; ``null`` = keep the weekend's own hours);
5. the weekly schedule.

Times are local to ``timezone`` (zoneinfo). ``next_open`` is the start of the next range after ``when``
found by walking forward day by day (up to a year), with the same rules; it is ``None`` for a
supervisor's closure and for a schedule that never opens. A queue without a schedule (and no
``default``) is always open. The holiday package only knows the 调休 days already published (for CN:
up to the current year); later years get the fixed-date and lunar holidays only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from callcenter.errors import PathError
from callcenter.queue_names import RESERVED_QUEUE_NAMES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY = 24 * 3600
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
LOOKAHEAD_DAYS = 400


def _path_error(path: tuple[str, ...], message: str) -> ValueError:
    return PathError(path, message)


# --------------------------------------------------------------------------- ranges
def _clock(text: str) -> int:
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time (HH:MM)")
    hours, minutes = int(match[1]), int(match[2])
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return hours * 3600 + minutes * 60


def _parse_range(value: Any) -> Any:
    if not isinstance(value, str):
        return value        # already (start, end) seconds, e.g. built in code
    start_text, sep, end_text = value.partition("-")
    if not sep:
        raise ValueError(f"{value!r}: expected a range like 08:00-20:00")
    start, end = _clock(start_text), _clock(end_text)
    if start >= DAY:
        raise ValueError(f"{value!r}: a range cannot start at 24:00")
    if end <= start:
        raise ValueError(f"{value!r}: the end must be after the start (split a night over two days)")
    return (start, end)


def _format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def format_range(r: tuple[int, int]) -> str:
    return f"{_format_clock(r[0])}-{_format_clock(r[1])}"


# A range in seconds from local midnight, written "08:00-20:00" in YAML.
TimeRange = Annotated[tuple[int, int], BeforeValidator(_parse_range), PlainSerializer(format_range)]


def _days(spec: str) -> tuple[int, ...]:
    """``mon-fri``, ``sat``, ``mon,wed,fri``, ``daily`` → weekday numbers (Monday 0)."""
    days: list[int] = []
    for part in spec.lower().replace(" ", "").split(","):
        if part == "daily":
            days.extend(range(7))
            continue
        first, sep, last = part.partition("-")
        if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
            raise ValueError(f"unknown weekday {part!r}: expected mon..sun, a span like mon-fri, or daily")
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last) if sep else WEEKDAYS.index(first)
        if b < a:
            raise ValueError(f"{part!r} runs backwards; write it as two entries (e.g. fri-sun, mon)")
        days.extend(range(a, b + 1))
    return tuple(days)


def _check_overlaps(path: tuple[str, ...], ranges: list[tuple[tuple[int, int], str]], where: str) -> None:
    ordered = sorted(ranges)
    for (prev, _), (cur, key) in pairwise(ordered):
        if cur[0] < prev[1]:
            raise _path_error(path + ((key,) if key else ()),
                              f"{format_range(cur)} overlaps {format_range(prev)}{where}")


# --------------------------------------------------------------------------- settings
class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DateException(_Frozen):
    """Special opening on one date: ``[]`` = closed all day, or its own ranges."""
    hours: tuple[TimeRange, ...] = ()
    note: str = ""          # said in the reason: "closed: 公司年会 company event"

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        return {"hours": value} if isinstance(value, (list, tuple)) else value

    @model_validator(mode="after")
    def _no_overlap(self) -> DateException:
        _check_overlaps(("hours",), [(r, "") for r in self.hours], "")
        return self


class Schedule(_Frozen):
    weekly: dict[str, tuple[TimeRange, ...]] = Field(default_factory=dict)   # "mon-fri": [08:00-20:00]
    holidays: bool = True                       # closed on the country's public holidays
    adjusted_workdays: Weekday | None = "mon"  # 调休 weekend working day: this weekday's hours
    exceptions: dict[date, DateException] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid_week(self) -> Schedule:
        _ = self.week
        return self

    @cached_property
    def week(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Opening ranges per weekday (Monday first), sorted; validated once."""
        per_day: list[list[tuple[tuple[int, int], str]]] = [[] for _ in WEEKDAYS]
        for spec, ranges in self.weekly.items():
            try:
                days = _days(spec)
            except ValueError as exc:
                raise _path_error(("weekly", spec), str(exc)) from None
            for day in days:
                per_day[day].extend((r, spec) for r in ranges)
        for day, ranges in enumerate(per_day):
            _check_overlaps(("weekly",), ranges, f" on {WEEKDAYS[day]}")
        return tuple(tuple(sorted(r for r, _ in ranges)) for ranges in per_day)


class BusinessHours(_Frozen):
    timezone: str = "Asia/Shanghai"
    country: str = "CN"                  # public holidays (``holidays`` package); "" = none
    subdivision: str = ""
    # A weekend day next to a holiday belongs to the break, as China's 放假 notices count it
    # (National Day 2026: 1-7 October includes Sunday the 4th, which the package does not list).
    weekends_join_holidays: bool = True
    default: Schedule | None = None      # queues without their own schedule; None = always open
    queues: dict[str, Schedule] = Field(default_factory=dict)
    exceptions: dict[date, DateException] = Field(default_factory=dict)   # every queue; a queue's own win

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}: expected an IANA name like Asia/Shanghai") from None
        return name

    @model_validator(mode="after")
    def _consistent(self) -> BusinessHours:
        if self.country:
            if self.country not in holidays.list_supported_countries():
                raise _path_error(("country",), f"no holiday calendar for {self.country!r}: expected an ISO "
                                                "country code the holidays package knows (CN, HK, US, ...) or ''")
            subdivisions = holidays.list_supported_countries()[self.country]
            if self.subdivision and self.subdivision not in subdivisions:
                raise _path_error(("subdivision",), f"{self.subdivision!r} is not a subdivision of "
                                                    f"{self.country}: {subdivisions}")
        elif self.subdivision:
            raise _path_error(("subdivision",), "a subdivision needs a country")
        for name in self.queues:
            if name.lower() in RESERVED_QUEUE_NAMES or not _NAME.match(name):
                raise _path_error(("queues", name), f"{name!r} cannot be a queue name")
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def schedule_for(self, queue: str) -> Schedule | None:
        return self.queues.get(queue, self.default)


# --------------------------------------------------------------------------- the decision
@dataclass(frozen=True, slots=True)
class OpenState:
    open: bool
    reason: str                          # "open", "outside hours", "holiday: 国庆节 National Day", ...
    next_open: datetime | None = None    # local to the section's time zone


@dataclass(frozen=True, slots=True)
class _Day:
    ranges: tuple[tuple[int, int], ...]
    closed_reason: str = "outside hours"
    open_reason: str = "open"


@dataclass(frozen=True, slots=True)
class _Calendar:
    names: dict[date, str]
    workdays: frozenset[date]
    weekend: frozenset[int]


@cache
def _calendar(country: str, subdivision: str, year: int) -> _Calendar:
    """One year's holidays, named in the local language and English ("国庆节 National Day")."""
    def load(language: str | None) -> holidays.HolidayBase:
        return holidays.country_holidays(country, subdiv=subdivision or None, years=year, language=language)

    cls = holidays.country_holidays(country)
    languages = tuple(getattr(cls, "supported_languages", ()) or ())
    local = load(getattr(cls, "default_language", None))
    english = load("en_US") if "en_US" in languages else local
    names: dict[date, str] = {}
    for day, name in local.items():
        other = english.get(day, "")
        names[day] = f"{name} {other}" if other and other != name else name
    return _Calendar(names, frozenset(getattr(local, "weekend_workdays", ())),
                     frozenset(getattr(local, "weekend", (5, 6))))


def _workday(cfg: BusinessHours, day: date) -> bool:
    """An adjusted working day (调休). A year's list can hold a date of the year before it."""
    return any(day in _calendar(cfg.country, cfg.subdivision, year).workdays for year in (day.year, day.year + 1))


def _weekend_rest(cfg: BusinessHours, day: date) -> bool:
    return day.weekday() in _calendar(cfg.country, cfg.subdivision, day.year).weekend and not _workday(cfg, day)


def _holiday(cfg: BusinessHours, day: date) -> str | None:
    """The holiday's name; with ``weekends_join_holidays`` a weekend day next to one (directly or
    through the rest of the weekend) is part of the break and takes its name."""
    names = _calendar(cfg.country, cfg.subdivision, day.year).names
    if day in names or not cfg.weekends_join_holidays or not _weekend_rest(cfg, day):
        return names.get(day)
    for step in (timedelta(days=-1), timedelta(days=1)):
        other = day + step
        while True:
            name = _calendar(cfg.country, cfg.subdivision, other.year).names.get(other)
            if name is not None:
                return name
            if not _weekend_rest(cfg, other):
                break
            other += step
    return None


def _day(cfg: BusinessHours, schedule: Schedule, day: date) -> _Day:
    exception = schedule.exceptions.get(day) or cfg.exceptions.get(day)
    if exception is not None:
        note = exception.note or f"special date {day.isoformat()}"
        return _Day(exception.hours, f"closed: {note}" if not exception.hours else f"outside hours ({note})",
                    f"open ({note})")
    weekday = day.weekday()
    if cfg.country:
        holiday = _holiday(cfg, day) if schedule.holidays else None
        if holiday is not None:
            return _Day((), f"holiday: {holiday}")
        if schedule.adjusted_workdays is not None and _workday(cfg, day):
            as_day = WEEKDAYS.index(schedule.adjusted_workdays)
            return _Day(schedule.week[as_day], "outside hours (adjusted working day)",
                        f"open (adjusted working day, {schedule.adjusted_workdays} hours)")
    return _Day(schedule.week[weekday])


def _at(cfg: BusinessHours, day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=cfg.zone) + timedelta(seconds=seconds) \
        if seconds < DAY else datetime.combine(day + timedelta(days=1), time(0), tzinfo=cfg.zone)


def _next_open(cfg: BusinessHours, schedule: Schedule, local: datetime) -> datetime | None:
    now = local.hour * 3600 + local.minute * 60 + local.second
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        for start, _end in _day(cfg, schedule, day).ranges:
            if offset or start > now:
                return _at(cfg, day, start)
    return None


def is_open(queue: str, when: datetime, hours_cfg: BusinessHours,
            closed_now: frozenset[str] = frozenset()) -> OpenState:
    """Whether ``queue`` takes calls at ``when`` (timezone-aware), why, and when it opens next."""
    if when.tzinfo is None:
        raise ValueError("is_open needs a timezone-aware datetime")
    if queue in closed_now:
        return OpenState(False, "closed by supervisor")
    schedule = hours_cfg.schedule_for(queue)
    if schedule is None:
        return OpenState(True, "open (no business hours set)")
    local = when.astimezone(hours_cfg.zone)
    today = _day(hours_cfg, schedule, local.date())
    now = local.hour * 3600 + local.minute * 60 + local.second
    if any(start <= now < end for start, end in today.ranges):
        return OpenState(True, today.open_reason)
    return OpenState(False, today.closed_reason, _next_open(hours_cfg, schedule, local))

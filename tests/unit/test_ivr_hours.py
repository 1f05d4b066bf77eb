"""Business hours: weekly ranges, CN holidays and 调休 working days, exceptions, the supervisor's switch."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from callcenter.settings import _PathError
from ivr.hours import BusinessHours, OpenState, is_open

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The sample given to the lead for config.yaml (`hours:`), validated here so it stays valid.
SAMPLE_YAML = """
timezone: Asia/Shanghai          # IANA zone the ranges are written in (no DST in China)
country: CN                      # public holidays from the `holidays` package, incl. 调休 days off; "" = none
default:                         # every queue without its own entry below
  weekly:
    mon-fri: ["08:00-20:00"]     # several ranges a day allowed: ["08:30-12:00", "13:00-18:00"]
    sat: ["09:00-17:00"]         # days left out (sun) are closed
  holidays: true                 # closed on public holidays
  adjusted_workdays: mon         # 调休 weekend working day: open with Monday's hours (null: keep the weekend's)
queues:
  vip:
    weekly: {daily: ["00:00-24:00"]}
    holidays: false              # VIP line open every day of the year
  enterprise:
    weekly:
      mon-fri: ["08:30-12:00", "13:00-18:00"]
    exceptions:
      2026-11-13: {hours: ["08:30-12:00"], note: 培训 training afternoon}
exceptions:                      # every queue (a queue's own exceptions for the same date win)
  2026-11-11: {hours: [], note: 系统升级 system upgrade}
  2026-11-12: ["10:00-16:00"]
"""
SAMPLE = yaml.safe_load(SAMPLE_YAML)
HOURS = BusinessHours.model_validate(SAMPLE)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# --------------------------------------------------------------------------- decisions
@pytest.mark.parametrize(("queue", "when", "open_", "reason", "next_open"), [
    # an ordinary Wednesday, ranges are [start, end)
    ("standard", "2026-09-16 10:00", True, "open", None),
    ("standard", "2026-09-16 07:59", False, "outside hours", "2026-09-16 08:00"),
    ("standard", "2026-09-16 20:00", False, "outside hours", "2026-09-17 08:00"),
    ("standard", "2026-09-19 16:59", True, "open", None),                      # Saturday hours
    # Sat 17:00 → the next opening is Sun 2026-09-20, a 调休 working day (National Day swap)
    ("standard", "2026-09-19 17:00", False, "outside hours", "2026-09-20 08:00"),
    ("standard", "2026-09-20 19:30", True, "open (adjusted working day, mon hours)", None),
    ("standard", "2026-10-10 19:30", True, "open (adjusted working day, mon hours)", None),   # a Saturday
    ("standard", "2026-09-13 10:00", False, "outside hours", "2026-09-14 08:00"),            # plain Sunday
    # two ranges with a lunch break
    ("enterprise", "2026-09-16 12:30", False, "outside hours", "2026-09-16 13:00"),
    ("enterprise", "2026-09-16 13:00", True, "open", None),
    ("enterprise", "2026-09-20 12:30", False, "outside hours (adjusted working day)", "2026-09-20 13:00"),
    # National Day: closed 1-7 October, next opening is Thursday the 8th
    ("standard", "2026-10-01 10:00", False, "holiday: 国庆节 National Day", "2026-10-08 08:00"),
    ("standard", "2026-09-30 21:00", False, "outside hours", "2026-10-08 08:00"),
    ("standard", "2026-10-07 10:00", False, "holiday: 休息日（由 2026-10-10 调休） Day off (substituted from 10/10/2026)",
     "2026-10-08 08:00"),
    ("vip", "2026-10-01 03:00", True, "open", None),                            # holidays: false
    # exceptions: section-wide closed day, section-wide special hours, a queue's own day
    ("standard", "2026-11-11 10:00", False, "closed: 系统升级 system upgrade", "2026-11-12 10:00"),
    ("vip", "2026-11-11 10:00", False, "closed: 系统升级 system upgrade", "2026-11-12 10:00"),
    ("standard", "2026-11-12 09:00", False, "outside hours (special date 2026-11-12)", "2026-11-12 10:00"),
    ("standard", "2026-11-12 15:00", True, "open (special date 2026-11-12)", None),
    ("enterprise", "2026-11-13 11:00", True, "open (培训 training afternoon)", None),
    ("enterprise", "2026-11-13 14:00", False, "outside hours (培训 training afternoon)", "2026-11-16 08:30"),
])
def test_open_or_closed_with_the_reason_and_the_next_opening(queue, when, open_, reason, next_open):
    state = is_open(queue, at(when), HOURS, frozenset())
    assert state == OpenState(open_, reason, at(next_open) if next_open else None)


def test_a_spring_festival_call_waits_for_the_end_of_the_holiday():
    state = is_open("standard", at("2026-02-16 09:00"), HOURS)
    assert not state.open and state.reason == "holiday: 农历除夕 Chinese New Year's Eve"
    # 16-23 February off; Sat 2026-02-28 is a 调休 working day but the Tuesday comes first
    assert state.next_open == at("2026-02-24 08:00")


@pytest.mark.parametrize(("when", "holiday"), [
    ("2026-10-03 10:00", "国庆节 National Day"),          # listed by the package
    ("2026-02-21 10:00", "休息日（由 2026-02-14 调休） Day off (substituted from 02/14/2026)"),  # not listed
    ("2026-06-20 10:00", "端午节 Dragon Boat Festival"),  # Fri holiday + weekend: a three-day break
])
def test_weekend_days_inside_a_break_are_holidays_for_a_queue_open_on_saturdays(when, holiday):
    state = is_open("standard", at(when), HOURS)
    assert not state.open and state.reason == f"holiday: {holiday}"
    separate = BusinessHours.model_validate({**SAMPLE, "weekends_join_holidays": False})
    assert is_open("standard", at(when), separate).open is (when != "2026-10-03 10:00")


def test_closed_by_the_supervisor_whatever_the_schedule():
    when = at("2026-09-16 10:00")
    state = is_open("standard", when, HOURS, frozenset({"standard"}))
    assert state == OpenState(False, "closed by supervisor", None)
    assert is_open("vip", when, HOURS, frozenset({"standard"})).open
    assert is_open("unscheduled", when, BusinessHours(), frozenset({"unscheduled"})).reason == "closed by supervisor"


def test_a_queue_without_hours_is_always_open():
    state = is_open("standard", at("2026-10-01 03:00"), BusinessHours(), frozenset())
    assert state.open and state.reason == "open (no business hours set)"


def test_adjusted_working_days_can_keep_the_weekend_hours():
    data = {**SAMPLE, "default": {**SAMPLE["default"], "adjusted_workdays": None}}
    hours = BusinessHours.model_validate(data)
    assert not is_open("standard", at("2026-10-10 19:30"), hours).open       # Saturday: 09-17
    assert is_open("standard", at("2026-10-10 10:00"), hours).reason == "open"
    assert not is_open("standard", at("2026-09-20 10:00"), hours).open       # Sunday: closed


def test_without_a_country_holidays_are_ordinary_days():
    hours = BusinessHours.model_validate({**SAMPLE, "country": ""})
    assert is_open("standard", at("2026-10-01 10:00"), hours).open
    assert not is_open("standard", at("2026-10-10 19:30"), hours).open


@pytest.mark.parametrize("utc", ["2026-01-14 01:30", "2026-07-15 01:30"])
def test_shanghai_has_no_dst_and_any_zone_is_converted(utc):
    when = datetime.fromisoformat(utc).replace(tzinfo=UTC)     # 09:30 in Shanghai, winter and summer
    assert is_open("standard", when, HOURS).open
    assert is_open("standard", when.astimezone(ZoneInfo("America/New_York")), HOURS).open
    state = is_open("standard", when - timedelta(hours=2), HOURS)         # 07:30 local
    assert state.next_open is not None
    assert state.next_open.utcoffset() == timedelta(hours=8)
    assert state.next_open.astimezone(UTC).hour == 0             # 08:00 local is 00:00 UTC


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open("standard", datetime(2026, 9, 16, 10, 0), HOURS)


def test_a_schedule_that_never_opens_has_no_next_opening():
    hours = BusinessHours.model_validate({"country": "", "default": {"weekly": {}}})
    assert is_open("standard", at("2026-09-16 10:00"), hours) == OpenState(False, "outside hours", None)


def test_ranges_round_trip_to_config_text():
    assert HOURS.model_dump(mode="json")["default"]["weekly"] == {"mon-fri": ["08:00-20:00"], "sat": ["09:00-17:00"]}


# --------------------------------------------------------------------------- validation
def key_path(exc: ValidationError) -> str:
    """What the settings loader reports: pydantic's location, plus the _PathError's path under it."""
    err = exc.errors()[0]
    loc = tuple(str(p) for p in err["loc"])
    ctx = (err.get("ctx") or {}).get("error")
    return ".".join(loc + ctx.path if isinstance(ctx, _PathError) else loc)


@pytest.mark.parametrize(("data", "key", "words"), [
    ({"default": {"weekly": {"mon": ["25:00-26:00"]}}}, "default.weekly.mon.0", "not a time of day"),
    ({"default": {"weekly": {"mon": ["08:00-12:00", "8h-20h"]}}}, "default.weekly.mon.1", "not a time (HH:MM)"),
    ({"default": {"weekly": {"mon": ["08:60-12:00"]}}}, "default.weekly.mon.0", "not a time of day"),
    ({"default": {"weekly": {"mon": ["24:00-24:00"]}}}, "default.weekly.mon.0", "cannot start at 24:00"),
    ({"default": {"weekly": {"mon": ["20:00-08:00"]}}}, "default.weekly.mon.0", "split a night over two days"),
    ({"default": {"weekly": {"mon": ["0800"]}}}, "default.weekly.mon.0", "expected a range like"),
    ({"default": {"weekly": {"mon-fri": ["08:00-12:00", "11:00-14:00"]}}}, "default.weekly.mon-fri",
     "11:00-14:00 overlaps 08:00-12:00 on mon"),
    ({"queues": {"vip": {"weekly": {"mon-fri": ["08:00-12:00"], "fri": ["11:59-13:00"]}}}},
     "queues.vip.weekly.fri", "11:59-13:00 overlaps 08:00-12:00 on fri"),
    ({"default": {"weekly": {"funday": ["08:00-12:00"]}}}, "default.weekly.funday", "unknown weekday 'funday'"),
    ({"default": {"weekly": {"fri-mon": ["08:00-12:00"]}}}, "default.weekly.fri-mon", "runs backwards"),
    ({"default": {"adjusted_workdays": "someday"}}, "default.adjusted_workdays", "'mon'"),
    ({"queues": {"vip": {"weeky": {}}}}, "queues.vip.weeky", "Extra inputs"),
    ({"queues": {"general": {}}}, "queues.general", "cannot be a queue name"),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
    ({"timezone": "../etc"}, "timezone", "unknown time zone"),
    ({"country": "XX"}, "country", "no holiday calendar for 'XX'"),
    ({"subdivision": "ZZ"}, "subdivision", "not a subdivision of CN"),
    ({"exceptions": {"2026-02-30": []}}, "exceptions.2026-02-30.[key]", "date"),
    ({"exceptions": {"2026-11-11": ["09:00-12:00", "10:00-11:00"]}}, "exceptions.2026-11-11.hours",
     "10:00-11:00 overlaps 09:00-12:00"),
    ({"exceptions": {"2026-11-11": {"hours": ["9-12"]}}}, "exceptions.2026-11-11.hours.0", "not a time"),
])
def test_bad_hours_are_refused_with_their_key_path(data, key, words):
    with pytest.raises(ValidationError) as info:
        BusinessHours.model_validate(data)
    assert key_path(info.value) == key
    assert words in str(info.value)

"""The wallboard's day series: sampled points, bounded memory, a new day, and the day rebuilt after a restart."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from callcenter.day_series import DaySeries, backfill
from callcenter.metrics import Rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = Rules(sl_seconds=20.0, sl_target=0.8, short_abandon_seconds=5.0, zone=SHANGHAI)
# 2024-05-03 10:00 in Shanghai
T0 = datetime(2024, 5, 3, 2, 0, tzinfo=UTC)


def test_a_sample_is_kept_and_only_the_new_point_is_returned():
    series = DaySeries(SHANGHAI, 60)
    frame = series.sample(T0, {"vip": 2, "standard": 0}, {"vip": 0.75})
    assert frame == {"day": "2024-05-03", "step": 60.0,
                     "points": {"vip": [int(T0.timestamp()), 2, 0.75], "standard": [int(T0.timestamp()), 0, None]}}
    series.sample(T0 + timedelta(minutes=1), {"vip": 1, "standard": 3}, {"vip": 0.8, "standard": 1.0})
    assert series.view()["queues"]["vip"] == [[int(T0.timestamp()), 2, 0.75], [int(T0.timestamp()) + 60, 1, 0.8]]


def test_memory_is_bounded():
    series = DaySeries(SHANGHAI, 1, max_points=3)
    for i in range(10):
        series.sample(T0 + timedelta(seconds=i), {"vip": i}, {})
    assert [p[1] for p in series.view()["queues"]["vip"]] == [7, 8, 9]


def test_the_default_bound_holds_one_day_at_the_step():
    assert DaySeries(SHANGHAI, 60).max_points == 24 * 60 + 2
    assert DaySeries(SHANGHAI, 0.5).max_points == 2000            # a tiny step stays bounded


def test_a_new_local_day_starts_again():
    series = DaySeries(SHANGHAI, 60)
    series.sample(datetime(2024, 5, 3, 15, 59, tzinfo=UTC), {"vip": 4}, {})    # 23:59 in Shanghai
    frame = series.sample(datetime(2024, 5, 3, 16, 1, tzinfo=UTC), {"vip": 1}, {})   # 00:01 the next day
    assert frame["day"] == "2024-05-04"
    assert [p[1] for p in series.view()["queues"]["vip"]] == [1]
    assert series.view(datetime(2024, 5, 4, 16, 1, tzinfo=UTC)) == {"day": "2024-05-05", "step": 60.0, "queues": {}}


def _call(queue, offered, *, answered=None, ended, status="completed"):
    return {"queue": queue, "status": status, "started_at": offered - timedelta(seconds=10), "queued_at": offered,
            "answered_at": answered, "ended_at": ended, "talk_seconds": 30 if answered else None}


def test_backfill_counts_callers_waiting_and_the_sl_of_finished_calls():
    day = date(2024, 5, 3)
    start = datetime(2024, 5, 2, 16, 0, tzinfo=UTC)          # local midnight
    at = lambda minutes: start + timedelta(minutes=minutes)  # noqa: E731
    records = [
        # waits 00:05-00:06 (60 s, outside SL), talks until 00:07
        _call("vip", at(5), answered=at(6), ended=at(7)),
        # waits 00:08-00:08:10 (in SL), ends 00:12
        _call("vip", at(8), answered=at(8) + timedelta(seconds=10), ended=at(12)),
        # waits 00:04-00:14 and gives up: abandoned
        _call("standard", at(4), ended=at(14), status="abandoned"),
        # still in the voice menu when the server stopped: not final, not drawn
        {"queue": "vip", "status": "queued", "started_at": at(1), "queued_at": at(2)},
    ]
    rebuilt = backfill(records, RULES, day, at(16), ["vip", "standard", "enterprise"], step_seconds=60)
    times = [p[0] for p in rebuilt["vip"]]
    assert times[0] == int(start.timestamp()) and times[1] - times[0] == 300       # 5-minute grain at least
    vip = {(p[0] - times[0]) // 60: (p[1], p[2]) for p in rebuilt["vip"]}
    standard = {(p[0] - times[0]) // 60: (p[1], p[2]) for p in rebuilt["standard"]}
    assert vip == {0: (0, None), 5: (1, None), 10: (0, 0.0), 15: (0, 0.5)}
    assert standard == {0: (0, None), 5: (1, None), 10: (1, None), 15: (0, 0.0)}
    assert [p[1:] for p in rebuilt["enterprise"]] == [(0, None)] * 4                 # a queue with no call


def test_loaded_history_goes_before_live_samples():
    series = DaySeries(SHANGHAI, 60)
    now = T0
    series.sample(now, {"vip": 5}, {})
    series.load(now, {"vip": [(int(now.timestamp()) - 600, 1, None), (int(now.timestamp()), 9, None)]})
    assert [p[1] for p in series.view()["queues"]["vip"]] == [1, 5]              # the live point wins its instant

"""The metrics formulas on hand-computed values (callcenter/metrics.py; README "Metrics")."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.metrics import LiveMetrics, Rules, aggregate, contribution, figures, group_key

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = Rules(sl_seconds=20, sl_target=0.8, short_abandon_seconds=5, zone=SHANGHAI)
T0 = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)          # 09:00 in Shanghai


def call(n: int, queue: str, *, wait: float, answered: bool, talk: int | None = None, tier: str = "vip",
         agent: int | None = None, status: str | None = None, survey: int | None = None,
         outcome: str | None = None, at: datetime = T0) -> dict:
    queued = at + timedelta(minutes=n)
    end = queued + timedelta(seconds=wait)
    return {"id": f"i{n}", "queue": queue, "customer_type": tier, "queued_at": queued, "started_at": queued,
            "answered_at": end if answered else None,
            "ended_at": end + timedelta(seconds=talk or 0) if answered else end,
            "status": status or ("completed" if answered else "abandoned"), "talk_seconds": talk,
            "agent_id": agent if answered else None, "survey_score": survey, "outcome": outcome}


CALLS = [
    call(1, "vip", wait=4, answered=True, talk=100, agent=7, survey=5, outcome="resolved"),   # in SL
    call(2, "vip", wait=20, answered=True, talk=200, agent=7, survey=3),                       # at T: in SL
    call(3, "vip", wait=45, answered=True, talk=60, agent=8),                                  # late
    call(4, "vip", wait=3, answered=False),                                                    # short abandon
    call(5, "vip", wait=30, answered=False),                                                   # abandoned
    call(6, "standard", wait=10, answered=True, talk=90, tier="individual", agent=8, outcome="resolved"),
    call(7, "standard", wait=5, answered=False, tier="individual", status="left"),             # 5 s: not short
]


def test_per_queue_figures_are_the_hand_computed_ones():
    vip = figures(aggregate(CALLS, "queue", RULES)["vip"], RULES)
    # offered 5, short 1 -> base 4; answered within 20 s: 2 -> SL 0.5; abandoned 1 -> 0.25
    assert (vip["offered"], vip["answered"], vip["abandoned"], vip["short_abandoned"]) == (5, 3, 1, 1)
    assert vip["sl"] == 0.5 and vip["sl_ok"] is False
    assert vip["abandon_rate"] == 0.25
    assert vip["asa"] == 23.0                 # (4 + 20 + 45) / 3
    assert vip["aht"] == 120.0                # (100 + 200 + 60) / 3
    assert vip["survey_avg"] == 4.0 and vip["surveys"] == 2
    assert vip["outcomes"] == {"resolved": 1}
    assert vip["missing_outcomes"] == 2           # calls 2 and 3 were answered and never dispositioned
    std = figures(aggregate(CALLS, "queue", RULES)["standard"], RULES)
    assert (std["offered"], std["answered"], std["abandoned"], std["sl"], std["abandon_rate"]) == (2, 1, 1, 0.5, 0.5)


def test_by_agent_tier_day_and_hour():
    agents = aggregate(CALLS, "agent", RULES)
    assert {k: v.answered for k, v in agents.items() if k is not None} == {7: 2, 8: 2}
    tiers = aggregate(CALLS, "tier", RULES)
    assert tiers["vip"].offered == 5 and tiers["individual"].offered == 2
    days = aggregate(CALLS, "day", RULES)
    assert list(days) == ["2024-05-06"] and days["2024-05-06"].offered == 7
    late = call(9, "vip", wait=1, answered=True, at=datetime(2024, 5, 6, 16, 30, tzinfo=UTC))   # 00:39 next day
    assert group_key(late, "day", SHANGHAI) == "2024-05-07"
    assert group_key(late, "hour", SHANGHAI) == "2024-05-07 00:00"
    assert group_key(late, "hour_of_day", SHANGHAI) == 0


def test_hour_of_day_folds_the_days_of_a_range_into_24_local_hours():
    morning = [call(20 + i, "vip", wait=1, answered=True, at=datetime(2024, 5, 6 + i, 1, 10, tzinfo=UTC))
               for i in range(3)]                                  # 09:10 in Shanghai on three days
    hours = aggregate(morning, "hour_of_day", RULES)
    assert list(hours) == [9] and hours[9].offered == 3 and hours[9].answered_in_sl == 3


def test_empty_groups_have_no_ratios_and_unfinished_calls_do_not_count():
    ringing = {**call(1, "vip", wait=3, answered=True), "status": "answered", "ended_at": None}
    assert contribution(ringing, RULES).offered == 0
    menu = {**call(2, "vip", wait=1, answered=False), "status": "ivr_hangup"}
    assert contribution(menu, RULES).offered == 0
    f = figures(aggregate([], "queue", RULES).get("vip") or contribution(ringing, RULES), RULES)
    assert f["sl"] is None and f["asa"] is None and f["abandon_rate"] is None


@pytest.mark.parametrize("short", [0, 5])
def test_short_abandon_cut_off(short):
    rules = Rules(20, 0.8, short, SHANGHAI)
    t = contribution(call(1, "vip", wait=3, answered=False), rules)
    assert (t.abandoned, t.short_abandoned) == ((1, 0) if short == 0 else (0, 1))


def test_live_totals_follow_updates_and_restart_from_the_store():
    now = [T0 + timedelta(hours=2)]
    live = LiveMetrics(RULES, lambda: now[0])
    for rec in CALLS:
        assert live.record(rec["id"], {k: v for k, v in rec.items() if k != "outcome"})
    assert figures(live.group("queue", "vip"), RULES)["sl"] == 0.5
    # A survey arrives after the call: the call is counted once, the score added.
    assert live.record("i3", {"survey_score": 1})
    vip = figures(live.group("queue", "vip"), RULES)
    assert vip["offered"] == 5 and vip["survey_avg"] == 3.0
    assert live.group("agent", 8).answered == 2
    assert live.group("agent", 8).missing_outcomes == 2        # the outcomes were left out above
    assert live.record("i6", {"outcome": "resolved"})            # saved later: no longer missing
    assert live.group("agent", 8).missing_outcomes == 1
    # Calls not finished yet are not counted; a restart reloads what the store holds.
    assert not live.record("x", {"queue": "vip", "status": "queued", "queued_at": T0})
    again = LiveMetrics(RULES, lambda: now[0])
    assert again.load(live.records()) == len(CALLS)
    assert figures(again.group("queue", "vip"), RULES) == vip
    # A new local day starts from zero.
    now[0] = T0 + timedelta(days=1)
    assert live.group("queue", "vip").offered == 0


def test_a_call_between_two_ladder_steps_is_not_counted_and_counts_once_in_its_last_queue():
    """An overflow out of vip is neither answered nor abandoned in vip (README "Metrics")."""
    live = LiveMetrics(RULES, lambda: T0)
    queued = T0 + timedelta(seconds=1)
    between = {"queue": "vip", "status": "left", "queued_at": queued, "started_at": queued,
               "answered_at": None, "ended_at": None, "customer_type": "vip"}
    assert contribution(between, RULES).empty() and not live.record("ix", between)
    live.record("ix", {**between, "queue": "standard", "status": "queued"})
    answered = queued + timedelta(seconds=35)         # 30 s in vip + 5 s in standard
    assert live.record("ix", {**between, "queue": "standard", "status": "completed", "answered_at": answered,
                              "ended_at": answered + timedelta(seconds=60), "agent_id": 8, "talk_seconds": 60})
    assert live.group("queue", "vip").offered == 0
    std = figures(live.group("queue", "standard"), RULES)
    assert (std["offered"], std["answered"], std["abandoned"], std["answered_in_sl"]) == (1, 1, 0, 0)
    assert std["asa"] == 35.0                       # the wait the caller felt, from the first queue

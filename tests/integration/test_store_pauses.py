"""Pause periods in the store and the agent report's time over each pause code's limit."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


from callcenter.metrics import Rules
from callcenter.settings import Settings
from crm_bridge import reports
from crm_bridge.pauses import PauseLog, open_pauses, pause_rows
from crm_bridge.store import Store

pytest_plugins = ["tests.integration.pg"]

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)       # 10:00 in Shanghai


async def test_periods_open_close_and_a_restart_continues_the_same_code(store: Store) -> None:
    agent = (await store.agent_by_login("1001")).id
    log = PauseLog(store)
    await log.pause_started(agent, "break", T0, 900)
    await log.pause_started(agent, "break", T0 + timedelta(minutes=5), 900)      # seen again after a restart
    await log.pause_started(agent, "lunch", T0 + timedelta(minutes=20), 3600)    # code changed: break ends
    assert await open_pauses(store) == [(agent, "lunch", T0 + timedelta(minutes=20))]   # read at start-up
    await log.pause_ended(agent, T0 + timedelta(minutes=90))
    assert await open_pauses(store) == []
    rows = sorted(await pause_rows(store, T0 - timedelta(hours=1), T0 + timedelta(hours=3)),
                  key=lambda r: r["started_at"])
    assert [(r["reason"], r["started_at"], r["ended_at"], r["limit_seconds"]) for r in rows] == [
        ("break", T0, T0 + timedelta(minutes=20), 900),
        ("lunch", T0 + timedelta(minutes=20), T0 + timedelta(minutes=90), 3600)]


async def test_the_agent_report_counts_minutes_over_the_limit(store: Store) -> None:
    agent = (await store.agent_by_login("1001")).id
    log = PauseLog(store)
    await log.pause_started(agent, "break", T0, 900)                             # 20 min: 5 over
    await log.pause_ended(agent, T0 + timedelta(minutes=20))
    await log.pause_started(agent, "training", T0 + timedelta(minutes=30), None)  # no limit: never over
    await log.pause_ended(agent, T0 + timedelta(minutes=130))
    rules = Rules.of(Settings())
    result = await reports.report(store, rules, date(2026, 12, 7), date(2026, 12, 7), "agent", T0 + timedelta(hours=5))
    (row,) = [r for r in result["rows"] if r["key"] == agent]
    assert (row["paused_minutes"], row["pause_over_minutes"]) == (120.0, 5.0)
    assert result["total"]["pause_over_minutes"] == 5.0
    cells = reports.csv_cells(result)
    assert "pause_over_minutes" in cells[0]
    by_queue = await reports.report(store, rules, date(2026, 12, 7), date(2026, 12, 7), "queue", T0 + timedelta(hours=5))
    assert all("pause_over_minutes" not in r for r in by_queue["rows"])

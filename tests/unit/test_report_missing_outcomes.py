"""The agent report counts answered calls without an outcome per agent (and per any other grouping)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.metrics import Rules
from crm_bridge.reports import missing_outcomes

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def rec(agent_id, *, answered=True, outcome=None, queue="vip"):
    return {"agent_id": agent_id, "queue": queue, "started_at": T0, "queued_at": T0,
            "answered_at": T0 + timedelta(seconds=5) if answered else None, "outcome": outcome}


def test_answered_calls_without_an_outcome_are_counted_per_agent():
    records = [rec(1), rec(1), rec(1, outcome="resolved"), rec(2), rec(None, answered=False), rec(2, answered=False)]
    assert missing_outcomes(records, "agent", Rules()) == {1: 2, 2: 1}
    assert missing_outcomes(records, "queue", Rules()) == {"vip": 3}

"""Pending wrap-ups in the database: answered calls without an outcome, per agent, until saved."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_bridge.models import Agent
from crm_bridge.store import Disposition, Store

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'cc.db'}")
    await store.open()
    async with store.sessions() as session:
        session.add_all([Agent(login="1001", name="李娜", interface="Local/1001@agent-phones/n", queues=["vip"]),
                         Agent(login="1002", name="王伟", interface="Local/1002@agent-phones/n", queues=["vip"])])
        await session.commit()
    yield store
    await store.close()


def call(n: int, agent_id: int | None, *, answered: bool = True) -> tuple[str, dict]:
    start = T0 + timedelta(minutes=n)
    return f"ix{n}", {"call_id": f"c{n}", "agent_id": agent_id, "status": "completed" if answered else "abandoned",
                      "queue": "vip", "caller_number": f"13800000{n:03d}", "started_at": start,
                      "answered_at": start + timedelta(seconds=5) if answered else None,
                      "ended_at": start + timedelta(seconds=65)}


async def test_answered_calls_stay_pending_until_their_outcome_is_saved(store: Store) -> None:
    agent = await store.agent_by_login("1001")
    other = await store.agent_by_login("1002")
    assert agent and other
    await store.record_interactions([call(2, agent.id), call(1, agent.id), call(3, other.id),
                                     call(4, None, answered=False)])
    pending, saved = await store.pending_wrapups(agent.id, also=["ix1", "ix9"])
    assert [p["interaction_id"] for p in pending] == ["ix1", "ix2"]        # oldest first, only theirs
    assert pending[0]["call_id"] == "c1" and pending[0]["queue"] == "vip" and saved == set()
    assert await store.missing_outcomes() == {agent.id: 2, other.id: 1}

    await store.save_disposition(Disposition("ix1", "c1", agent.id, "resolved"))
    pending, saved = await store.pending_wrapups(agent.id, also=["ix1"])
    assert [p["interaction_id"] for p in pending] == ["ix2"] and saved == {"ix1"}
    assert await store.missing_outcomes(since=T0 + timedelta(minutes=2)) == {agent.id: 1, other.id: 1}


async def test_only_the_agent_s_own_answered_call_is_savable_from_the_database(store: Store) -> None:
    agent = await store.agent_by_login("1001")
    other = await store.agent_by_login("1002")
    assert agent and other
    await store.record_interactions([call(1, agent.id), call(4, agent.id, answered=False)])
    assert await store.savable_wrapup(agent.id, "ix1", "c1") == {"interaction_id": "ix1", "call_fields": {}}
    assert await store.savable_wrapup(other.id, "ix1", "c1") is None       # not theirs
    assert await store.savable_wrapup(agent.id, "ix1", "c9") is None       # another call's id
    assert await store.savable_wrapup(agent.id, "ix4", "c4") is None       # never answered

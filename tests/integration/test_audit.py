"""Supervisor and agent actions leave an audit entry (who, what, when, before/after), committed with the
change itself: the "closed now" switch of a queue, a complaint's move, an agent's presence, an outcome
saved at wrap-up. On SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from callcenter.errors import ValidationFailed
from callcenter.settings import Settings
from callcenter.switches import QueueSwitches
from crm_bridge import seed
from crm_bridge.store import ComplaintInput, Disposition, Store

pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    yield store
    await store.close()


async def _agent_id(store: Store, login: str) -> int:
    agent = await store.agent_by_login(login)
    assert agent is not None
    return agent.id


async def test_a_supervisor_closing_and_reopening_a_queue_is_audited(store: Store) -> None:
    switches = QueueSwitches(Settings(), store)
    await switches.load()
    await switches.set("vip", True, by="9001", reason="台风 typhoon")
    await switches.set("vip", False, by="9001")
    reopened, closed = await store.audit_entries(entity="queue", entity_id="vip")
    supervisor = await _agent_id(store, "9001")
    assert (closed["action"], closed["actor_login"], closed["actor_agent_id"]) == ("queue.switch", "9001", supervisor)
    assert (closed["before"], closed["after"]) == (None, {"closed": True, "reason": "台风 typhoon"})
    assert (reopened["before"], reopened["after"]) == ({"closed": True, "reason": "台风 typhoon"},
                                                       {"closed": False, "reason": ""})
    assert reopened["at"] >= closed["at"]


async def test_moving_a_complaint_is_audited_with_its_actor_and_a_refused_move_is_not(store: Store) -> None:
    owner = await _agent_id(store, "1005")
    card = (await store.identify(seed.DEMO_INDIVIDUAL_NUMBER))[0]
    saved = await store.save_disposition(Disposition(
        str(uuid.uuid4()), "c-1", owner, "complaint_logged",
        complaint=ComplaintInput("billing", "high", "charged twice"), call_fields={"customer_id": card["customer_id"]}))
    cid = saved.complaint_id
    assert cid is not None
    await store.advance_complaint(cid, "in_progress", actor_login="1005", actor_agent_id=owner)
    await store.advance_complaint(cid, "resolved")                       # a job, no person: "system"
    with pytest.raises(ValidationFailed):
        await store.advance_complaint(cid, "open", actor_login="9001")
    resolved, started = await store.audit_entries(entity="complaint", entity_id=cid)
    assert (started["action"], started["actor_login"], started["actor_agent_id"]) == ("complaint.advance", "1005", owner)
    assert started["before"] == {"status": "open"} and started["after"]["status"] == "in_progress"
    assert (resolved["actor_login"], resolved["before"], resolved["after"]["status"]) == (
        "system", {"status": "in_progress"}, "resolved")
    assert resolved["after"]["resolved_at"] is not None
    assert await store.audit_entries(actor_login="9001") == []


async def test_an_agent_s_presence_changes_are_audited_once_each(store: Store) -> None:
    agent = await _agent_id(store, "1002")
    await store.set_presence(agent, "available")
    await store.set_presence(agent, "paused", "lunch")
    await store.set_presence(agent, "paused", "lunch")                 # re-told after a restart: no change
    await store.set_presence(agent, "logged_out", actor_login="9001", actor_agent_id=await _agent_id(store, "9001"))
    entries = await store.audit_entries(entity="agent", entity_id=agent)
    assert [(e["action"], e["actor_login"], e["before"]["presence"], e["after"]) for e in reversed(entries)] == [
        ("agent.presence", "1002", "unknown", {"presence": "available", "reason": ""}),
        ("agent.presence", "1002", "available", {"presence": "paused", "reason": "lunch"}),
        ("agent.presence", "9001", "paused", {"presence": "logged_out", "reason": ""}),
    ]
    assert entries[-1]["actor_agent_id"] == agent


async def test_an_outcome_saved_at_wrap_up_is_audited_and_a_correction_shows_before_and_after(store: Store) -> None:
    agent = await _agent_id(store, "1003")
    interaction_id = str(uuid.uuid4())
    await store.save_disposition(Disposition(interaction_id, "c-9", agent, "info_given", notes="rates"))
    await store.save_disposition(Disposition(interaction_id, "c-9", agent, "info_given", notes="rates"))  # retried
    await store.save_disposition(Disposition(interaction_id, "c-9", agent, "sale", notes="rates, then a card"))
    corrected, first = await store.audit_entries(entity="interaction", entity_id=interaction_id)
    assert (first["action"], first["actor_login"], first["actor_agent_id"]) == ("interaction.disposition", "1003", agent)
    assert (first["before"], first["after"]) == (None, {"outcome": "info_given", "notes": "rates"})
    assert (corrected["before"], corrected["after"]) == ({"outcome": "info_given", "notes": "rates"},
                                                         {"outcome": "sale", "notes": "rates, then a card"})

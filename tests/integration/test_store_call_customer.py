"""The customer of a call stored from the desk (issue 10) on SQLite and PostgreSQL: the interaction
row gets the customer (created if the recorder has not written it yet, kept when it later writes
its facts), audited; an unknown customer is refused."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from callcenter.errors import NotFound
from crm_bridge import seed
from crm_bridge.store import Store

pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    yield store
    await store.close()


async def test_the_chosen_customer_goes_on_the_row_before_and_after_the_recorder(store: Store) -> None:
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    agent_id = (await store.agent_by_login("1001")).id
    wang = await store.add_customer("王强", customer_type="family", value_class="non_named", phones=["01088887777"])
    zhao = await store.add_customer("赵磊", customer_type="individual", phones=["13999999998"])

    card = await store.set_call_customer(interaction_id="ix1", call_id="c1", customer_id=wang,
                                         actor_login="1001", actor_agent_id=agent_id)
    assert card["customer_id"] == wang and card["name"] == "王强"
    row = await store.interaction("ix1")
    assert (row["customer_id"], row["customer_type"], row["value_class"]) == (wang, "family", "non_named")

    # The recorder writes the call's facts afterwards; then the agent changes their mind.
    await store.record_interactions([("ix1", {"call_id": "c1", "caller_number": "+861088886666", "status": "answered",
                                              "started_at": datetime(2026, 12, 7, 9, tzinfo=UTC)})])
    await store.set_call_customer(interaction_id="ix1", call_id="c1", customer_id=zhao,
                                  actor_login="1001", actor_agent_id=agent_id)
    row = await store.interaction("ix1")
    assert row["customer_id"] == zhao and row["status"] == "answered" and row["caller_number"] == "+861088886666"
    entries = await store.audit_entries(entity="interaction", entity_id="ix1")
    assert [(e["action"], e["before"], e["after"]) for e in entries][:2] == [
        ("interaction.customer", {"customer_id": wang}, {"customer_id": zhao}),
        ("interaction.customer", {"customer_id": None}, {"customer_id": wang})]


async def test_an_unknown_customer_is_refused(store: Store) -> None:
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    agent_id = (await store.agent_by_login("1001")).id
    with pytest.raises(NotFound):
        await store.set_call_customer(interaction_id="ix1", call_id="c1", customer_id=424242,
                                      actor_login="1001", actor_agent_id=agent_id)
    assert await store.interaction("ix1") is None

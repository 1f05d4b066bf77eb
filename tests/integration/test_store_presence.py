"""What an agent asked for (available / paused with a reason / logged out) is kept in the store."""
from __future__ import annotations


import pytest

from callcenter.errors import ValidationFailed
from crm_bridge.store import Store

pytest_plugins = ["tests.integration.pg"]


async def test_presence_round_trips_and_starts_unknown(store: Store):
    agent = await store.agent_by_login("1001")
    assert (agent.presence, agent.presence_reason) == ("unknown", "")
    await store.set_presence(agent.id, "paused", "lunch")
    again = await store.agent_by_login("1001")
    assert (again.presence, again.presence_reason) == ("paused", "lunch")
    listed = {a.login: a for a in await store.list_agents()}
    assert listed["1001"].presence == "paused"


async def test_an_unknown_presence_is_refused(store: Store):
    agent = await store.agent_by_login("1001")
    with pytest.raises(ValidationFailed):
        await store.set_presence(agent.id, "sleeping")


async def test_a_customer_language_is_remembered(store: Store):
    from crm_bridge.seed import DEMO_VIP_NUMBER

    (card,) = (await store.identify(DEMO_VIP_NUMBER))[:1]
    await store.set_customer_language(card["customer_id"], "en")
    assert (await store.identify(DEMO_VIP_NUMBER))[0]["language"] == "en"
    with pytest.raises(ValidationFailed):
        await store.set_customer_language(card["customer_id"], "fr")

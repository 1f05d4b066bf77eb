"""Complaint work-flow through the store: open -> in_progress -> resolved -> confirmed -> closed."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from callcenter.errors import NotFound, ValidationFailed
from crm_bridge import seed
from crm_bridge.store import ComplaintInput, Disposition, Store

# One throwaway PostgreSQL server for the whole run (a plugin, not a per-module import).
pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    yield store
    await store.close()


async def _file_complaint(store: Store, login: str = "1005") -> int:
    agent = await store.agent_by_login(login)
    assert agent is not None
    card = (await store.identify(seed.DEMO_INDIVIDUAL_NUMBER))[0]
    result = await store.save_disposition(Disposition(
        str(uuid.uuid4()), "c-1", agent.id, "complaint_logged",
        complaint=ComplaintInput("service_attitude", "medium", "agent hung up on me"),
        call_fields={"customer_id": card["customer_id"]},
    ))
    assert result.complaint_id is not None
    return result.complaint_id


async def test_callback_visit_path_to_closed(store: Store) -> None:
    cid = await _file_complaint(store)
    for status in ("in_progress", "resolved", "in_progress", "resolved", "confirmed", "closed"):
        updated = await store.advance_complaint(cid, status)
        assert updated["status"] == status
    assert updated["updated_at"] >= updated["created_at"]
    card = (await store.identify(seed.DEMO_INDIVIDUAL_NUMBER))[0]
    assert cid not in [c["id"] for c in card["open_complaints"]]      # closed: off the card


async def test_illegal_transition_names_the_current_state(store: Store) -> None:
    cid = await _file_complaint(store)
    with pytest.raises(ValidationFailed) as exc:
        await store.advance_complaint(cid, "closed")
    assert "open" in exc.value.message and "status" in exc.value.details["fields"]
    with pytest.raises(ValidationFailed):
        await store.advance_complaint(cid, "escalated")
    with pytest.raises(NotFound):
        await store.advance_complaint(987654, "resolved")
    assert (await store.list_complaints(customer_id=None, status="open", owner_agent_id=None))[0]["id"] == cid


async def test_list_complaints_filters(store: Store) -> None:
    cid = await _file_complaint(store, login="1006")
    owner = await store.agent_by_login("1006")
    assert owner is not None
    mine = await store.list_complaints(owner_agent_id=owner.id)
    assert [c["id"] for c in mine] == [cid]
    assert (mine[0]["owner_login"], mine[0]["owner_name"], mine[0]["customer_name"]) == ("1006", "陈静", "刘强")
    open_ones = await store.list_complaints(status=("open", "in_progress"))
    assert cid in [c["id"] for c in open_ones] and all(c["status"] in ("open", "in_progress") for c in open_ones)
    assert {c["severity"] for c in await store.list_complaints(status="in_progress")} >= {"critical"}
    with pytest.raises(ValidationFailed):
        await store.list_complaints(status="lost")

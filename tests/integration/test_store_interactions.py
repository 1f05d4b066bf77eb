"""Interaction rows and dispositions against a real database (SQLite file and PostgreSQL)."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import exc as sa_exc

from callcenter.errors import StoreUnavailable, ValidationFailed
from crm_bridge import interactions
from crm_bridge.store import AgentRecord, ComplaintInput, Disposition, Store

BEIJING = timezone(timedelta(hours=8))

# One throwaway PostgreSQL server for the whole run (a plugin, not a per-module import).
pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def agent(store: Store) -> AgentRecord:
    from crm_bridge.models import Agent

    async with store.sessions() as session:
        session.add(Agent(login="1001", name="王伟", interface="Local/1001@agent-phones/n", queues=["vip", "standard"]))
        await session.commit()
    found = await store.agent_by_login("1001")
    assert found is not None
    return found


@pytest.fixture
async def customer_id(store: Store) -> int:
    return await store.add_customer("李娜", customer_type="vip", value_class="major", phones=["13800000001"])


def _id() -> str:
    return str(uuid.uuid4())


async def test_recorder_upsert_never_overwrites_the_disposition(
    store: Store, agent: AgentRecord, customer_id: int
) -> None:
    iid = _id()
    t0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    await store.record_interactions([(iid, {"call_id": "1714550400.1", "status": "queued", "queue": "vip",
                                            "customer_id": customer_id, "started_at": t0, "queued_at": t0})])
    await store.save_disposition(Disposition(iid, "1714550400.1", agent.id, "resolved", notes="账单已核对"))
    # The recorder's late rows: new facts land, the outcome and notes stay.
    await store.record_interactions([
        (iid, {"status": "completed", "agent_id": agent.id, "talk_seconds": 95, "ended_at": t0 + timedelta(minutes=3)}),
    ])
    row = await store.interaction(iid)
    assert row is not None
    assert (row["status"], row["talk_seconds"], row["queue"], row["customer_id"]) == (
        "completed", 95, "vip", customer_id)
    assert (row["outcome"], row["notes"]) == ("resolved", "账单已核对")
    assert row["disposition_at"] is not None
    assert (row["customer_name"], row["agent_name"], row["agent_login"]) == ("李娜", "王伟", "1001")


async def test_batch_inserts_and_updates_many_rows_in_one_call(store: Store, agent: AgentRecord) -> None:
    a, b, c = _id(), _id(), _id()
    await store.record_interactions([(a, {"status": "ivr", "caller_number": "+8613800000001"}),
                                     (b, {"status": "queued", "queue": "standard"})])
    await store.record_interactions([(a, {"status": "queued", "queue": "vip", "priority": 10}),
                                     (b, {"status": "abandoned", "hold_seconds": 42}),
                                     (c, {"status": "ivr_hangup", "ivr_failed": True, "ivr_digits": ("1", "9")}),
                                     (a, {"status": "ringing", "agent_id": agent.id})])
    rows = {r["id"]: r for r in await store.recent_interactions(10)}
    ra = rows[a]
    assert (ra["status"], ra["queue"], ra["priority"], ra["caller_number"], ra["agent_id"]) == (
        "ringing", "vip", 10, "+8613800000001", agent.id)
    assert (rows[b]["status"], rows[b]["hold_seconds"], rows[b]["queue"]) == ("abandoned", 42, "standard")
    assert (rows[c]["status"], rows[c]["ivr_failed"], rows[c]["ivr_digits"]) == ("ivr_hangup", True, "1,9")
    assert rows[a]["outcome"] is None
    assert [r["id"] for r in await store.recent_interactions(10, agent_id=agent.id)] == [a]
    assert [r["id"] for r in await store.recent_interactions(10, status="abandoned")] == [b]


async def test_bad_batch_writes_nothing_and_names_the_field(store: Store) -> None:
    good, bad = _id(), _id()
    with pytest.raises(ValidationFailed) as exc:
        await store.record_interactions([(good, {"status": "queued"}), (bad, {"status": "teleported"}),
                                         (bad, {"outcome": "resolved"})])
    assert set(exc.value.details["fields"]) == {f"{bad}.status", f"{bad}.outcome"}
    assert await store.interaction(good) is None


async def test_disposition_with_complaint_commits_both(store: Store, agent: AgentRecord, customer_id: int) -> None:
    iid = _id()
    result = await store.save_disposition(Disposition(
        iid, "c-1", agent.id, "complaint_logged", notes="客户要求退款",
        complaint=ComplaintInput("billing", "high", "月账单多扣了 88 元"),
        call_fields={"customer_id": customer_id, "queue": "vip", "caller_number": "+8613800000001"},
    ))
    assert result.interaction_id == iid and result.complaint_id is not None
    row = await store.interaction(iid)
    assert row is not None
    assert (row["outcome"], row["notes"], row["queue"], row["agent_id"], row["status"]) == (
        "complaint_logged", "客户要求退款", "vip", agent.id, "completed")
    [complaint] = row["complaints"]
    assert complaint["id"] == result.complaint_id
    assert (complaint["status"], complaint["owner_agent_id"], complaint["customer_id"], complaint["severity"]) == (
        "open", agent.id, customer_id, "high")
    card = (await store.identify("13800000001"))[0]
    assert [c["id"] for c in card["open_complaints"]] == [result.complaint_id]
    assert card["recent"][0]["outcome"] == "complaint_logged"


async def test_saving_the_same_disposition_twice_files_one_complaint(store: Store, agent: AgentRecord) -> None:
    d = Disposition(_id(), "c-2", agent.id, "complaint_logged",
                    complaint=ComplaintInput("network", "medium", "no signal"))
    first = await store.save_disposition(d)
    again = await store.save_disposition(d)
    assert first == again
    row = await store.interaction(d.interaction_id)
    assert row is not None and len(row["complaints"]) == 1


async def test_disposition_fills_only_missing_call_facts(store: Store, agent: AgentRecord) -> None:
    iid = _id()
    await store.record_interactions([(iid, {"status": "answered", "queue": "vip"})])
    late_facts = {"queue": "standard", "status": "completed", "talk_seconds": 61}
    await store.save_disposition(Disposition(iid, "c-3", agent.id, "resolved", call_fields=late_facts))
    row = await store.interaction(iid)
    assert row is not None
    assert (row["queue"], row["status"], row["talk_seconds"], row["call_id"], row["agent_id"]) == (
        "vip", "answered", 61, "c-3", agent.id)


async def test_disposition_survives_a_concurrent_recorder_for_the_same_call(store: Store, agent: AgentRecord) -> None:
    ids = [_id() for _ in range(12)]

    async def recorder(iid: str) -> None:
        await store.record_interactions([(iid, {"call_id": f"call-{iid}", "status": "completed", "talk_seconds": 30,
                                                "queue": "standard"})])

    async def wrap_up(iid: str) -> None:
        await store.save_disposition(Disposition(iid, f"call-{iid}", agent.id, "resolved", notes="ok",
                                                 complaint=ComplaintInput("fees", "low", "fee question")))

    jobs = []
    for n, iid in enumerate(ids):
        # Both orders, all at the same time.
        jobs += [recorder(iid), wrap_up(iid)] if n % 2 else [wrap_up(iid), recorder(iid)]
    await asyncio.wait_for(asyncio.gather(*jobs), timeout=60)
    for iid in ids:
        row = await store.interaction(iid)
        assert row is not None
        assert (row["outcome"], row["notes"], row["talk_seconds"], row["status"]) == ("resolved", "ok", 30, "completed")
        assert len(row["complaints"]) == 1


async def test_disposition_retries_once_after_an_integrity_error(
    store: Store, agent: AgentRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = interactions.upsert_disposition
    calls = 0

    async def racing(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:     # what a concurrent insert of the same primary key looks like
            raise sa_exc.IntegrityError("INSERT INTO interactions ...", {}, Exception("duplicate key"))
        return await real(*args, **kwargs)

    monkeypatch.setattr(interactions, "upsert_disposition", racing)
    iid = _id()
    result = await store.save_disposition(Disposition(iid, "c-4", agent.id, "resolved",
                                                      complaint=ComplaintInput("app", "low", "login fails")))
    assert calls == 2
    row = await store.interaction(iid)
    assert row is not None and row["outcome"] == "resolved"
    assert [c["id"] for c in row["complaints"]] == [result.complaint_id]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"outcome": ""}, "outcome"),
    ({"outcome": "x" * 65}, "outcome"),
    ({"notes": "n" * 4001}, "notes"),
    ({"complaint": ComplaintInput("billing", "catastrophic", "x")}, "complaint.severity"),
    ({"complaint": ComplaintInput(" ", "low", "x")}, "complaint.category"),
    ({"complaint": ComplaintInput("billing", "low", "")}, "complaint.description"),
    ({"agent_id": 424242}, "agent_id"),
    ({"call_fields": {"customer_type": "platinum"}}, "call_fields.customer_type"),
])
async def test_invalid_disposition_names_the_field_and_writes_nothing(
    store: Store, agent: AgentRecord, overrides: dict, field: str
) -> None:
    values: dict = {"interaction_id": _id(), "call_id": "c-5", "agent_id": agent.id, "outcome": "resolved"}
    values.update(overrides)
    with pytest.raises(ValidationFailed) as exc:
        await store.save_disposition(Disposition(**values))
    assert field in exc.value.details["fields"]
    assert await store.interaction(values["interaction_id"]) is None


async def test_datetimes_come_back_aware_utc(store: Store, agent: AgentRecord) -> None:
    iid = _id()
    beijing_morning = datetime(2024, 5, 1, 9, 30, tzinfo=BEIJING)
    await store.record_interactions([(iid, {"started_at": beijing_morning,
                                            "answered_at": datetime(2024, 5, 1, 1, 31),      # naive = UTC
                                            "ended_at": datetime(2024, 5, 1, 1, 35, tzinfo=UTC)})])
    await store.save_disposition(Disposition(iid, "c-6", agent.id, "resolved",
                                             complaint=ComplaintInput("app", "low", "x")))
    row = await store.interaction(iid)
    assert row is not None
    for key in ("started_at", "answered_at", "ended_at", "disposition_at"):
        assert row[key].tzinfo is not None and row[key].utcoffset() == timedelta(0), key
    assert row["started_at"] == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    assert row["answered_at"] == datetime(2024, 5, 1, 1, 31, tzinfo=UTC)
    assert abs(row["disposition_at"] - datetime.now(UTC)) < timedelta(minutes=5)
    assert row["complaints"][0]["created_at"].utcoffset() == timedelta(0)


async def test_unknown_interaction_is_none(store: Store) -> None:
    assert await store.interaction("no-such-call") is None


async def test_closed_or_unreachable_store_is_unavailable(store: Store) -> None:
    missing_dir = Store("sqlite+aiosqlite:////nonexistent-dir/x/crm.db")
    with pytest.raises(StoreUnavailable):
        await missing_dir.identify("13800000001")            # never opened
    with pytest.raises(StoreUnavailable) as exc:
        await missing_dir.open()                             # the directory does not exist
    assert exc.value.error_id == "store-unavailable"
    with pytest.raises(StoreUnavailable):
        await Store("postgresql+asyncpg://nobody@127.0.0.1:1/crm").open()     # nothing listens there
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.identify("13800000001")
    with pytest.raises(StoreUnavailable):
        await store.save_disposition(Disposition(_id(), "c-7", 1, "resolved"))

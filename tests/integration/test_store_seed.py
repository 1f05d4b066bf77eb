"""The demo data set: idempotent, every tier covered, the documented logins and numbers work."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import func, select

from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES
from crm_bridge import seed
from crm_bridge.models import Agent, Complaint, Customer, Interaction
from crm_bridge.passwords import verify_password
from crm_bridge.store import Store

# One throwaway PostgreSQL server for the whole run (a plugin, not a per-module import).
pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    yield store
    await store.close()


async def _count(store: Store, column: object) -> int:
    async with store.connect() as conn:
        return int((await conn.execute(select(func.count(column)))).scalar_one())


async def test_seed_is_idempotent(store: Store) -> None:
    first = await seed.seed_demo(store)
    assert first.created and first.customers == 200
    counts = [await _count(store, c) for c in (Agent.id, Customer.id, Interaction.id, Complaint.id)]
    again = await seed.seed_demo(store, customers=500, seed=99)
    assert not again.created
    assert [await _count(store, c) for c in (Agent.id, Customer.id, Interaction.id, Complaint.id)] == counts
    assert again.logins == first.logins and again.sample_numbers == first.sample_numbers


async def test_every_customer_type_and_value_class_is_covered(store: Store) -> None:
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    async with store.connect() as conn:
        tiers = set((await conn.execute(select(Customer.customer_type, Customer.value_class).distinct())).all())
        majors = (await conn.execute(
            select(Customer.account_manager_id).where(Customer.value_class == "major"))).scalars().all()
        non_majors = (await conn.execute(
            select(Customer.account_manager_id).where(Customer.value_class != "major"))).scalars().all()
        credit = set((await conn.execute(select(Customer.credit_status))).scalars())
        languages = set((await conn.execute(select(Customer.language))).scalars())
    assert tiers == set(product(CUSTOMER_TYPES, VALUE_CLASSES))
    assert majors and all(m is not None for m in majors)          # a dedicated account manager each
    assert all(m is None for m in non_majors)
    assert credit == {"normal", "suspended"} and languages == {"zh", "en"}
    with pytest.raises(ValueError):
        await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS - 1)


async def test_summary_numbers_identify_the_right_tier(store: Store) -> None:
    summary = await seed.seed_demo(store)
    assert set(summary.sample_numbers) == {*CUSTOMER_TYPES, "unknown"}
    for tier in CUSTOMER_TYPES:
        assert summary.sample_numbers[tier], tier
        for number in summary.sample_numbers[tier]:
            cards = await store.identify(number)
            assert cards and cards[0]["customer_type"] == tier, number
    assert await store.identify(summary.sample_numbers["unknown"][0]) == []
    assert any("demo1001" in line for line in summary.lines())


async def test_documented_logins_and_roles(store: Store) -> None:
    summary = await seed.seed_demo(store)
    agents = {a.login: a for a in await store.list_agents()}
    assert set(agents) == {"1001", "1002", "1003", "1004", "1005", "1006", "9001", "admin"}
    for login in summary.logins:
        record = agents[login.login]
        assert login.password == f"demo{login.login}"
        assert verify_password(record.password_hash, login.password)
        assert not verify_password(record.password_hash, "wrong")
        assert record.role == login.role
    assert agents["1001"].interface == "Local/1001@agent-phones/n"
    assert agents["1001"].queues == ("vip", "standard")
    assert agents["1003"].queues == ("enterprise", "standard")
    assert all("standard" in agents[f"100{n}"].queues for n in range(1, 7))
    assert (agents["9001"].role, agents["admin"].role, agents["admin"].interface) == ("supervisor", "admin", "")
    assert agents["1002"].name == "Emily Chen" and agents["1002"].language == "en"
    by_id = await store.agent_by_id(agents["1001"].id)
    assert by_id == agents["1001"]
    assert await store.agent_by_login("nobody") is None


async def test_fixed_demo_customers(store: Store) -> None:
    await seed.seed_demo(store)
    vip = (await store.identify(seed.DEMO_VIP_NUMBER))[0]
    assert (vip["name"], vip["customer_type"], vip["value_class"], vip["account_manager_login"]) == (
        "李娜", "vip", "major", "1001")
    assert vip["open_complaints"] and len(vip["recent"]) == 5
    # The README's demo story: 李娜's complaint is owned by her account manager, so with config.yaml's
    # complaint rule (owner first) she still rings 1001 directly.
    assert [c["owner_login"] for c in vip["open_complaints"]] == ["1001"]
    complaint = vip["open_complaints"][0]               # high, VIP: 24 h x 0.5 after it was filed
    filed = datetime.fromisoformat(complaint["created_at"])
    assert datetime.fromisoformat(complaint["sla_due_at"]) - filed == timedelta(hours=12)
    assert (await store.identify(seed.DEMO_VIP_EN_NUMBER))[0]["language"] == "en"
    group = (await store.identify(seed.DEMO_GROUP_NUMBER))[0]
    assert (group["customer_type"], group["value_class"], group["account_manager_login"]) == ("group", "major", "1003")
    assert len(await store.identify(seed.DEMO_SHARED_NUMBER)) == 2
    assert (await store.identify(seed.DEMO_INDIVIDUAL_NUMBER))[0]["value_class"] == "mass"
    assert (await store.identify(seed.DEMO_SUSPENDED_NUMBER))[0]["credit_status"] == "suspended"
    assert await store.identify(seed.DEMO_UNKNOWN_NUMBER) == []
    assert (await store.verify_account(seed.DEMO_GROUP_ACCOUNT, seed.DEMO_PIN))["customer_id"] == group["customer_id"]


async def test_same_seed_gives_the_same_data(tmp_path: object) -> None:
    names = []
    for n in range(2):
        store = Store(f"sqlite+aiosqlite:///{tmp_path}/seed{n}.db")
        await store.open()
        await seed.seed_demo(store, customers=60, seed=3)
        async with store.connect() as conn:
            names.append((await conn.execute(select(Customer.name).order_by(Customer.id))).scalars().all())
        await store.close()
    assert names[0] == names[1]

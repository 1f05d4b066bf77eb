"""Customer search, the customer page and contact edits against a real database (SQLite file and PostgreSQL)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from callcenter.errors import NotFound, ValidationFailed
from crm_bridge import seed
from crm_bridge.customer_page import Actor
from crm_bridge.store import Store

pytest_plugins = ["tests.integration.pg"]

LI_NA = 1        # the first fixed customer of the demo seed: 李娜, +8613800000001, account DEMO_VIP_ACCOUNT


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store)
    yield store
    await store.close()


async def names(store: Store, query: str, **paging: object) -> list[str]:
    return [r["name"] for r in (await store.search_customers(query, **paging))["results"]]


async def test_pinyin_initials_find_li_na(store: Store) -> None:
    found = await store.search_customers("ln")
    assert found["results"][0]["name"] == "李娜" and found["results"][0]["match"] == "initials"
    assert "李娜" in await names(store, "LN")
    assert "李娜" not in await names(store, "lna")
    assert "李娜" not in await names(store, "l")      # one letter: whole initials only, not a prefix


@pytest.mark.parametrize("typed", ["+8613800000001", "13800000001", "8613800000001", "008613800000001",
                                   "+86 138-0000-0001", "(138) 0000 0001"])
async def test_a_number_in_any_format_finds_the_customer_first(store: Store, typed: str) -> None:
    first = (await store.search_customers(typed))["results"][0]
    assert (first["name"], first["match"]) == ("李娜", "phone")
    assert {"e164": seed.DEMO_VIP_NUMBER, "kind": "mobile"} in first["phones"]


async def test_landline_with_trunk_prefix_and_trailing_digits(store: Store) -> None:
    assert (await names(store, "010-12345678"))[0] == "北京华信科技有限公司"
    tail = await store.search_customers("5678")
    assert "北京华信科技有限公司" in [r["name"] for r in tail["results"]]
    assert {r["match"] for r in tail["results"]} == {"digits"}
    assert await names(store, "123") == []            # fewer than 4 digits: too vague to search numbers


async def test_name_substring_case_insensitive_and_ranked(store: Store) -> None:
    found = (await store.search_customers("brown"))["results"]
    assert "Michael Brown" in [r["name"] for r in found]
    exact = (await store.search_customers("michael brown"))["results"][0]
    assert (exact["name"], exact["match"], exact["rank"]) == ("Michael Brown", "name", 0)
    ranks = [r["rank"] for r in (await store.search_customers("王"))["results"]]
    assert ranks == sorted(ranks) and ranks


async def test_account_number_and_paging(store: Store) -> None:
    assert await names(store, seed.DEMO_VIP_ACCOUNT) == ["李娜"]
    first = await store.search_customers("co., ltd", limit=3)
    second = await store.search_customers("co., ltd", limit=3, offset=3)
    assert len(first["results"]) == 3 and first["more"]
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


@pytest.mark.parametrize("paging,field", [({"limit": 0}, "limit"), ({"limit": "x"}, "limit"),
                                          ({"limit": 201}, "limit"), ({"offset": -1}, "offset")])
async def test_bad_paging_names_the_field(store: Store, paging: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await store.search_customers("ln", **paging)
    assert field in caught.value.details["fields"]


async def test_odd_queries_do_not_break(store: Store) -> None:
    assert (await store.search_customers(""))["results"] == []
    for query in ("%", "_", "\\", "'; drop table customers; --", "<img src=x onerror=alert(1)>"):
        assert isinstance((await store.search_customers(query))["results"], list)
    with pytest.raises(ValidationFailed) as caught:
        await store.search_customers("x" * 101)
    assert "q" in caught.value.details["fields"]


async def test_customer_page_has_every_history(store: Store) -> None:
    page = await store.customer_page(LI_NA)
    assert page is not None
    customer = page["customer"]
    assert customer["name"] == "李娜" and customer["manager_name"] == "王伟" and customer["has_pin"]
    assert "pin_hash" not in customer
    assert customer["phones"] == [{"e164": seed.DEMO_VIP_NUMBER, "kind": "mobile"}]
    assert len(page["calls"]) == 7
    started = [c["started_at"] for c in page["calls"]]
    assert started == sorted(started, reverse=True)
    assert [c["severity"] for c in page["complaints"]] == ["high"] and "sla_due_at" in page["complaints"][0]
    assert page["follow_ups"] == [] and page["tier_changes"] == []
    assert await store.customer_page(999_999) is None


async def test_contact_edit_is_audited(store: Store) -> None:
    actor = Actor(login="1001", agent_id=1)
    result = await store.update_contact(LI_NA, {
        "email": " li.na@example.com ", "address": "北京市朝阳区建国路 1 号",
        "add_phones": ["139 1234 5678", {"number": "010-88886666", "kind": "landline"}, "+8613912345678"],
    }, actor)
    assert result["changed"]
    contact = result["contact"]
    assert contact["email"] == "li.na@example.com" and contact["address"] == "北京市朝阳区建国路 1 号"
    assert [p["e164"] for p in contact["phones"]] == [seed.DEMO_VIP_NUMBER, "+8613912345678", "+861088886666"]
    # the new number identifies her at once
    assert (await store.identify("13912345678"))[0]["name"] == "李娜"
    entries = await store.audit_entries(entity="customer", entity_id=LI_NA)
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["action"], entry["actor_login"], entry["actor_agent_id"]) == ("customer.update", "1001", 1)
    assert entry["before"]["email"] is None and entry["after"]["email"] == "li.na@example.com"
    assert len(entry["after"]["phones"]) == 3

    removed = await store.update_contact(LI_NA, {"remove_phones": ["+86 139 1234 5678"], "email": ""}, actor)
    assert [p["e164"] for p in removed["contact"]["phones"]] == [seed.DEMO_VIP_NUMBER, "+861088886666"]
    assert removed["contact"]["email"] is None
    assert await store.identify("13912345678") == []
    # the same values again: nothing changes, nothing is audited
    again = await store.update_contact(LI_NA, {"email": "", "add_phones": [seed.DEMO_VIP_NUMBER]}, actor)
    assert not again["changed"]
    assert len(await store.audit_entries(entity="customer", entity_id=LI_NA)) == 2


@pytest.mark.parametrize("changes,fields", [
    ({"email": "not-an-email"}, {"email"}),
    ({"email": "a@b.c" * 100}, {"email"}),
    ({"address": "x" * 401}, {"address"}),
    ({"add_phones": ["hello"]}, {"add_phones[0]"}),
    ({"add_phones": [{"number": "13912345678", "kind": "fax"}]}, {"add_phones[0]"}),
    ({"add_phones": "13912345678"}, {"add_phones"}),
    ({"name": "Mallory"}, {"name"}),
    ({"email": 5, "remove_phones": ["junk"]}, {"email", "remove_phones[0]"}),
    ({"add_phones": ["13912345678"], "remove_phones": ["+8613912345678"]}, {"add_phones"}),
    ({"remove_phones": ["13999990000"]}, {"remove_phones[0]"}),
])
async def test_bad_contact_edits_name_the_fields_and_change_nothing(
        store: Store, changes: dict[str, object], fields: set[str]) -> None:
    before = (await store.customer_page(LI_NA))["customer"]
    with pytest.raises(ValidationFailed) as caught:
        await store.update_contact(LI_NA, changes, Actor("1001", 1))
    assert set(caught.value.details["fields"]) == fields
    after = (await store.customer_page(LI_NA))["customer"]
    assert (after["email"], after["address"], after["phones"]) == (before["email"], before["address"], before["phones"])
    assert await store.audit_entries(entity="customer", entity_id=LI_NA) == []


async def test_unknown_customer_edit(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.update_contact(999_999, {"email": "x@example.com"}, Actor("1001", 1))
    with pytest.raises(ValidationFailed):
        await store.update_contact(LI_NA, ["not", "an", "object"], Actor("1001", 1))


async def test_an_agent_s_console_language_is_kept_on_their_record(store: Store) -> None:
    agent = await store.agent_by_login("1002")
    await store.set_agent_language(agent.id, "zh")
    assert (await store.agent_by_login("1002")).language == "zh"
    with pytest.raises(ValidationFailed):
        await store.set_agent_language(agent.id, "fr")

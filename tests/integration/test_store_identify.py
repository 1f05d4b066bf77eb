"""Caller identification against a real database (SQLite file and PostgreSQL)."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from callcenter.errors import ValidationFailed
from crm_bridge.seed import (
    DEMO_FAMILY_NUMBER,
    DEMO_LANDLINE_NUMBER,
    DEMO_PIN,
    DEMO_SHARED_NUMBER,
    DEMO_SUSPENDED_NUMBER,
    DEMO_UNKNOWN_NUMBER,
    DEMO_VIP_ACCOUNT,
    DEMO_VIP_NUMBER,
    seed_demo,
)
from crm_bridge.store import Store

# One throwaway PostgreSQL server for the whole run (a plugin, not a per-module import).
pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed_demo(store, customers=40)
    yield store
    await store.close()


@pytest.mark.parametrize("dialled", [
    "13800000001", "+86 138 0000 0001", "008613800000001", "8613800000001", "013800000001", "138-0000-0001",
    DEMO_VIP_NUMBER,
])
async def test_vip_found_whatever_the_number_format(store: Store, dialled: str) -> None:
    cards = await store.identify(dialled)
    assert [c["name"] for c in cards] == ["李娜"]
    card = cards[0]
    assert card["number"] == DEMO_VIP_NUMBER and card["match"] == "exact"
    assert (card["customer_type"], card["value_class"]) == ("vip", "major")
    assert (card["account_manager"], card["account_manager_login"]) == ("王伟", "1001")


@pytest.mark.parametrize("dialled", ["010-12345678", "01012345678", "+86 10 1234 5678", DEMO_LANDLINE_NUMBER])
async def test_company_landline_found(store: Store, dialled: str) -> None:
    cards = await store.identify(dialled)
    assert [(c["name"], c["customer_type"], c["value_class"]) for c in cards] == [
        ("北京华信科技有限公司", "group", "major")]
    assert cards[0]["open_complaints"][0]["severity"] == "critical"


@pytest.mark.parametrize("dialled", [DEMO_UNKNOWN_NUMBER, "13999999999", "", "anonymous", "unknown", "abc"])
async def test_unknown_or_junk_number_gives_no_card(store: Store, dialled: str) -> None:
    assert await store.identify(dialled) == []


async def test_family_members_sharing_a_line_both_pop(store: Store) -> None:
    cards = await store.identify("010-88886666")
    assert sorted(c["name"] for c in cards) == ["王强", "王芳"]
    assert {c["number"] for c in cards} == {DEMO_SHARED_NUMBER}
    # Her own mobile still finds only her.
    assert [c["name"] for c in await store.identify(DEMO_FAMILY_NUMBER)] == ["王芳"]


async def test_card_content_is_json_ready_with_open_complaints_and_last_five_calls(store: Store) -> None:
    card = (await store.identify(DEMO_VIP_NUMBER))[0]
    assert json.loads(json.dumps(card)) == card
    assert [(c["category"], c["severity"], c["status"]) for c in card["open_complaints"]] == [
        ("billing", "high", "open")]
    assert card["open_complaints"][0]["created_at"].endswith("+00:00")
    assert len(card["recent"]) == 5                      # 李娜 has 7 past calls
    started = [r["started_at"] for r in card["recent"]]
    assert started == sorted(started, reverse=True)
    assert all(r["queue"] == "vip" and r["agent"] for r in card["recent"])
    history = await store.recent_interactions(50, customer_id=card["customer_id"])
    assert len(history) == 7
    assert [r["interaction_id"] for r in card["recent"]] == [h["id"] for h in history[:5]]


async def test_suspended_credit_shows_on_the_card(store: Store) -> None:
    card = (await store.identify(DEMO_SUSPENDED_NUMBER))[0]
    assert (card["name"], card["credit_status"], card["language"]) == ("Sarah Johnson", "suspended", "en")


async def test_exact_match_first_then_value_class(store: Store) -> None:
    # A US customer stored as +16502530000 and a Chinese mass-market customer whose mobile reads the
    # same digits under region CN: the CN reading is exact, the US one only a variant.
    us = await store.add_customer("David Miller", customer_type="vip", value_class="major", language="en",
                                  phones=["+1 650 253 0000"])
    cn = await store.add_customer("赵六", phones=["16502530000"])
    cards = await store.identify("16502530000")
    assert [(c["customer_id"], c["match"]) for c in cards] == [(cn, "exact"), (us, "variant")]
    # Several exact matches: major before named before non_named before mass.
    ids = [await store.add_customer(f"客户{v}", value_class=v, phones=["021-66668888"])
           for v in ("mass", "non_named", "major", "named")]
    cards = await store.identify("02166668888")
    assert [c["value_class"] for c in cards] == ["major", "named", "non_named", "mass"]
    assert sorted(c["customer_id"] for c in cards) == sorted(ids)


async def test_customer_card_by_id_and_account_with_pin(store: Store) -> None:
    vip = (await store.identify(DEMO_VIP_NUMBER))[0]
    by_id = await store.customer_card(vip["customer_id"])
    assert by_id is not None and by_id["match"] == "id" and by_id["number"] == DEMO_VIP_NUMBER
    assert by_id["recent"] == vip["recent"]
    assert await store.customer_card(999_999) is None
    by_account = await store.verify_account(DEMO_VIP_ACCOUNT, DEMO_PIN)
    assert by_account is not None and by_account["customer_id"] == vip["customer_id"]
    assert by_account["match"] == "account"
    assert await store.verify_account(DEMO_VIP_ACCOUNT, "000000") is None
    assert await store.verify_account("00000000", DEMO_PIN) is None
    assert await store.verify_account("", "") is None


async def test_add_customer_normalises_phones_and_names_bad_fields(store: Store) -> None:
    cid = await store.add_customer("Emily Zhang", customer_type="family", value_class="named", language="en",
                                   phones=["139 1234 5678", ("0755-88889999", "landline"), "+8613912345678"])
    card = await store.customer_card(cid)
    assert card is not None and card["number"] == "+8613912345678"
    assert [c["customer_id"] for c in await store.identify("075588889999")] == [cid]
    with pytest.raises(ValidationFailed) as exc:
        await store.add_customer("", customer_type="gold", phones=["13900000000", "anonymous", ("13900000001", "fax")])
    assert set(exc.value.details["fields"]) == {"name", "customer_type", "phones[1]", "phones[2]"}
    with pytest.raises(ValidationFailed) as exc:
        await store.add_customer("重复账号", account_number=DEMO_VIP_ACCOUNT)
    assert "account_number" in exc.value.details["fields"]

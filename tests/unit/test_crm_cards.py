"""The screen-pop card built from literal rows."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import orjson

from crm_bridge.cards import RECENT_LIMIT, best_first, build_card, card_rank, iso

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)

CUSTOMER = {
    "id": 7, "name": "李娜", "customer_type": "vip", "value_class": "major", "credit_status": "normal",
    "language": "zh", "account_number": "88000001", "manager_name": "王伟", "manager_login": "1001",
}


def _recent(n: int) -> list[dict]:
    return [
        {"id": f"call-{i}", "customer_id": 7, "started_at": T0 + timedelta(hours=i), "queue": "vip",
         "status": "completed", "outcome": "resolved", "agent_name": "Emily Chen"}
        for i in range(n)
    ]


def test_card_has_every_key_and_only_json_types() -> None:
    card = build_card(
        CUSTOMER, number="+8613800000001",
        complaints=[{"id": 3, "customer_id": 7, "category": "billing", "severity": "high", "status": "open",
                     "created_at": T0, "owner_login": "1002", "owner_name": "Emily Chen",
                     "sla_due_at": T0 + timedelta(hours=12)}],
        recent=_recent(2),
    )
    assert card == {
        "customer_id": 7, "name": "李娜", "customer_type": "vip", "value_class": "major",
        "account_manager": "王伟", "account_manager_login": "1001", "credit_status": "normal", "language": "zh",
        "account_number": "88000001", "number": "+8613800000001", "match": "exact",
        "open_complaints": [{"id": 3, "category": "billing", "severity": "high", "status": "open",
                             "created_at": "2024-05-01T08:00:00+00:00", "owner_login": "1002",
                             "owner_name": "Emily Chen", "sla_due_at": "2024-05-01T20:00:00+00:00"}],
        "recent": [
            {"interaction_id": "call-1", "started_at": "2024-05-01T09:00:00+00:00", "queue": "vip",
             "status": "completed", "outcome": "resolved", "agent": "Emily Chen"},
            {"interaction_id": "call-0", "started_at": "2024-05-01T08:00:00+00:00", "queue": "vip",
             "status": "completed", "outcome": "resolved", "agent": "Emily Chen"},
        ],
    }
    assert json.loads(json.dumps(card)) == card
    assert orjson.loads(orjson.dumps(card)) == card


def test_customer_without_manager_or_history() -> None:
    card = build_card({**CUSTOMER, "manager_name": None, "manager_login": None, "account_number": None},
                      number="+8613800000001", match="variant")
    assert card["account_manager"] is None and card["account_manager_login"] is None
    assert card["open_complaints"] == [] and card["recent"] == []
    assert card["match"] == "variant"


def test_recent_keeps_the_last_five_newest_first() -> None:
    card = build_card(CUSTOMER, number="+8613800000001", recent=list(reversed(_recent(9))))
    assert [r["interaction_id"] for r in card["recent"]] == ["call-8", "call-7", "call-6", "call-5", "call-4"]
    assert len(card["recent"]) == RECENT_LIMIT


def test_most_severe_complaint_first_then_newest() -> None:
    rows = [
        {"id": 1, "category": "fees", "severity": "low", "status": "open", "created_at": T0},
        {"id": 2, "category": "network", "severity": "critical", "status": "in_progress", "created_at": T0},
        {"id": 3, "category": "billing", "severity": "high", "status": "open", "created_at": T0},
        {"id": 4, "category": "billing", "severity": "high", "status": "open", "created_at": T0 + timedelta(days=1)},
    ]
    card = build_card(CUSTOMER, number="+8613800000001", complaints=rows)
    assert [c["id"] for c in card["open_complaints"]] == [2, 4, 3, 1]


def test_iso_is_utc_whatever_the_zone() -> None:
    beijing = timezone(timedelta(hours=8))
    assert iso(datetime(2024, 5, 1, 16, 0, tzinfo=beijing)) == "2024-05-01T08:00:00+00:00"
    assert iso(datetime(2024, 5, 1, 8, 0)) == "2024-05-01T08:00:00+00:00"     # naive = UTC
    assert iso(None) is None


def test_best_first_exact_match_then_value_class_then_type() -> None:
    def card(cid: int, vclass: str, ctype: str = "individual", match: str = "exact") -> dict:
        return {"customer_id": cid, "value_class": vclass, "customer_type": ctype, "match": match}

    cards = [card(1, "mass"), card(2, "major", match="variant"), card(3, "named"), card(4, "major"),
             card(5, "named", "vip"), card(6, "non_named")]
    assert [c["customer_id"] for c in best_first(cards)] == [4, 5, 3, 6, 1, 2]
    assert card_rank(card(9, "major")) < card_rank(card(8, "named"))

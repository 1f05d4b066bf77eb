"""The screen-pop card: what an agent sees about the caller while the phone rings.

Pure: built from plain row mappings (the store's query results, or literal dicts in tests) into a
JSON-ready dict of str/int/None/list/dict only, so the engine can keep it with the call and the hub
can send it as is. Card keys::

    customer_id, name, customer_type, value_class, account_manager (name or None),
    account_manager_login, credit_status, language, account_number, number (the E.164 matched),
    match ("exact" when the caller's number read under the default region is the stored one,
    "variant" when another reading matched, "account" when found by account number + PIN,
    "id" when opened by customer id), open_complaints [{id, category, severity, status,
    created_at ISO, owner_login, owner_name, sla_due_at ISO | None (the SLA deadline)}] (most severe first), recent [{interaction_id, started_at ISO, queue, status,
    outcome, agent}] (newest first, at most ``RECENT_LIMIT``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES

RECENT_LIMIT = 5
OPEN_COMPLAINTS_LIMIT = 10
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_VALUE_RANK = {name: i for i, name in enumerate(VALUE_CLASSES)}      # major first
_TYPE_RANK = {name: i for i, name in enumerate(CUSTOMER_TYPES)}      # vip first


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (``2024-05-01T08:00:00+00:00``); ``None`` stays ``None``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def build_card(
    customer: Mapping[str, Any],
    *,
    number: str | None,
    match: str = "exact",
    complaints: Iterable[Mapping[str, Any]] = (),
    recent: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """One card. *customer* keys: id, name, customer_type, value_class, credit_status, language,
    account_number, manager_name, manager_login. *complaints* keys: id, category, severity, status,
    created_at (and optionally owner_login, owner_name, sla_due_at). *recent* keys: id, started_at, queue, status, outcome, agent_name."""
    open_complaints = sorted(
        complaints,
        key=lambda c: (_SEVERITY_RANK.get(c["severity"], 9), -_timestamp(c.get("created_at")), c["id"]),
    )[:OPEN_COMPLAINTS_LIMIT]
    latest = sorted(recent, key=lambda r: _timestamp(r.get("started_at")), reverse=True)[:RECENT_LIMIT]
    return {
        "customer_id": int(customer["id"]),
        "name": customer["name"],
        "customer_type": customer["customer_type"],
        "value_class": customer["value_class"],
        "account_manager": customer.get("manager_name"),
        "account_manager_login": customer.get("manager_login"),
        "credit_status": customer["credit_status"],
        "language": customer["language"],
        "account_number": customer.get("account_number"),
        "number": number,
        "match": match,
        "open_complaints": [
            {
                "id": int(c["id"]),
                "category": c["category"],
                "severity": c["severity"],
                "status": c["status"],
                "created_at": iso(c.get("created_at")),
                # First-contact responsibility: routing rings the owner first (routing.complaint).
                "owner_login": c.get("owner_login"),
                "owner_name": c.get("owner_name"),
                "sla_due_at": iso(c.get("sla_due_at")),
            }
            for c in open_complaints
        ],
        "recent": [
            {
                "interaction_id": r["id"],
                "started_at": iso(r.get("started_at")),
                "queue": r.get("queue"),
                "status": r.get("status"),
                "outcome": r.get("outcome"),
                "agent": r.get("agent_name"),
            }
            for r in latest
        ],
    }


def card_rank(card: Mapping[str, Any]) -> tuple[int, int, int, int]:
    """Sort key, best first: exact number match, then value class (major > named > non_named >
    mass), then customer type (vip > group > family > individual), then the older customer."""
    return (
        0 if card.get("match") == "exact" else 1,
        _VALUE_RANK.get(card.get("value_class") or "", len(_VALUE_RANK)),
        _TYPE_RANK.get(card.get("customer_type") or "", len(_TYPE_RANK)),
        int(card.get("customer_id") or 0),
    )


def best_first(cards: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(cards, key=card_rank)


def _timestamp(value: datetime | None) -> float:
    if value is None:
        return float("-inf")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()

"""Customer queries behind caller identification and the screen-pop card.

Identification is on the IVR path (``PERFORMANCE.md``, P3), so it is Core, not ORM, and a fixed number
of indexed queries whatever the number of matches: one ``phones.e164 IN (variants)`` joined to the
customer and its account manager; then, only if something matched, ONE more for the open complaints
and the last interactions of all matched customers (:func:`card_details`: a ``UNION ALL`` of the
complaints, by ``(customer_id, status)``, and per-customer ``ORDER BY started_at DESC LIMIT 5``
branches, each an index range scan on ``(customer_id, started_at)``).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, RowMapping, Select, String, bindparam, cast, insert, literal, null, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from callcenter.errors import ValidationFailed
from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES
from crm_bridge import cards
from crm_bridge.models import (
    CREDIT_STATUSES,
    LANGUAGES,
    OPEN_COMPLAINT_STATUSES,
    PHONE_KINDS,
    Agent,
    Complaint,
    Customer,
    Interaction,
    Phone,
)
from crm_bridge.names import name_initials
from crm_bridge.phones import normalize
from crm_bridge.plain_text import refusal

# A switchboard number can match a whole company: pop the best few, not hundreds.
MAX_CARDS = 10

_manager = aliased(Agent, name="manager")
_recent_agent = aliased(Agent, name="recent_agent")
_owner = aliased(Agent, name="owner")


def _customer_columns() -> Select[Any]:
    return select(
        Customer.id, Customer.name, Customer.customer_type, Customer.value_class, Customer.credit_status,
        Customer.language, Customer.account_number,
        _manager.name.label("manager_name"), _manager.login.label("manager_login"),
    ).outerjoin(_manager, Customer.account_manager_id == _manager.id)


@functools.cache
def _match_phones_template() -> Select[Any]:
    # Built once: constructing SQLAlchemy statements costs more than running them (the IVR's hot path).
    return (
        _customer_columns()
        .add_columns(Phone.e164)
        .join(Phone, Phone.customer_id == Customer.id)
        .where(Phone.e164.in_(bindparam("numbers", expanding=True)))
    )


def match_phones_stmt(numbers: Sequence[str]) -> tuple[Select[Any], dict[str, Any]]:
    """Customers with a phone in *numbers*, with the ``e164`` that matched (one row per phone)."""
    return _match_phones_template(), {"numbers": list(numbers)}


async def match_phones(conn: AsyncConnection, numbers: Sequence[str]) -> Sequence[RowMapping]:
    return (await conn.execute(*match_phones_stmt(numbers))).mappings().all()


async def by_ids(conn: AsyncConnection, customer_ids: Sequence[int]) -> Sequence[RowMapping]:
    stmt = _customer_columns().where(Customer.id.in_(list(customer_ids)))
    return (await conn.execute(stmt)).mappings().all()


async def by_account(conn: AsyncConnection, account_number: str) -> RowMapping | None:
    stmt = _customer_columns().add_columns(Customer.pin_hash).where(Customer.account_number == account_number)
    return (await conn.execute(stmt)).mappings().first()


async def first_phone(conn: AsyncConnection, customer_id: int) -> str | None:
    stmt = select(Phone.e164).where(Phone.customer_id == customer_id).order_by(Phone.id).limit(1)
    return (await conn.execute(stmt)).scalar()


def _complaints_part(customer_ids: Sequence[Any]) -> Select[Any]:
    return select(
        literal("complaint", String).label("kind"), Complaint.customer_id.label("customer_id"),
        cast(Complaint.id, String).label("ref"), Complaint.created_at.label("at"),
        Complaint.category.label("a"), Complaint.severity.label("b"), Complaint.status.label("status"),
        _owner.name.label("agent_name"), _owner.login.label("agent_login"), Complaint.sla_due_at.label("due"),
    ).outerjoin(_owner, Complaint.owner_agent_id == _owner.id) \
        .where(Complaint.customer_id.in_(list(customer_ids)), Complaint.status.in_(OPEN_COMPLAINT_STATUSES))


def _recent_part(customer_id: Any, limit: int) -> Select[Any]:
    return (
        select(
            literal("recent", String).label("kind"), Interaction.customer_id.label("customer_id"),
            Interaction.id.label("ref"), Interaction.started_at.label("at"),
            Interaction.queue.label("a"), Interaction.outcome.label("b"), Interaction.status.label("status"),
            _recent_agent.name.label("agent_name"), _recent_agent.login.label("agent_login"),
            cast(null(), Complaint.sla_due_at.type).label("due"),      # typed NULL: PostgreSQL unions it with timestamptz
        )
        .outerjoin(_recent_agent, Interaction.agent_id == _recent_agent.id)
        .where(Interaction.customer_id == customer_id)
        .order_by(Interaction.started_at.desc())
        .limit(limit)
    )


async def card_details(
    conn: AsyncConnection, customer_ids: Sequence[int], limit: int = cards.RECENT_LIMIT
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Open complaints and the last *limit* interactions of each customer, in ONE round trip (on
    aiosqlite every statement is a thread hop): a UNION ALL of the complaints and one
    ``ORDER BY started_at DESC LIMIT n`` branch per customer, columns aligned as
    kind, customer_id, ref (id as text), at, a (category | queue), b (severity | outcome), status,
    agent_name, agent_login (the complaint's owner | who took the call), due (the complaint's SLA deadline | NULL). Returns ``({customer_id: [complaint rows]}, {customer_id: [interaction rows]})``
    with the keys :func:`crm_bridge.cards.build_card` expects."""
    if not customer_ids:
        return {}, {}
    return fold_card_details((await conn.execute(*card_details_stmt(customer_ids, limit))).mappings())


def card_details_stmt(customer_ids: Sequence[int], limit: int = cards.RECENT_LIMIT) -> tuple[Any, dict[str, Any]]:
    return _card_details_template(len(customer_ids), limit), {f"c{i}": int(c) for i, c in enumerate(customer_ids)}


@functools.lru_cache(maxsize=32)
def _card_details_template(count: int, limit: int) -> Any:
    """The details statement for *count* customers, with bind parameters c0, c1, ... (built once per count)."""
    ids = [bindparam(f"c{i}", type_=Integer) for i in range(count)]
    # The complaints part comes first: the union takes its column types (UTCDateTime for ``at``).
    # SQLite accepts ORDER BY/LIMIT in a compound member only inside a subquery.
    branches = [_recent_part(cid, limit).subquery() for cid in ids]
    return union_all(_complaints_part(ids), *(select(*b.c) for b in branches))


def fold_card_details(rows: Iterable[RowMapping]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    complaints: dict[int, list[dict[str, Any]]] = {}
    recent: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        cid = int(row["customer_id"])
        if row["kind"] == "complaint":
            complaints.setdefault(cid, []).append({
                "id": int(row["ref"]), "category": row["a"], "severity": row["b"], "status": row["status"],
                "created_at": row["at"], "owner_name": row["agent_name"], "owner_login": row["agent_login"],
                "sla_due_at": row["due"],
            })
        else:
            recent.setdefault(cid, []).append({
                "id": row["ref"], "started_at": row["at"], "queue": row["a"], "outcome": row["b"],
                "status": row["status"], "agent_name": row["agent_name"],
            })
    return complaints, recent


async def cards_for(
    conn: AsyncConnection, customers: Iterable[RowMapping], numbers: dict[int, tuple[str | None, str]]
) -> list[dict[str, Any]]:
    """Cards for *customers* (already chosen and ordered); ``numbers[id] = (e164, match)``."""
    chosen = list(customers)
    if not chosen:
        return []
    complaints, recent = await card_details(conn, [int(c["id"]) for c in chosen])
    return build_cards(chosen, numbers, complaints, recent)


def build_cards(chosen: Sequence[RowMapping], numbers: dict[int, tuple[str | None, str]],
                complaints: dict[int, list[dict[str, Any]]], recent: dict[int, list[dict[str, Any]]],
                ) -> list[dict[str, Any]]:
    return [
        cards.build_card(
            c,
            number=numbers[int(c["id"])][0],
            match=numbers[int(c["id"])][1],
            complaints=complaints.get(int(c["id"]), ()),
            recent=recent.get(int(c["id"]), ()),
        )
        for c in chosen
    ]


def identify_sync(conn: Connection, candidates: Sequence[str], primary: str | None) -> list[dict[str, Any]]:
    """``Store.identify`` on a *sync* connection: both statements in one go (one thread hop on SQLite)."""
    rows = conn.execute(*match_phones_stmt(candidates)).mappings().all()
    if not rows:
        return []
    chosen, numbers = pick_matches(rows, primary)
    details = conn.execute(*card_details_stmt([int(c["id"]) for c in chosen])).mappings()
    complaints, recent = fold_card_details(details)
    return build_cards(chosen, numbers, complaints, recent)


def pick_matches(
    rows: Iterable[RowMapping], primary: str | None
) -> tuple[list[RowMapping], dict[int, tuple[str | None, str]]]:
    """One row per customer (an exact match wins over a variant), best first, at most MAX_CARDS."""
    best: dict[int, RowMapping] = {}
    numbers: dict[int, tuple[str | None, str]] = {}
    for row in rows:
        cid = int(row["id"])
        match = "exact" if row["e164"] == primary else "variant"
        if cid not in best or (match == "exact" and numbers[cid][1] != "exact"):
            best[cid] = row
            numbers[cid] = (row["e164"], match)

    def rank(cid: int) -> tuple[int, int, int, int]:
        row = best[cid]
        return cards.card_rank({
            "match": numbers[cid][1], "value_class": row["value_class"],
            "customer_type": row["customer_type"], "customer_id": cid,
        })

    ordered = sorted(best, key=rank)[:MAX_CARDS]
    return [best[cid] for cid in ordered], {cid: numbers[cid] for cid in ordered}


def check_customer(
    values: dict[str, Any], phones: Iterable[str | tuple[str, str]], region: str
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Checked customer columns and ``(e164, kind)`` phones; raises ValidationFailed naming fields."""
    errors: dict[str, str] = {}
    clean = {**values, "name": (values.get("name") or "").strip()}
    if not clean["name"] or len(clean["name"]) > 200:
        errors["name"] = "must be 1-200 characters"
    elif (why := refusal(clean["name"])) is not None:
        errors["name"] = why
    for key, allowed in (("customer_type", CUSTOMER_TYPES), ("value_class", VALUE_CLASSES),
                         ("language", LANGUAGES), ("credit_status", CREDIT_STATUSES)):
        if clean.get(key) not in allowed:
            errors[key] = f"expected one of {', '.join(allowed)}"
    account = clean.get("account_number")
    if account is not None and not (0 < len(account) <= 32):
        errors["account_number"] = "must be 1-32 characters"
    elif account is not None and (why := refusal(account)) is not None:
        errors["account_number"] = why
    normalised: list[tuple[str, str]] = []
    for i, entry in enumerate(phones):
        raw, kind = (entry, "mobile") if isinstance(entry, str) else entry
        e164 = normalize(raw, region)
        if e164 is None:
            errors[f"phones[{i}]"] = f"{raw[:40]!r} is not a phone number"
        elif kind not in PHONE_KINDS:
            errors[f"phones[{i}]"] = f"kind expected one of {', '.join(PHONE_KINDS)}"
        elif e164 not in {e for e, _ in normalised}:
            normalised.append((e164, kind))
    if errors:
        raise ValidationFailed("the customer has fields that do not fit", errors)
    return clean, normalised


async def insert_customer(conn: AsyncConnection, values: dict[str, Any], phones: Sequence[tuple[str, str]]) -> int:
    """Insert one customer and its ``(e164, kind)`` phones; returns the new id."""
    values = {**values, "name_initials": name_initials(values["name"])[:64]}
    customer_id = (await conn.execute(insert(Customer).values(values).returning(Customer.id))).scalar_one()
    if phones:
        await conn.execute(insert(Phone), [{"customer_id": customer_id, "e164": e, "kind": k} for e, k in phones])
    return int(customer_id)


async def callers(conn: Any, limit: int) -> list[tuple[str, str]]:
    """(E.164 number, customer name) pairs, for simulated traffic in the demo."""
    rows = await conn.execute(
        select(Phone.e164, Customer.name).join(Customer, Customer.id == Phone.customer_id)
        .order_by(Phone.id).limit(limit))
    return [(e164, name) for e164, name in rows]

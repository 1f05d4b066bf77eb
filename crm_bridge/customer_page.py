"""The customer page (card, contact details, history) and contact edits with their audit entry.

An edit of email, address and phones is checked whole first (:func:`check_contact_changes`, pure,
``ValidationFailed`` naming every field that does not fit), then applied in ONE transaction with its
audit entry (``crm_bridge.audit``): the customer row is read (locked on PostgreSQL; on SQLite the
writer transaction holds the database), the change is computed against it, and only a real change is
written and audited. Phones are normalised to E.164 and de-duplicated; removing a number the customer
does not have is refused, adding one it already has is a no-op.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from callcenter.errors import NotFound, ValidationFailed
from crm_bridge import audit, complaints, customer_access, interactions, tier_history
from crm_bridge.customer_access import Scope
from crm_bridge.models import PHONE_KINDS, Agent, Customer, FollowUp, Phone
from crm_bridge.phones import normalize
from crm_bridge.plain_text import refusal

HISTORY_LIMIT = 50
MAX_EMAIL = 200
MAX_ADDRESS = 400
MAX_PHONES = 20
CONTACT_KEYS = ("email", "address", "add_phones", "remove_phones")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

_manager = aliased(Agent, name="manager")
_assignee = aliased(Agent, name="assignee")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change (the console's session): written to the audit log."""

    login: str
    agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class ContactChanges:
    email: str | None = None           # "" clears it
    address: str | None = None         # "" clears it
    add_phones: tuple[tuple[str, str], ...] = ()      # (e164, kind)
    remove_phones: tuple[str, ...] = ()               # e164


def _text(value: Any, field: str, limit: int, errors: dict[str, str]) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = "must be text"
        return None
    value = value.strip()
    if len(value) > limit:
        errors[field] = f"at most {limit} characters"
    elif (why := refusal(value, multiline=field == "address")) is not None:
        errors[field] = why
    return value


def check_contact_changes(changes: Any, region: str = "CN") -> ContactChanges:
    """Checked, normalised changes; ValidationFailed with ``details["fields"]`` otherwise."""
    if not isinstance(changes, Mapping):
        raise ValidationFailed("the changes must be an object", {"changes": "must be an object"})
    errors: dict[str, str] = {}
    for key in changes:
        if key not in CONTACT_KEYS:
            errors[str(key)[:64]] = f"unknown field; expected {', '.join(CONTACT_KEYS)}"
    email = address = None
    if "email" in changes:
        email = _text(changes["email"], "email", MAX_EMAIL, errors)
        if email and "email" not in errors and not _EMAIL.match(email):
            errors["email"] = "not an email address (name@example.com)"
    if "address" in changes:
        address = _text(changes["address"], "address", MAX_ADDRESS, errors)
    added: list[tuple[str, str]] = []
    removed: list[str] = []
    for key, target in (("add_phones", added), ("remove_phones", removed)):
        entries = changes.get(key) or []
        if not isinstance(entries, list) or len(entries) > MAX_PHONES:
            errors[key] = f"must be a list of at most {MAX_PHONES} numbers"
            continue
        for i, entry in enumerate(entries):
            raw, kind = entry, "mobile"
            if isinstance(entry, Mapping):
                raw, kind = entry.get("number"), entry.get("kind") or "mobile"
            field = f"{key}[{i}]"
            if not isinstance(raw, str) or not isinstance(kind, str):
                errors[field] = "must be a number (text) or {number, kind}"
                continue
            e164 = normalize(raw, region)
            if e164 is None:
                errors[field] = f"{raw[:40]!r} is not a phone number"
            elif key == "add_phones" and kind not in PHONE_KINDS:
                errors[field] = f"kind expected one of {', '.join(PHONE_KINDS)}"
            elif key == "add_phones":
                if e164 not in {e for e, _ in added}:
                    added.append((e164, kind))
            elif e164 not in removed:
                removed.append(e164)
    both = {e for e, _ in added} & set(removed)
    if both:
        errors["add_phones"] = f"{sorted(both)[0]} is both added and removed"
    if errors:
        raise ValidationFailed("the contact details have fields that do not fit", errors)
    return ContactChanges(email=email, address=address, add_phones=tuple(added), remove_phones=tuple(removed))


def _contact(row: Mapping[str, Any], phones: list[dict[str, str]]) -> dict[str, Any]:
    return {"email": row["email"], "address": row["address"], "phones": phones}


async def _phones(conn: AsyncConnection, customer_id: int) -> list[dict[str, str]]:
    stmt = select(Phone.e164, Phone.kind).where(Phone.customer_id == customer_id).order_by(Phone.id)
    return [{"e164": e, "kind": k} for e, k in await conn.execute(stmt)]


async def update_contact(conn: AsyncConnection, customer_id: int, changes: ContactChanges,
                         actor: Actor, scope: Scope | None = None) -> dict[str, Any]:
    """Apply *changes* in the caller's (write) transaction; returns ``{"contact", "changed"}``. With a
    *scope*, the customer must be one the actor may see (:class:`customer_access.NotYourCustomer`)."""
    columns: list[Any] = [Customer.id, Customer.email, Customer.address]
    check = scope is not None and not customer_access.sees_all(scope)
    if check:
        assert scope is not None
        columns.append(customer_access.visible(scope, Customer.id).label("visible"))
    stmt = select(*columns).where(Customer.id == customer_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Customer)
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        raise NotFound("customer", customer_id)
    if check and not row["visible"]:
        raise customer_access.NotYourCustomer(customer_id)
    phones = await _phones(conn, customer_id)
    before = _contact(row, phones)
    have = {p["e164"] for p in phones}
    missing = [e for e in changes.remove_phones if e not in have]
    if missing:
        index = changes.remove_phones.index(missing[0])
        raise ValidationFailed(f"{missing[0]} is not a phone of this customer",
                               {f"remove_phones[{index}]": "not a phone of this customer"})
    values: dict[str, Any] = {}
    if changes.email is not None and (changes.email or None) != row["email"]:
        values["email"] = changes.email or None
    if changes.address is not None and (changes.address or None) != row["address"]:
        values["address"] = changes.address or None
    new_phones = [(e, k) for e, k in changes.add_phones if e not in have]
    if len(have) - len(changes.remove_phones) + len(new_phones) > MAX_PHONES:
        raise ValidationFailed("too many phones", {"add_phones": f"a customer has at most {MAX_PHONES} phones"})
    if not values and not new_phones and not changes.remove_phones:
        return {"contact": before, "changed": False}
    if values:
        await conn.execute(update(Customer).where(Customer.id == customer_id).values(**values))
    if changes.remove_phones:
        await conn.execute(delete(Phone).where(Phone.customer_id == customer_id,
                                               Phone.e164.in_(list(changes.remove_phones))))
    if new_phones:
        await conn.execute(insert(Phone), [{"customer_id": customer_id, "e164": e, "kind": k} for e, k in new_phones])
    after = _contact({**row, **values}, await _phones(conn, customer_id))
    await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.agent_id, action="customer.update",
                       entity="customer", entity_id=customer_id, before=before, after=after)
    return {"contact": after, "changed": True}


async def page(conn: AsyncConnection, customer_id: int, limit: int = HISTORY_LIMIT,
               scope: Scope | None = None) -> dict[str, Any] | None:
    """Everything the customer page shows, histories newest first and at most *limit* rows each;
    ``None`` when unknown. With a *scope* that does not see everyone, the customer must be one of
    theirs (checked in the same first query) or :class:`customer_access.NotYourCustomer` is raised."""
    columns = [*Customer.__table__.c, _manager.name.label("manager_name"), _manager.login.label("manager_login")]
    check = scope is not None and not customer_access.sees_all(scope)
    if check:
        assert scope is not None
        columns.append(customer_access.visible(scope, Customer.id).label("visible"))
    stmt = (
        select(*columns)
        .outerjoin(_manager, Customer.account_manager_id == _manager.id)
        .where(Customer.id == customer_id)
    )
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        return None
    if check and not row["visible"]:
        raise customer_access.NotYourCustomer(customer_id)
    customer = {k: v for k, v in row.items() if k not in ("pin_hash", "visible")}
    customer["has_pin"] = bool(row["pin_hash"])
    customer["phones"] = await _phones(conn, customer_id)
    calls = await interactions.recent(conn, limit, customer_id=customer_id)
    complaint_rows = await complaints.listing(conn, statuses=None, owner_agent_id=None, customer_id=customer_id,
                                              limit=limit)
    follow_stmt = (
        select(*FollowUp.__table__.c, _assignee.name.label("assigned_name"), _assignee.login.label("assigned_login"))
        .outerjoin(_assignee, FollowUp.assigned_agent_id == _assignee.id)
        .where(FollowUp.customer_id == customer_id)
        .order_by(FollowUp.due_at.desc(), FollowUp.id.desc()).limit(limit)
    )
    follow_ups = [dict(r) for r in (await conn.execute(follow_stmt)).mappings()]
    tiers = await tier_history.history(conn, customer_id, limit)
    return {"customer": customer, "calls": calls, "complaints": complaint_rows, "follow_ups": follow_ups,
            "tier_changes": tiers, "limit": limit}

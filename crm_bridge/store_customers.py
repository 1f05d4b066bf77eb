"""The store's facade for the customer pages: search (name, number, pinyin initials, account number),
the customer page with its history, contact edits, and the audit entries of reads and exports.
``Store`` inherits it; every method opens its own connection (one transaction) through
``Store.connect``. A ``scope`` (``crm_bridge.customer_access.Scope``) limits what an agent sees;
``None`` = no limits (tools, the IVR)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_bridge import audit, search
from crm_bridge import customer_page as customer_view
from crm_bridge.customer_access import NotYourCustomer, Scope, sees_all, visible
from crm_bridge.models import Customer



class CustomerStore:
    """Mixed into :class:`crm_bridge.store.Store` (which provides ``connect`` and ``default_region``)."""

    connect: Any
    default_region: str

    # ------------------------------------------------------------------ customer search, page, contact edits
    # (crm_bridge/search.py ranks the strategies; crm_bridge/customer_page.py holds the page and the edit)
    async def search_customers(self, query: str, *, limit: Any = None, offset: Any = None,
                               max_limit: int = search.MAX_LIMIT, scope: Scope | None = None) -> dict[str, Any]:
        """Customers by name, number (any format), pinyin initials or account number, best first:
        ``{"query", "results", "limit", "offset", "more", "limited"}``; ValidationFailed names
        ``q``/``limit``/``offset``."""
        limit, offset = search.check_paging(limit, offset, max_limit=max_limit)
        search.clean_query(query)
        async with self.connect() as conn:
            return await search.search(conn, query, region=self.default_region, limit=limit, offset=offset,
                                       scope=scope)

    async def customer_page(self, customer_id: int, *, limit: int = customer_view.HISTORY_LIMIT,
                            scope: Scope | None = None, reader: customer_view.Actor | None = None,
                            source: str | None = None) -> dict[str, Any] | None:
        """The customer (with phones, email, address, account manager) and their calls, complaints (all
        statuses, SLA deadline), follow-ups and tier changes, newest first; ``None`` when unknown.
        With a *scope*, NotYourCustomer for a customer the agent may not see. With a *reader*, the
        read (or the refusal) leaves one audit entry (``customer.read`` / ``customer.read_refused``,
        ``after = {"source"}``): one insert after the read, no other round trip."""
        refused: NotYourCustomer | None = None
        found: dict[str, Any] | None = None
        async with self.connect() as conn:
            try:
                found = await customer_view.page(conn, customer_id, max(1, min(limit, 1000)), scope)
            except NotYourCustomer as exc:
                refused = exc
        if reader is not None and (found is not None or refused is not None):
            action = audit.CUSTOMER_READ_REFUSED if refused else audit.CUSTOMER_READ
            await self.record_access(reader, action, "customer", customer_id, {"source": source})
        if refused is not None:
            raise refused
        return found

    async def customer_visible(self, customer_id: int, scope: Scope) -> bool | None:
        """Whether *scope* may see the customer; ``None`` when there is no such customer."""
        column = visible(scope, Customer.id) if not sees_all(scope) else Customer.id.is_not(None)
        async with self.connect() as conn:
            row = (await conn.execute(select(column).where(Customer.id == customer_id))).first()
        return None if row is None else bool(row[0])

    async def record_access(self, actor: customer_view.Actor, action: str, entity: str, entity_id: Any,
                            facts: dict[str, Any]) -> None:
        """One audit entry for a read or an export (what was read goes in ``after``)."""
        async with self.connect(write=True) as conn:
            await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.agent_id, action=action,
                               entity=entity, entity_id=entity_id, after=facts)

    async def update_contact(self, customer_id: int, changes: Any, actor: customer_view.Actor,
                             scope: Scope | None = None) -> dict[str, Any]:
        """Change email / address / phones (``add_phones``, ``remove_phones``) in ONE transaction with an
        audit entry (``customer.update``); returns ``{"contact", "changed"}``. ValidationFailed names
        the fields, NotFound for an unknown customer, NotYourCustomer outside the *scope*."""
        checked = customer_view.check_contact_changes(changes, self.default_region)
        async with self.connect(write=True) as conn:
            return await customer_view.update_contact(conn, customer_id, checked, actor, scope)

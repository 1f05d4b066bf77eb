"""The store's facade for the customer pages: search (name, number, pinyin initials, account number),
the customer page with its history, and contact edits. ``Store`` inherits it; every method opens its
own connection (one transaction) through ``Store.connect``."""
from __future__ import annotations

from typing import Any

from crm_bridge import customer_page as customer_view
from crm_bridge import search


class CustomerStore:
    """Mixed into :class:`crm_bridge.store.Store` (which provides ``connect`` and ``default_region``)."""

    connect: Any
    default_region: str

    # ------------------------------------------------------------------ customer search, page, contact edits
    # (crm_bridge/search.py ranks the strategies; crm_bridge/customer_page.py holds the page and the edit)
    async def search_customers(self, query: str, *, limit: Any = None, offset: Any = None,
                               max_limit: int = search.MAX_LIMIT) -> dict[str, Any]:
        """Customers by name, number (any format), pinyin initials or account number, best first:
        ``{"query", "results", "limit", "offset", "more"}``; ValidationFailed names ``q``/``limit``/``offset``."""
        limit, offset = search.check_paging(limit, offset, max_limit=max_limit)
        search.clean_query(query)
        async with self.connect() as conn:
            return await search.search(conn, query, region=self.default_region, limit=limit, offset=offset)

    async def customer_page(self, customer_id: int, *, limit: int = customer_view.HISTORY_LIMIT) -> dict[str, Any] | None:
        """The customer (with phones, email, address, account manager) and their calls, complaints (all
        statuses, SLA deadline), follow-ups and tier changes, newest first; ``None`` when unknown."""
        async with self.connect() as conn:
            return await customer_view.page(conn, customer_id, max(1, min(limit, 1000)))

    async def update_contact(self, customer_id: int, changes: Any, actor: customer_view.Actor) -> dict[str, Any]:
        """Change email / address / phones (``add_phones``, ``remove_phones``) in ONE transaction with an
        audit entry (``customer.update``); returns ``{"contact", "changed"}``. ValidationFailed names
        the fields, NotFound for an unknown customer."""
        checked = customer_view.check_contact_changes(changes, self.default_region)
        async with self.connect(write=True) as conn:
            return await customer_view.update_contact(conn, customer_id, checked, actor)

"""Customer search: by name, by number (any format), by pinyin initials, by account number.

Theory of operation. :func:`plan` (pure) reads what the agent typed and picks *strategies*, each one
query with one rank (lower = better):

====  ==========================================================================  ===============
rank  strategy                                                                    how it is found
====  ==========================================================================  ===============
0     ``phone``: a phone equal to one E.164 reading of the query (``phones.variants``)  index ``phones.e164``
0     ``account``: the account number, as typed                                   unique index
0     ``name``: the whole name, case-insensitive                                  index ``name_initials``
1     ``name_prefix``: the name starts with the query                             index ``name_initials``
1     ``initials``: pinyin initials equal to the query (``ln`` -> 李娜)            index ``name_initials``
2     ``initials_prefix``: pinyin initials start with the query (2+ letters)      index ``name_initials``
3     ``name_contains``: the name contains the query                              scan, stops early
3     ``digits``: a phone ends with the query's digits (4+ digits)                scan of an index, stops early
====  ==========================================================================  ===============

A name that equals or starts with the query has initials that start with the query's initials, so
the name strategies are a range on the indexed ``name_initials`` column filtered by name (a name whose
pinyin reads differently inside a phrase still turns up as ``name_contains``). A query of digits and
phone punctuation is a number: it never searches names.

Results are ordered by (rank, customer id): an agent sees exact hits first, then the oldest
customers. That order lets every strategy stop early: each runs ``ORDER BY id LIMIT offset+limit+1``
on its own (a row of the final page is always among the first N of the strategy that found it with
its best rank), and the merge keeps each customer's best rank. The scanning strategies (rank 3) run
only when the indexed ones have not filled the page; they read in id order and stop at N matches, so
a full scan happens only for a rare substring (~70 ms for 1,000,000 customers on SQLite).

Least privilege (``crm_bridge.customer_access``): for an agent, each strategy that the access rules
restrict gets ``AND <one of their own customers>`` (correlated index probes) in its own statement,
so a restricted search costs no extra query and still stops early (a scan for a common substring
reads further, past the customers that are not theirs). The result says how it was limited (``"limited"``: ``None``,
``own`` or ``number_only``) and marks each row ``"own"``; a row found only by an exact number (not
one of the agent's own customers) comes without email and address.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from callcenter.errors import ValidationFailed
from crm_bridge import customer_access
from crm_bridge.customer_access import Scope
from crm_bridge.models import Customer, Phone
from crm_bridge.names import name_initials
from crm_bridge.phones import variants

MAX_QUERY = 100
DEFAULT_LIMIT = 20
MAX_LIMIT = 200
MAX_OFFSET = 10_000
EXPORT_MAX = 10_000          # rows of a search result the console exports
MIN_TRAILING_DIGITS = 4
SCAN_RANK = 3

_NUMBERISH = re.compile(r"^[\d\s+\-().]+$")
_LETTERS = re.compile(r"^[a-z]+$")
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class Strategy:
    kind: str        # phone | account | name | name_prefix | initials | initials_prefix | name_contains | digits
    rank: int
    value: Any       # what the query compares with (a list of numbers, a string)


def check_paging(limit: Any, offset: Any, *, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """``(limit, offset)`` as ints in range; ValidationFailed naming ``limit``/``offset`` otherwise."""
    errors: dict[str, str] = {}
    out = []
    for name, value, default, low, high in (("limit", limit, DEFAULT_LIMIT, 1, max_limit),
                                            ("offset", offset, 0, 0, MAX_OFFSET)):
        if value is None or value == "":
            out.append(default)
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[name] = f"must be a whole number from {low} to {high}"
            continue
        if not low <= number <= high:
            errors[name] = f"must be from {low} to {high}"
        out.append(number)
    if errors:
        raise ValidationFailed("the paging does not fit", errors)
    return out[0], out[1]


def clean_query(query: Any) -> str:
    if query is None:
        return ""
    if not isinstance(query, str):
        raise ValidationFailed("the search must be text", {"q": "must be text"})
    text = " ".join(query.split())
    if len(text) > MAX_QUERY:
        raise ValidationFailed("the search is too long", {"q": f"at most {MAX_QUERY} characters"})
    if "\x00" in text:
        raise ValidationFailed("the search has a NUL character", {"q": "must not contain NUL"})
    return text


def plan(query: str, region: str = "CN") -> list[Strategy]:
    """The strategies for a (cleaned) query; ``[]`` for an empty one."""
    q = clean_query(query)
    if not q:
        return []
    strategies: list[Strategy] = []
    if " " not in q and len(q) <= 32:
        strategies.append(Strategy("account", 0, q))
    if _NUMBERISH.match(q) and any(ch.isdigit() for ch in q):
        numbers = variants(q, region)
        if numbers:
            strategies.append(Strategy("phone", 0, numbers))
        digits = re.sub(r"\D", "", q)
        if len(digits) >= MIN_TRAILING_DIGITS:
            strategies.append(Strategy("digits", SCAN_RANK, digits))
        return strategies
    lowered = q.lower()
    initials = name_initials(q)
    if initials:
        strategies.append(Strategy("name", 0, (lowered, initials)))
        strategies.append(Strategy("name_prefix", 1, (lowered, initials)))
    compact = lowered.replace(" ", "")
    if _LETTERS.match(compact):
        strategies.append(Strategy("initials", 1, compact))
        if len(compact) >= 2:
            strategies.append(Strategy("initials_prefix", 2, compact))
    strategies.append(Strategy("name_contains", SCAN_RANK, lowered))
    return strategies


def _like_escape(text: str) -> str:
    return text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")


def _initials_range(prefix: str) -> Any:
    # A range, not LIKE: SQLite uses an index for LIKE only with case_sensitive_like or a NOCASE index.
    return (Customer.name_initials >= prefix) & (Customer.name_initials < prefix + "\U0010ffff")


def _name_like(pattern: str, dialect: str) -> Any:
    # SQLite's LIKE ignores ASCII case by itself (and its lower() knows ASCII only): the plain LIKE
    # scans ~2x faster than lower(name) LIKE. PostgreSQL's LIKE is case-sensitive: lower() there.
    if dialect == "sqlite":
        return Customer.name.like(pattern, escape=_LIKE_ESCAPE)
    return func.lower(Customer.name).like(pattern, escape=_LIKE_ESCAPE)


def strategy_stmt(strategy: Strategy, n: int, dialect: str = "postgresql",
                  within: Callable[[Any], Any] | None = None) -> Select[Any]:
    """The ids of the first *n* customers (by id) the strategy finds; *within* (a customer id column ->
    condition, ``customer_access.visible``) limits them."""
    kind, value = strategy.kind, strategy.value
    if kind == "phone":
        stmt = select(Phone.customer_id.label("id")).where(Phone.e164.in_(list(value)))
        if within is not None:
            stmt = stmt.where(within(Phone.customer_id))
        return stmt.distinct().order_by(Phone.customer_id).limit(n)
    if kind == "digits":
        stmt = select(Phone.customer_id.label("id")).where(
            Phone.e164.like("%" + _like_escape(value), escape=_LIKE_ESCAPE))
        if within is not None:
            stmt = stmt.where(within(Phone.customer_id))
        return stmt.distinct().order_by(Phone.customer_id).limit(n)
    stmt = select(Customer.id.label("id"))
    if within is not None:
        stmt = stmt.where(within(Customer.id))
    if kind == "account":
        stmt = stmt.where(Customer.account_number == value)
    elif kind == "name":
        lowered, initials = value
        stmt = stmt.where(Customer.name_initials == initials[:64], func.lower(Customer.name) == lowered)
    elif kind == "name_prefix":
        lowered, initials = value
        stmt = stmt.where(_initials_range(initials[:64]), _name_like(_like_escape(lowered) + "%", dialect))
    elif kind == "initials":
        stmt = stmt.where(Customer.name_initials == value)
    elif kind == "initials_prefix":
        stmt = stmt.where(_initials_range(value))
    elif kind == "name_contains":
        stmt = stmt.where(_name_like("%" + _like_escape(value) + "%", dialect))
    else:
        raise ValueError(f"unknown search strategy {kind!r}")
    return stmt.order_by(Customer.id).limit(n)


def merge(found: Sequence[tuple[Strategy, Sequence[int]]]) -> dict[int, tuple[int, str]]:
    """``{customer_id: (best rank, strategy kind)}``; the first strategy wins a tie (plan order)."""
    best: dict[int, tuple[int, str]] = {}
    for strategy, ids in found:
        for cid in ids:
            if cid not in best or strategy.rank < best[cid][0]:
                best[int(cid)] = (strategy.rank, strategy.kind)
    return best


def page_of(best: dict[int, tuple[int, str]], limit: int, offset: int) -> list[tuple[int, int, str]]:
    """``[(customer_id, rank, kind)]`` of the page, ordered by (rank, id)."""
    ordered = sorted(best.items(), key=lambda item: (item[1][0], item[0]))
    return [(cid, rank, kind) for cid, (rank, kind) in ordered[offset:offset + limit]]


async def find_ids(conn: AsyncConnection, strategies: Sequence[Strategy], limit: int,
                   offset: int, scope: Scope | None = None) -> tuple[list[tuple[int, int, str]], bool]:
    """The page ``[(customer_id, rank, kind)]`` and whether more results follow it."""
    n = offset + limit + 1
    dialect = conn.dialect.name

    def own(column: Any) -> Any:
        assert scope is not None
        return customer_access.visible(scope, column)

    def stmt(strategy: Strategy) -> Select[Any]:
        limited = scope is not None and customer_access.restricted(scope, strategy.kind)
        return strategy_stmt(strategy, n, dialect, own if limited else None)

    found: list[tuple[Strategy, Sequence[int]]] = []
    for strategy in strategies:
        if strategy.rank >= SCAN_RANK:
            continue
        found.append((strategy, (await conn.execute(stmt(strategy))).scalars().all()))
    if len(merge(found)) < n:      # the indexed strategies do not fill the page: scan as well
        for strategy in strategies:
            if strategy.rank >= SCAN_RANK:
                found.append((strategy, (await conn.execute(stmt(strategy))).scalars().all()))
    best = merge(found)
    return page_of(best, limit, offset), len(best) > offset + limit


async def rows_for(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The listing columns and phones of *ids* (two queries)."""
    if not ids:
        return {}
    stmt = select(Customer.id, Customer.name, Customer.customer_type, Customer.value_class,
                  Customer.credit_status, Customer.language, Customer.account_number, Customer.email,
                  Customer.address).where(Customer.id.in_(list(ids)))
    rows = {int(r["id"]): {**dict(r), "phones": []} for r in (await conn.execute(stmt)).mappings()}
    phones = select(Phone.customer_id, Phone.e164, Phone.kind).where(Phone.customer_id.in_(list(ids))).order_by(Phone.id)
    for cid, e164, kind in await conn.execute(phones):
        rows[int(cid)]["phones"].append({"e164": e164, "kind": kind})
    return rows


async def _own_among(conn: AsyncConnection, scope: Scope | None, page: Sequence[tuple[int, int, str]]) -> set[int]:
    """Which ids of the page are the agent's own: all of them unless an exact, unrestricted strategy
    found one (then one query tells them apart)."""
    ids = [cid for cid, _, _ in page]
    if scope is None or customer_access.sees_all(scope):
        return set(ids)
    if not any(not customer_access.restricted(scope, kind) for _, _, kind in page):
        return set(ids)
    stmt = select(Customer.id).where(Customer.id.in_(ids), customer_access.visible(scope, Customer.id))
    return {int(i) for i in (await conn.execute(stmt)).scalars()}


def _listing(row: dict[str, Any], own: bool) -> dict[str, Any]:
    return {**row, "own": True} if own else {**row, "email": None, "address": None, "own": False}


async def search(conn: AsyncConnection, query: str, *, region: str, limit: int, offset: int,
                 scope: Scope | None = None) -> dict[str, Any]:
    """``{"query", "results": [customer dict + match + rank + own], "limit", "offset", "more", "limited"}``;
    *scope* None = no access limits (tools, the IVR)."""
    limited = customer_access.limitation(scope) if scope is not None else None
    strategies = plan(query, region)
    if not strategies:
        return {"query": clean_query(query), "results": [], "limit": limit, "offset": offset, "more": False,
                "limited": limited}
    page, more = await find_ids(conn, strategies, limit, offset, scope)
    rows = await rows_for(conn, [cid for cid, _, _ in page])
    own = await _own_among(conn, scope, page)
    results = [{**_listing(rows[cid], cid in own), "match": kind, "rank": rank}
               for cid, rank, kind in page if cid in rows]
    return {"query": clean_query(query), "results": results, "limit": limit, "offset": offset, "more": more,
            "limited": limited}

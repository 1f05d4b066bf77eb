"""The CRM store facade: the one object the rest of the server uses to reach the database.

CONTRACT (used by ivr/, console/ and callcenter/engine.py; keep these signatures):

* ``Store(url, *, default_region="CN", echo=False)``; ``await open()`` creates the engine and the
  schema if missing; ``await close()`` disposes it.
* ``identify(number)`` -> list of screen-pop cards (dicts, see ``crm_bridge/cards.py``) of the
  customers whose phone matches the normalised number, best match first; ``[]`` when unknown.
* ``list_agents()`` / ``agent_by_login(login)`` -> :class:`AgentRecord`.
* ``record_interactions([(interaction_id, fields), ...])`` -> upsert many rows in ONE transaction;
  never overwrites ``outcome``/``notes``/``disposition_at`` (those belong to ``save_disposition``).
* ``save_disposition(Disposition)`` -> commits outcome, notes and the optional complaint in one
  transaction (inserting the interaction row if the recorder has not written it yet) and returns
  :class:`DispositionResult`; raises ``errors.StoreUnavailable`` when the database is down and
  ``errors.ValidationFailed`` for values that do not fit.
* ``interaction(interaction_id)`` -> dict of the row (and its complaints) or ``None``.

Interaction ``fields`` keys (all optional): call_id, caller_number, customer_id, queue, agent_id,
customer_type, value_class, priority, menu_choice, ivr_digits, language, status, started_at,
queued_at, answered_at, ended_at, hold_seconds, talk_seconds, ivr_failed. Datetimes are aware UTC.
``status`` is one of: ivr, queued, ringing, answered, completed, abandoned, left, ivr_hangup.

Details of the contract as implemented:

* ``identify`` reads the number under ``default_region`` and tries every variant of
  ``crm_bridge.phones.variants`` in ONE indexed ``phones.e164 IN (...)`` query joined to the customer
  and its account manager; only if something matched, ONE more query (a UNION ALL) for the open
  complaints and the last 5 interactions of all matched customers. Cards are ordered: exact E.164 match first
  (``card["match"] == "exact"``, else ``"variant"``), then value class major > named > non_named >
  mass, then customer type vip > group > family > individual; at most 10 cards. Junk numbers
  (``anonymous``, ``""``) return ``[]`` without touching the database.
* ``record_interactions`` checks the whole batch first (unknown field, wrong type, value outside
  its vocabulary, text longer than its column, or ``outcome``/``notes``/``disposition_at``) and
  raises ``ValidationFailed`` with ``details["fields"]`` keyed ``"<interaction_id>.<field>"``; rows of
  the same id in one batch are merged in order (later fields win). ``ivr_digits`` may be a str or a
  sequence of str (stored comma-joined). What callers send (``caller_number``, ``ivr_digits``,
  ``menu_choice``) is cut to its column (64, 64, 32) rather than refused. A naive datetime is taken
  as UTC.
  A ``ValidationFailed`` here is permanent (retrying the same batch fails again); ``StoreUnavailable``
  is worth retrying.
* ``save_disposition`` field names in ``ValidationFailed.details["fields"]``: ``outcome`` (non-empty,
  at most 64 characters), ``notes`` (at most 4000), ``complaint.category`` (non-empty, at most 64),
  ``complaint.severity`` (low | medium | high | critical), ``complaint.description`` (non-empty, at
  most 4000), ``agent_id`` (must exist), ``interaction_id``, ``call_id``, ``call_fields.<field>``.
  The complaint is owned by ``agent_id`` with status ``open`` and the interaction's customer. Call
  facts in ``call_fields`` fill only columns the recorder left empty. Saving the same disposition
  twice does not file the complaint twice. Races with ``record_interactions`` are handled by
  ``INSERT ... ON CONFLICT`` plus one retry on ``IntegrityError``.
* ``interaction`` gives every column (datetimes as aware UTC ``datetime``; orjson serialises them),
  plus ``customer_name``, ``agent_name``, ``agent_login`` and ``complaints`` (dicts as in
  ``list_complaints``).
* Every method raises ``errors.StoreUnavailable`` when the database cannot be reached (or before
  ``open()``).

Added for the console and the IVR (same error rules):

* ``agent_by_id(agent_id)`` -> :class:`AgentRecord` or ``None``.
* ``recent_interactions(limit=50, *, agent_id=None, customer_id=None, status=None)`` -> list of
  interaction dicts (as ``interaction`` without ``complaints``), newest first; ``limit`` capped at 1000.
* ``list_complaints(*, status=None, owner_agent_id=None, customer_id=None, limit=50)`` -> list of
  complaint dicts (every column plus ``customer_name``, ``owner_login``, ``owner_name``), newest
  first; ``status`` is one status or a sequence of them.
* ``advance_complaint(complaint_id, status, *, actor_login="system", actor_agent_id=None)`` -> the
  updated complaint dict (with a ``complaint.advance`` audit entry by that actor); follows
  ``crm_bridge.complaints.TRANSITIONS`` (open -> in_progress | resolved; in_progress -> resolved;
  resolved -> confirmed | in_progress; confirmed -> closed); raises ``NotFound`` or
  ``ValidationFailed`` (field ``status``).
* ``customer_card(customer_id)`` -> the card (``match == "id"``, ``number`` = first phone) or ``None``.
* ``verify_account(account_number, pin)`` -> the card (``match == "account"``) when the account exists,
  has a PIN and the PIN matches; ``None`` otherwise (never says which).
* ``add_customer(name, *, customer_type="individual", value_class="mass", phones=(), ...)`` -> new
  customer id; phones are normalised to E.164 (``ValidationFailed`` field ``phones[i]`` otherwise).
* ``ping()`` -> ``None`` or ``StoreUnavailable``; ``backend`` -> ``"sqlite"`` | ``"postgresql"``;
  for tools such as ``crm_bridge.seed``: ``connect(*, write=False)`` (an async context manager
  giving an ``AsyncConnection`` in a transaction, errors mapped), ``engine`` and ``sessions`` (an
  ``async_sessionmaker(expire_on_commit=False)`` for ORM work).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.errors import CallCenterError, NotFound, StoreUnavailable, ValidationFailed
from callcenter.settings import ComplaintSettings
from crm_bridge import agents, call_customer, complaints, customers, db, followups, interactions, wrapups
from crm_bridge.models import COMPLAINT_STATUSES, LANGUAGES, Customer, utcnow
from crm_bridge.passwords import hash_password, verify_password
from crm_bridge.phones import normalize as normalize_number
from crm_bridge.phones import variants as number_variants
from crm_bridge.store_agents import AgentStore
from crm_bridge.store_cases import CaseStore
from crm_bridge.store_customers import CustomerStore
from crm_bridge.store_supervision import SupervisionStore
from crm_bridge.db_errors import UNAVAILABLE, first_line, is_unavailable, unavailable
from crm_bridge.records import (AgentRecord, ComplaintInput, Disposition, DispositionResult,  # noqa: F401 (re-exported)
                                FollowUpInput)

log = logging.getLogger(__name__)


class Store(AgentStore, CustomerStore, CaseStore, SupervisionStore):
    """The CRM database behind one object (see the module docstring for the contract)."""

    def __init__(self, url: str, *, default_region: str = "CN", echo: bool = False) -> None:
        self.url = url
        self.default_region = default_region
        self._echo = echo
        self._engine: AsyncEngine | None = None
        self._writer: AsyncEngine | None = None
        self._reader: AsyncEngine | None = None
        self._sync_reader: Any = None          # SQLite only: hot reads in one thread hop (db.make_sync_reader)
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    # ------------------------------------------------------------------ lifetime
    async def open(self) -> None:
        """Create the engine and the schema if missing. Idempotent."""
        if self._engine is not None:
            return
        engine = db.make_engine(self.url, echo=self._echo)
        try:
            await db.create_schema(engine)
        except (sa_exc.DBAPIError, *UNAVAILABLE) as exc:
            await engine.dispose()
            if isinstance(exc, sa_exc.DBAPIError) and not is_unavailable(exc):
                raise
            raise unavailable(exc) from exc
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        self._sync_reader = db.make_sync_reader(self.url)
        self._writer = db.writer(engine)
        self._reader = db.reader(engine)
        self._sessions = db.make_sessionmaker(engine)

    async def close(self) -> None:
        engine, self._engine, self._writer, self._reader, self._sessions = self._engine, None, None, None, None
        sync_reader, self._sync_reader = self._sync_reader, None
        if sync_reader is not None:
            await asyncio.to_thread(sync_reader.dispose)
        if engine is not None:
            await engine.dispose()

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StoreUnavailable("the CRM store is not open")
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._sessions is None:
            raise StoreUnavailable("the CRM store is not open")
        return self._sessions

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> None:
        async with self.connect() as conn:
            await conn.execute(text("SELECT 1"))

    # ------------------------------------------------------------------ callers
    async def identify(self, number: str) -> list[dict[str, Any]]:
        candidates = number_variants(number, self.default_region)
        if not candidates:
            return []
        primary = normalize_number(number, self.default_region)
        sync_reader = self._sync_reader
        if sync_reader is not None:
            return await asyncio.to_thread(self._identify_sync, sync_reader, candidates, primary)
        async with self.connect() as conn:
            rows = await customers.match_phones(conn, candidates)
            if not rows:
                return []
            chosen, numbers = customers.pick_matches(rows, primary)
            return await customers.cards_for(conn, chosen, numbers)

    @staticmethod
    def _identify_sync(engine: Any, candidates: list[str], primary: str | None) -> list[dict[str, Any]]:
        try:
            with engine.connect() as conn:
                return customers.identify_sync(conn, candidates, primary)
        except (sa_exc.DBAPIError, *UNAVAILABLE) as exc:
            if isinstance(exc, sa_exc.DBAPIError) and not is_unavailable(exc):
                raise
            raise unavailable(exc) from exc

    async def customer_card(self, customer_id: int) -> dict[str, Any] | None:
        async with self.connect() as conn:
            found = await customers.by_ids(conn, [customer_id])
            if not found:
                return None
            number = await customers.first_phone(conn, customer_id)
            return (await customers.cards_for(conn, found, {customer_id: (number, "id")}))[0]

    async def verify_account(self, account_number: str, pin: str) -> dict[str, Any] | None:
        account_number, pin = (account_number or "").strip(), (pin or "").strip()
        if not account_number or not pin or len(account_number) > 32 or len(pin) > 32:
            return None
        async with self.connect() as conn:
            row = await customers.by_account(conn, account_number)
        if row is None or not row["pin_hash"]:
            return None
        # argon2 takes ~20 ms of CPU: keep it off the event loop.
        if not await asyncio.to_thread(verify_password, row["pin_hash"], pin):
            return None
        cid = int(row["id"])
        async with self.connect() as conn:
            number = await customers.first_phone(conn, cid)
            return (await customers.cards_for(conn, [row], {cid: (number, "account")}))[0]

    async def add_customer(
        self,
        name: str,
        *,
        customer_type: str = "individual",
        value_class: str = "mass",
        phones: Iterable[str | tuple[str, str]] = (),
        language: str = "zh",
        credit_status: str = "normal",
        account_number: str | None = None,
        account_manager_id: int | None = None,
        pin: str | None = None,
    ) -> int:
        """Insert a customer with its phones (``"13800138000"`` or ``(number, kind)``); returns its id."""
        values, normalised = customers.check_customer(
            {"name": name, "customer_type": customer_type, "value_class": value_class, "language": language,
             "credit_status": credit_status, "account_number": account_number,
             "account_manager_id": account_manager_id},
            phones, self.default_region,
        )
        values["pin_hash"] = await asyncio.to_thread(hash_password, pin) if pin else None
        try:
            async with self.connect(write=True) as conn:
                return await customers.insert_customer(conn, values, normalised)
        except sa_exc.IntegrityError as exc:
            raise ValidationFailed(
                "the account number is taken or the account manager does not exist",
                {"account_number": "already used, or account_manager_id unknown"},
            ) from exc

    # ------------------------------------------------------------------ the customer of a call (issue 10)
    async def set_call_customer(self, *, interaction_id: str, call_id: str, customer_id: int,
                                actor_login: str, actor_agent_id: int) -> dict[str, Any]:
        """Store *customer_id* on the call's interaction row (committed, audited); returns its card."""
        async with self.connect(write=True) as conn:
            await call_customer.assign(conn, interaction_id=interaction_id, call_id=call_id,
                                       customer_id=customer_id, actor_login=actor_login,
                                       actor_agent_id=actor_agent_id, now=utcnow())
        card = await self.customer_card(customer_id)
        if card is None:        # deleted in between: the row's foreign key went to NULL with it
            raise NotFound("customer", customer_id)
        return card

    # ------------------------------------------------------------------ customers (continued)
    async def set_customer_language(self, customer_id: int, language: str) -> None:
        """Remember the language a caller chose in the voice menu (``zh`` or ``en``)."""
        if language not in LANGUAGES:
            raise ValidationFailed(f"unknown language {language!r}", {"language": "unknown"})
        async with self.connect(write=True) as conn:
            await conn.execute(update(Customer).where(Customer.id == customer_id).values(language=language))

    async def callers(self, limit: int = 500) -> list[tuple[str, str]]:
        """(E.164 number, name) of customers, for the demo's simulated callers."""
        async with self.connect() as conn:
            return await customers.callers(conn, limit)

    # ------------------------------------------------------------------ interactions
    async def record_interactions(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        rows = interactions.merge_batch(batch)
        if not rows:
            return
        for attempt in (1, 2):
            try:
                async with self.connect(write=True) as conn:
                    await interactions.upsert_many(conn, rows)
                return
            except sa_exc.IntegrityError as exc:
                if attempt == 2:
                    raise ValidationFailed(
                        "the batch refers to a customer or agent that does not exist",
                        {"batch": "unknown customer_id or agent_id"},
                    ) from exc
                log.info("record_interactions: integrity error, retrying once: %s", first_line(exc))

    async def save_disposition(self, disposition: Disposition, *,
                               rules: ComplaintSettings | None = None) -> DispositionResult:
        d = disposition
        rules = rules or complaints.DEFAULT_RULES
        call_fields = interactions.check_disposition(d)
        for attempt in (1, 2):
            try:
                async with self.connect(write=True) as conn:
                    if not await agents.exists(conn, d.agent_id):
                        raise ValidationFailed(f"no agent {d.agent_id}", {"agent_id": "no such agent"})
                    now = utcnow()
                    customer_id = await interactions.upsert_disposition(conn, d, call_fields, now)
                    complaint_id = None
                    if d.complaint is not None:
                        values = {
                            "customer_id": customer_id, "interaction_id": d.interaction_id,
                            "category": d.complaint.category.strip(), "severity": d.complaint.severity,
                            "description": d.complaint.description.strip(), "status": "open",
                            "owner_agent_id": d.agent_id, "created_at": now, "updated_at": now,
                        }
                        kind = await complaints.customer_type(conn, customer_id) or call_fields.get("customer_type")
                        values["sla_due_at"] = complaints.sla_due(now, d.complaint.severity, kind, rules)
                        complaint_id = await complaints.find_same(conn, values) or await complaints.add(conn, values)
                    follow_up_id = None
                    if d.follow_up is not None:     # same transaction: refused -> outcome and complaint too
                        follow_up_id = await followups.from_disposition(
                            conn, d.follow_up, agent_id=d.agent_id, interaction_id=d.interaction_id,
                            customer_id=customer_id, complaint_id=complaint_id, now=now)
                return DispositionResult(interaction_id=d.interaction_id, complaint_id=complaint_id,
                                         follow_up_id=follow_up_id)
            except sa_exc.IntegrityError as exc:
                if attempt == 2:
                    raise ValidationFailed(
                        "the disposition refers to a customer or agent that does not exist",
                        {"call_fields": "unknown customer_id or agent_id"},
                    ) from exc
                log.info("save_disposition %s: integrity error, retrying once: %s", d.interaction_id, first_line(exc))
        raise AssertionError("unreachable")

    async def interaction(self, interaction_id: str) -> dict[str, Any] | None:
        async with self.connect() as conn:
            return await interactions.by_id(conn, interaction_id)

    async def recent_interactions(
        self, limit: int = 50, *, agent_id: int | None = None, customer_id: int | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        async with self.connect() as conn:
            return await interactions.recent(conn, limit, agent_id=agent_id, customer_id=customer_id, status=status)

    # ------------------------------------------------------------------ pending wrap-ups
    async def pending_wrapups(self, agent_id: int, *, also: Sequence[str] = ()) -> tuple[list[dict[str, Any]], set[str]]:
        """The agent's answered calls without an outcome (oldest first), and which of *also* (interaction
        ids the engine still holds) are saved meanwhile."""
        async with self.connect() as conn:
            return await wrapups.pending(conn, agent_id), await wrapups.with_outcome(conn, also)

    async def savable_wrapup(self, agent_id: int, interaction_id: str, call_id: str) -> dict[str, Any] | None:
        async with self.connect() as conn:
            return await wrapups.savable(conn, agent_id, interaction_id, call_id)

    async def missing_outcomes(self, since: Any = None, until: Any = None) -> dict[int, int]:
        async with self.connect() as conn:
            return await wrapups.missing_by_agent(conn, since, until)

    # ------------------------------------------------------------------ complaints
    async def list_complaints(
        self, *, status: str | Sequence[str] | None = None, owner_agent_id: int | None = None,
        customer_id: int | None = None, limit: int = 50,
    ) -> list[dict[str, Any]]:
        statuses = (status,) if isinstance(status, str) else tuple(status or ())
        unknown = [s for s in statuses if s not in COMPLAINT_STATUSES]
        if unknown:
            raise ValidationFailed(f"unknown complaint status {unknown[0]!r}",
                                   {"status": f"expected one of {', '.join(COMPLAINT_STATUSES)}"})
        async with self.connect() as conn:
            return await complaints.listing(conn, statuses=statuses, owner_agent_id=owner_agent_id,
                                            customer_id=customer_id, limit=limit)

    async def advance_complaint(self, complaint_id: int, status: str, *, actor_login: str = "system",
                                actor_agent_id: int | None = None) -> dict[str, Any]:
        async with self.connect(write=True) as conn:
            return await complaints.advance(conn, complaint_id, status, utcnow(), actor_login=actor_login,
                                            actor_agent_id=actor_agent_id)

    # ------------------------------------------------------------------ plumbing
    @asynccontextmanager
    async def connect(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection (*write*: in a transaction committed on success, SQLite taking the write lock
        up front; else read-only, on SQLite one snapshot per statement), with database failures
        turned into StoreUnavailable. IntegrityError passes
        through: callers decide. Public for tools (seed, benchmarks); the server uses the methods."""
        if self._writer is None or self._reader is None:
            raise StoreUnavailable("the CRM store is not open")
        try:
            if write:
                async with self._writer.begin() as conn:
                    yield conn
            else:
                async with self._reader.connect() as conn:
                    yield conn
        except CallCenterError:
            raise
        except sa_exc.DBAPIError as exc:
            if is_unavailable(exc):
                raise unavailable(exc) from exc
            raise
        except UNAVAILABLE as exc:
            raise unavailable(exc) from exc

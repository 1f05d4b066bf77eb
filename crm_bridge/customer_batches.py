"""Writing checked customer rows in batches (the CSV import's database side).

Theory of operation. Rows arrive checked (``crm_bridge.csv_io.parse_row``), a batch at a time. A
batch is one transaction: the owners of the batch's first numbers and account numbers are read, then
:func:`plan_batch` (pure) decides which rows are duplicates (of a customer in the database, or of an
earlier row of the same file: the first number and the account number count) and the others are
inserted with two statements. The numbers a batch adds count as *seen* only once it is committed. If
the database refuses the batch anyway (a constraint the checks did not foresee, a customer an agent
wrote meanwhile), :func:`write_rows` halves it and tries each half, until the refused row stands alone
and is reported: a bad row costs about 2·log2(batch) transactions, and no good row of its batch is lost.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import insert, select

from crm_bridge.db_errors import first_line
from crm_bridge.models import Customer, Phone
from crm_bridge.names import name_initials


@dataclass(slots=True)
class CheckedRow:
    line: int
    cells: list[str]
    values: dict[str, Any]
    phones: list[tuple[str, str]]


@dataclass(slots=True)
class Seen:
    """First numbers and account numbers already imported from this file: ``{value: line}``."""

    numbers: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


Problem = tuple[int, str, dict[str, str], Sequence[str]]      # line, status, reasons, cells


async def write_rows(store: Any, batch: Sequence[CheckedRow], seen: Seen) -> tuple[int, list[Problem]]:
    """Insert *batch* in one transaction; if the database refuses it (a constraint the checks did not
    foresee, a row written meanwhile by someone else), halve it until the refused rows stand alone,
    so each is reported and every other row is written. ``(rows imported, problems)``."""
    try:
        return await _write_batch(store, batch, seen)
    except (sa_exc.IntegrityError, sa_exc.DataError) as exc:
        if len(batch) == 1:
            row = batch[0]
            return 0, [(row.line, "rejected", {"row": f"the database refused it: {first_line(exc)}"}, row.cells)]
        middle = len(batch) // 2
        done_a, found_a = await write_rows(store, batch[:middle], seen)
        done_b, found_b = await write_rows(store, batch[middle:], seen)
        return done_a + done_b, found_a + found_b


async def _write_batch(store: Any, batch: Sequence[CheckedRow], seen: Seen) -> tuple[int, list[Problem]]:
    numbers = sorted({row.phones[0][0] for row in batch if row.phones})
    accounts = sorted({row.values["account_number"] for row in batch if row.values["account_number"]})
    async with store.connect(write=True) as conn:
        owners: dict[str, int] = {}
        for chunk in _chunks(numbers, 500):
            found = await conn.execute(select(Phone.e164, Phone.customer_id).where(Phone.e164.in_(chunk)))
            for e164, cid in found:
                owners.setdefault(e164, int(cid))
        taken: dict[str, int] = {}
        for chunk in _chunks(accounts, 500):
            found = await conn.execute(select(Customer.account_number, Customer.id)
                                       .where(Customer.account_number.in_(chunk)))
            taken.update({a: int(cid) for a, cid in found})
        accepted, duplicates, now_seen = plan_batch(batch, owners, taken, seen)
        if accepted:
            ids = (await conn.execute(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
                [{**row.values, "name_initials": name_initials(row.values["name"])[:64], "pin_hash": None}
                 for row in accepted],
            )).scalars().all()
            phone_rows = [{"customer_id": int(cid), "e164": e, "kind": k}
                          for cid, row in zip(ids, accepted) for e, k in row.phones]
            if phone_rows:
                await conn.execute(insert(Phone), phone_rows)
    # Committed: only now do this batch's numbers count as seen (a refused batch is retried in halves).
    seen.numbers.update(now_seen.numbers)
    seen.accounts.update(now_seen.accounts)
    return len(accepted), duplicates


def plan_batch(batch: Sequence[CheckedRow], owners: dict[str, int], taken: dict[str, int],
               seen: Seen) -> tuple[list[CheckedRow], list[Problem], Seen]:
    """Which rows of *batch* to insert and which are duplicates (of a customer in the database, of an
    earlier row of the file), and the numbers and accounts the inserted rows add."""
    added = Seen()
    accepted: list[CheckedRow] = []
    duplicates: list[Problem] = []
    for row in batch:
        reasons: dict[str, str] = {}
        first = row.phones[0][0] if row.phones else None
        earlier = seen.numbers.get(first) or added.numbers.get(first) if first else None
        if first in owners:
            reasons["phones[0]"] = f"{first} belongs to customer {owners[first]}"
        elif earlier:
            reasons["phones[0]"] = f"{first} is on line {earlier} already"
        account = row.values["account_number"]
        earlier = seen.accounts.get(account) or added.accounts.get(account) if account else None
        if account and account in taken:
            reasons["account_number"] = f"already used by customer {taken[account]}"
        elif earlier:
            reasons["account_number"] = f"on line {earlier} already"
        if reasons:
            duplicates.append((row.line, "duplicate", reasons, row.cells))
            continue
        for e164, _ in row.phones:
            if e164 not in seen.numbers:
                added.numbers.setdefault(e164, row.line)
        if account:
            added.accounts[account] = row.line
        accepted.append(row)
    return accepted, duplicates, added


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])

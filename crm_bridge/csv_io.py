"""CSV import and export of customers.

File format (one header line, then one customer per row; column order free, names case-insensitive):

================  ========  ==================================================================
column            required  value
================  ========  ==================================================================
name              yes       1-200 characters
phones            no        numbers separated by ``;``, any format (``13800138000``,
                            ``010-12345678``, ``+86 138...``); stored as E.164. ``phone`` is
                            accepted as the header too
customer_type     no        vip | group | family | individual (default individual)
value_class       no        major | named | non_named | mass (default mass)
language          no        zh | en (default zh)
account_number    no        1-32 characters, unique
email             no        name@example.com
address           no        at most 400 characters
credit_status     no        normal | suspended (default normal)
id                no        ignored (written by the export, so an export can be imported elsewhere)
================  ========  ==================================================================

Encoding: UTF-8 with or without a BOM. Excel in China often saves GBK: ``encoding="auto"`` (the
default) reads the file as UTF-8 when its start decodes as UTF-8 and as GB18030 (a superset of GBK)
otherwise; ``encoding="gbk"`` (or any Python codec name) forces one.

De-duplication: a row is *not imported* when its first number (the customer's own, normalised to
E.164) already belongs to a customer in the database or to an earlier row of the same file; it is
reported as ``duplicate`` with the customer id or the line it repeats. Further numbers of a row may be
shared (a family's home line, a company switchboard), as in the database. We never merge: a
re-imported file must not overwrite what agents have corrected since, and the same number under
another name may be another person. The same holds for an account number already taken. Phone kinds
are not in the file: imported numbers are ``mobile``.

Rejected and duplicate rows go to the report (CSV: ``line``, ``status``, ``reasons``, then the row's
own columns, so a fixed report can be imported again after dropping the first three columns). Rows
are written in batches, each batch one transaction; the progress callback is told after each batch.

Export: the same columns (plus ``id``), UTF-8 with a BOM (Excel opens it as UTF-8). A cell starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'`` so a spreadsheet does not
run it as a formula (CSV injection); the import strips that ``'`` again.
"""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import insert, select

from callcenter.errors import StoreUnavailable, ValidationFailed
from crm_bridge import customers as customer_rows
from crm_bridge import search
from crm_bridge.csv_records import ImportFailed, codec_name, decode, detect_encoding, records
from crm_bridge.customer_page import check_contact_changes
from crm_bridge.db_errors import first_line
from crm_bridge.models import Customer, Phone
from crm_bridge.names import name_initials

COLUMNS = ("name", "phones", "customer_type", "value_class", "language", "account_number", "email", "address",
           "credit_status")
EXPORT_COLUMNS = ("id", *COLUMNS)
DEFAULTS = {"customer_type": "individual", "value_class": "mass", "language": "zh", "credit_status": "normal"}
_ALIASES = {"phone": "phones", "id": "id"}
REPORT_PREFIX = ("line", "status", "reasons")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH_SIZE = 500
REASON_CHARS = 300
PER_ROW_PROMISE = ("each bad or duplicate row was skipped on its own and every other row imported; a file "
                   "with a broken header or encoding is refused whole, before anything is written")
__all__ = ["ImportFailed", "detect_encoding"]   # re-exported: callers catch csv_io.ImportFailed


@dataclass(slots=True)
class ImportProgress:
    rows: int = 0            # data rows read
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    bytes_read: int = 0
    bytes_total: int = 0


@dataclass(slots=True)
class ImportSummary:
    encoding: str
    progress: ImportProgress = field(default_factory=ImportProgress)
    problems: list[dict[str, Any]] = field(default_factory=list)   # {line, status, reasons, row}

    def lines(self, shown: int = 20) -> list[str]:
        """The summary for a person: counts, what the counts mean, then the first *shown* problems."""
        p = self.progress
        out = [f"read {p.rows} rows ({self.encoding}): {p.imported} imported, {p.duplicates} duplicates, "
               f"{p.rejected} rejected", PER_ROW_PROMISE]
        out += [f"line {f['line']}: {f['status']}: {reasons_text(f['reasons'])}" for f in self.problems[:shown]]
        if len(self.problems) > shown:
            out.append(f"... and {len(self.problems) - shown} more (all of them in the report: --report FILE)")
        return out


# ---------------------------------------------------------------------------- pure helpers
def escape_cell(value: Any) -> str:
    """A cell value safe to open in a spreadsheet (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def unescape_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def header_columns(header: Sequence[str]) -> list[str]:
    """The canonical column name of each header cell; ImportFailed naming unknown or missing columns."""
    names = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    unknown = [h for h, n in zip(header, names) if n not in COLUMNS and n != "id"]
    if unknown:
        raise ImportFailed(f"unknown column(s) {', '.join(repr(u) for u in unknown)}; expected {', '.join(COLUMNS)}")
    if "name" not in names:
        raise ImportFailed(f"the header has no 'name' column; expected {', '.join(COLUMNS)}")
    seen = [n for i, n in enumerate(names) if n in names[:i]]
    if seen:
        raise ImportFailed(f"column {seen[0]!r} appears twice in the header")
    return names


def parse_row(names: Sequence[str], cells: Sequence[str], region: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``(customer values, [(e164, kind)])`` of one row; ValidationFailed naming the columns otherwise."""
    if len(cells) > len(names):
        raise ValidationFailed("too many cells", {"row": f"{len(cells)} cells for {len(names)} columns"})
    row = {n: unescape_cell(c.strip()) for n, c in zip(names, cells) if n != "id"}
    values: dict[str, Any] = {key: row.get(key) or default for key, default in DEFAULTS.items()}
    values["name"] = row.get("name", "")
    values["account_number"] = row.get("account_number") or None
    raw_phones = [p.strip() for p in (row.get("phones") or "").split(";") if p.strip()]
    errors: dict[str, str] = {}
    try:
        values, phones = customer_rows.check_customer(values, raw_phones, region)
    except ValidationFailed as exc:
        errors.update(exc.details["fields"])
        phones = []
    try:
        contact = check_contact_changes({"email": row.get("email") or "", "address": row.get("address") or ""}, region)
    except ValidationFailed as exc:
        errors.update(exc.details["fields"])
    else:
        values["email"] = contact.email or None
        values["address"] = contact.address or None
    if errors:
        raise ValidationFailed("the row has fields that do not fit", errors)
    return values, phones


def reasons_text(fields: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v[:REASON_CHARS]}" for k, v in fields.items())


# ---------------------------------------------------------------------------- import
@dataclass(slots=True)
class _Row:
    line: int
    cells: list[str]
    values: dict[str, Any]
    phones: list[tuple[str, str]]


@dataclass(slots=True)
class _Seen:
    """First numbers and account numbers already imported from this file: ``{value: line}``."""

    numbers: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


_Problem = tuple[int, str, dict[str, str], Sequence[str]]      # line, status, reasons, cells


async def import_customers(store: Any, source: str | Path | IO[bytes], *, encoding: str = "auto",
                           batch_size: int = BATCH_SIZE, report: IO[str] | None = None,
                           progress: Callable[[ImportProgress], None] | None = None) -> ImportSummary:
    """Import a customers CSV into *store* (a ``crm_bridge.store.Store``); see the module docstring."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return await import_customers(store, handle, encoding=encoding, batch_size=batch_size,
                                          report=report, progress=progress)
    data = source.read()
    text, encoding = decode(data, codec_name(encoding))
    summary = ImportSummary(encoding=encoding, progress=ImportProgress(bytes_total=len(data)))
    counts = summary.progress
    writer = csv.writer(report) if report is not None else None
    rows = (r for r in records(text) if r.problem or any(c.strip() for c in r.cells))
    header = next(rows, None)
    if header is None:
        raise ImportFailed("the file is empty: it needs a header line (name, phones, ...)")
    if header.problem:
        raise ImportFailed(f"line {header.line}: the header line is broken: {header.problem}")
    names = header_columns(header.cells)
    if writer is not None:
        writer.writerow([*REPORT_PREFIX, *(escape_cell(c) for c in header.cells)])
    seen = _Seen()
    pending: list[_Row] = []
    problems: list[_Problem] = []

    async def flush(done_chars: int) -> None:
        if pending:
            try:
                imported, found = await _write(store, pending, seen)
            except StoreUnavailable as exc:
                raise ImportFailed(
                    f"line {pending[0].line}: the database failed ({exc}); {counts.imported} rows before it "
                    "were imported. Import the same file again when the database is back: those rows will "
                    "be reported as duplicates") from exc
            counts.imported += imported
            problems.extend(found)
            pending.clear()
        for line, status, reasons, cells in sorted(problems, key=lambda f: f[0]):
            if status == "duplicate":
                counts.duplicates += 1
            else:
                counts.rejected += 1
            summary.problems.append({"line": line, "status": status, "reasons": reasons})
            if writer is not None:
                writer.writerow([line, status, reasons_text(reasons), *(escape_cell(c) for c in cells)])
        problems.clear()
        counts.bytes_read = len(data) if done_chars >= len(text) else len(data) * done_chars // max(len(text), 1)
        if progress is not None:
            progress(counts)

    for record in rows:
        counts.rows += 1
        if record.problem:
            problems.append((record.line, "rejected", {"row": record.problem}, record.cells))
            continue
        try:
            values, phones = parse_row(names, record.cells, store.default_region)
        except ValidationFailed as exc:
            problems.append((record.line, "rejected", exc.details["fields"], record.cells))
            continue
        pending.append(_Row(record.line, record.cells, values, phones))
        if len(pending) >= batch_size:
            await flush(record.end)
    await flush(len(text))
    return summary


async def _write(store: Any, batch: Sequence[_Row], seen: _Seen) -> tuple[int, list[_Problem]]:
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
        done_a, found_a = await _write(store, batch[:middle], seen)
        done_b, found_b = await _write(store, batch[middle:], seen)
        return done_a + done_b, found_a + found_b


async def _write_batch(store: Any, batch: Sequence[_Row], seen: _Seen) -> tuple[int, list[_Problem]]:
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


def plan_batch(batch: Sequence[_Row], owners: dict[str, int], taken: dict[str, int],
               seen: _Seen) -> tuple[list[_Row], list[_Problem], _Seen]:
    """Which rows of *batch* to insert and which are duplicates (of a customer in the database, of an
    earlier row of the file), and the numbers and accounts the inserted rows add."""
    added = _Seen()
    accepted: list[_Row] = []
    duplicates: list[_Problem] = []
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


# ---------------------------------------------------------------------------- export
def export_row(row: dict[str, Any]) -> list[str]:
    phones = ";".join(p["e164"] for p in row.get("phones", ()))
    values = {**row, "phones": phones}
    return [escape_cell(values.get(c)) for c in EXPORT_COLUMNS]


async def export_rows(store: Any, query: str | None = None, *, page: int = 1000,
                      max_rows: int | None = None) -> AsyncIterator[list[str]]:
    """The header then one row per customer: every customer by id (no *query*), or a search result in
    its order (at most *max_rows*, default ``search.EXPORT_MAX``)."""
    yield list(EXPORT_COLUMNS)
    if query:
        result = await store.search_customers(query, limit=max_rows or search.EXPORT_MAX, offset=0,
                                              max_limit=max_rows or search.EXPORT_MAX)
        for row in result["results"]:
            yield export_row(row)
        return
    after = 0
    sent = 0
    while True:
        async with store.connect() as conn:
            ids = (await conn.execute(select(Customer.id).where(Customer.id > after)
                                      .order_by(Customer.id).limit(page))).scalars().all()
            rows = await search.rows_for(conn, ids)
        for cid in ids:
            if max_rows is not None and sent >= max_rows:
                return
            yield export_row(rows[int(cid)])
            sent += 1
        if len(ids) < page:
            return
        after = int(ids[-1])


def csv_line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(list(cells))
    return out.getvalue()


async def export_customers(store: Any, out: IO[str], query: str | None = None, *, bom: bool = True) -> int:
    """Write the export to a text file; returns the number of customers written."""
    if bom:
        out.write("\ufeff")
    count = -1
    async for cells in export_rows(store, query):
        out.write(csv_line(cells))
        count += 1
    return count


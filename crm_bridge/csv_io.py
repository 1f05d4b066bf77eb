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

import codecs
import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select

from callcenter.errors import ValidationFailed
from crm_bridge import customers as customer_rows
from crm_bridge import search
from crm_bridge.customer_page import check_contact_changes
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
_SNIFF_BYTES = 64 * 1024


class ImportFailed(Exception):
    """The file cannot be imported at all (bad header, undecodable text); the message says why."""


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

    def lines(self) -> list[str]:
        p = self.progress
        return [f"read {p.rows} rows ({self.encoding}): {p.imported} imported, {p.duplicates} duplicates, "
                f"{p.rejected} rejected"]


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
    return "; ".join(f"{k}: {v}" for k, v in fields.items())


# ---------------------------------------------------------------------------- reading the file
def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` when *head* decodes as UTF-8 (a BOM is dropped), ``gb18030`` otherwise."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from a binary file (for the progress bar)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[:len(data)] = data
        self.count += len(data)
        return len(data)


def _records(text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """``(line number where the record starts, cells)``; blank lines are skipped."""
    reader = csv.reader(text)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if cells and any(c.strip() for c in cells):
                yield line, cells
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"line {start}: the text is not {exc.encoding} ({exc.reason}); "
                           "for a file saved by Excel in China try --encoding gbk") from None
    except csv.Error as exc:
        raise ImportFailed(f"line {start}: {exc}") from None


# ---------------------------------------------------------------------------- import
async def import_customers(store: Any, source: str | Path | IO[bytes], *, encoding: str = "auto",
                           batch_size: int = BATCH_SIZE, report: IO[str] | None = None,
                           progress: Callable[[ImportProgress], None] | None = None) -> ImportSummary:
    """Import a customers CSV into *store* (a ``crm_bridge.store.Store``); see the module docstring."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return await import_customers(store, handle, encoding=encoding, batch_size=batch_size,
                                          report=report, progress=progress)
    raw = source
    total = _size(raw)
    if encoding == "auto":
        head = raw.read(_SNIFF_BYTES)
        raw.seek(0)
        encoding = detect_encoding(head)
    elif encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFailed(f"unknown encoding {encoding!r}") from None
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter), encoding=encoding, newline="")
    summary = ImportSummary(encoding=encoding, progress=ImportProgress(bytes_total=total))
    writer = csv.writer(report) if report is not None else None
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ImportFailed("the file is empty: it needs a header line (name, phones, ...)")
    names = header_columns(first[1])
    if writer is not None:
        writer.writerow([*REPORT_PREFIX, *(escape_cell(c) for c in first[1])])
    seen_numbers: dict[str, int] = {}
    seen_accounts: dict[str, int] = {}
    batch: list[tuple[int, list[str]]] = []

    async def flush() -> None:
        await _import_batch(store, names, batch, summary, seen_numbers, seen_accounts, writer)
        batch.clear()
        summary.progress.bytes_read = counter.count
        if progress is not None:
            progress(summary.progress)

    for line, cells in records:
        batch.append((line, cells))
        if len(batch) >= batch_size:
            await flush()
    await flush()
    return summary


def _size(raw: IO[bytes]) -> int:
    try:
        here = raw.tell()
        end = raw.seek(0, io.SEEK_END)
        raw.seek(here)
        return int(end - here)
    except (OSError, ValueError):
        return 0


async def _import_batch(store: Any, names: Sequence[str], batch: Sequence[tuple[int, list[str]]],
                        summary: ImportSummary, seen_numbers: dict[str, int], seen_accounts: dict[str, int],
                        writer: Any) -> None:
    progress = summary.progress
    found: list[tuple[int, str, dict[str, str], Sequence[str]]] = []

    def problem(line: int, status: str, reasons: dict[str, str], cells: Sequence[str]) -> None:
        if status == "duplicate":
            progress.duplicates += 1
        else:
            progress.rejected += 1
        found.append((line, status, reasons, cells))

    progress.rows += len(batch)
    try:
        await _check_and_insert(store, names, batch, progress, seen_numbers, seen_accounts, problem)
    finally:
        for line, status, reasons, cells in sorted(found, key=lambda f: f[0]):
            summary.problems.append({"line": line, "status": status, "reasons": reasons})
            if writer is not None:
                writer.writerow([line, status, reasons_text(reasons), *(escape_cell(c) for c in cells)])


async def _check_and_insert(store: Any, names: Sequence[str], batch: Sequence[tuple[int, list[str]]],
                            progress: ImportProgress, seen_numbers: dict[str, int], seen_accounts: dict[str, int],
                            problem: Callable[[int, str, dict[str, str], Sequence[str]], None]) -> None:
    parsed: list[tuple[int, list[str], dict[str, Any], list[tuple[str, str]]]] = []
    for line, cells in batch:
        try:
            values, phones = parse_row(names, cells, store.default_region)
        except ValidationFailed as exc:
            problem(line, "rejected", exc.details["fields"], cells)
            continue
        parsed.append((line, cells, values, phones))
    if not parsed:
        return
    numbers = sorted({phones[0][0] for *_, phones in parsed if phones})
    accounts = sorted({v["account_number"] for _, _, v, _ in parsed if v["account_number"]})
    async with store.connect(write=True) as conn:
        owners: dict[str, int] = {}
        for chunk in _chunks(numbers, 500):
            rows = await conn.execute(select(Phone.e164, Phone.customer_id).where(Phone.e164.in_(chunk)))
            for e164, cid in rows:
                owners.setdefault(e164, int(cid))
        taken: dict[str, int] = {}
        for chunk in _chunks(accounts, 500):
            rows = await conn.execute(select(Customer.account_number, Customer.id)
                                      .where(Customer.account_number.in_(chunk)))
            taken.update({a: int(cid) for a, cid in rows})
        accepted: list[tuple[dict[str, Any], list[tuple[str, str]]]] = []
        for line, cells, values, phones in parsed:
            reasons: dict[str, str] = {}
            first = phones[0][0] if phones else None
            if first in owners:
                reasons["phones[0]"] = f"{first} belongs to customer {owners[first]}"
            elif first in seen_numbers:
                reasons["phones[0]"] = f"{first} is on line {seen_numbers[first]} already"
            account = values["account_number"]
            if account and account in taken:
                reasons["account_number"] = f"already used by customer {taken[account]}"
            elif account and account in seen_accounts:
                reasons["account_number"] = f"on line {seen_accounts[account]} already"
            if reasons:
                problem(line, "duplicate", reasons, cells)
                continue
            for e164, _ in phones:
                seen_numbers[e164] = line
            if account:
                seen_accounts[account] = line
            accepted.append((values, phones))
        if not accepted:
            return
        ids = (await conn.execute(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [{**values, "name_initials": name_initials(values["name"])[:64], "pin_hash": None}
             for values, _ in accepted],
        )).scalars().all()
        phone_rows = [{"customer_id": int(cid), "e164": e, "kind": k}
                      for cid, (_, phones) in zip(ids, accepted) for e, k in phones]
        if phone_rows:
            await conn.execute(insert(Phone), phone_rows)
    progress.imported += len(accepted)


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


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
default) reads the file as UTF-8 when it decodes as UTF-8, and as GB18030 (a superset of GBK) when
it is ASCII up to its first byte that is not UTF-8; ``encoding="gbk"`` (or any Python codec name)
forces one. The file is decoded whole before anything is written (``crm_bridge.csv_records``).

What is refused whole and what row by row. A file whose header is wrong or that is not in its
encoding (a bad byte, a UTF-8 file with GBK rows pasted in) is refused before any row is written, and
the error names the line: ``ImportFailed``. Everything else is decided per row: a row with a cell that
does not fit (a wrong value, a name with a control, bidi or invisible formatting character,
``crm_bridge.plain_text``), a row over 64 KiB, a row whose quote never closes, a duplicate, or a row
the database itself refuses is skipped and reported with the physical line it starts on (a quoted
cell spanning three lines moves the next row by three), and every other row is imported. The summary
says so. Every data row ends up counted once: ``rows == imported + duplicates + rejected``.

De-duplication: a row is *not imported* when its first number (the customer's own, normalised to
E.164) already belongs to a customer in the database or to an earlier row of the same file; it is
reported as ``duplicate`` with the customer id or the line it repeats. Further numbers of a row may be
shared (a family's home line, a company switchboard), as in the database. We never merge: a
re-imported file must not overwrite what agents have corrected since, and the same number under
another name may be another person. The same holds for an account number already taken. Phone kinds
are not in the file: imported numbers are ``mobile``.

Rejected and duplicate rows go to the report (CSV: ``line``, ``status``, ``reasons``, then the row's
own columns, so a fixed report can be imported again after dropping the first three columns). Rows
are checked before they are written, then written in batches, each batch one transaction (about 500
rows: fast). If the database refuses a batch anyway (a constraint the checks did not foresee, a
customer written meanwhile by an agent), the batch is halved until the refused row stands alone, so
only that row is lost and reported. If the database goes away, the import stops with ``ImportFailed``
naming the line it reached; importing the same file again finishes it (the rows already written come
back as duplicates). The progress callback is told after each batch.

Export: the same columns (plus ``id``), UTF-8 with a BOM (Excel opens it as UTF-8). A cell starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'`` so a spreadsheet does not
run it as a formula (CSV injection); the import strips that ``'`` again.
"""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from callcenter.errors import StoreUnavailable, ValidationFailed
from crm_bridge import customers as customer_rows
from crm_bridge import search
from crm_bridge.csv_records import ImportFailed, codec_name, decode, records
from crm_bridge.customer_batches import CheckedRow, Problem, Seen, write_rows
from crm_bridge.customer_page import check_contact_changes
from crm_bridge.models import Customer

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
    seen = Seen()
    pending: list[CheckedRow] = []
    problems: list[Problem] = []

    async def flush(done_chars: int) -> None:
        if pending:
            try:
                imported, found = await write_rows(store, pending, seen)
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
        else:
            try:
                values, phones = parse_row(names, record.cells, store.default_region)
            except ValidationFailed as exc:
                problems.append((record.line, "rejected", exc.details["fields"], record.cells))
            else:
                pending.append(CheckedRow(record.line, record.cells, values, phones))
        if len(pending) >= batch_size or len(problems) >= batch_size:    # a file of bad rows shows progress too
            await flush(record.end)
    await flush(len(text))
    return summary


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


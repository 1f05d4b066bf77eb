"""Fuzzing the customer CSV import (issue 11): random bytes, random CSV structure, huge cells, BOMs and
encodings, random quoting and line ends, against a real SQLite file.

Properties:
* nothing but ``ImportFailed`` ever escapes, and an ``ImportFailed`` import wrote nothing;
* every data row is counted once: ``rows == imported + duplicates + rejected``, one problem per
  duplicate or rejected row, and the database grew by ``imported``;
* a good row is never lost because a neighbour is bad, and a bad row is reported at the physical line
  it starts on;
* a file with one row in another encoding is refused whole at that row's line;
* the record reader agrees with ``csv.reader`` wherever the file is well-formed.
"""
from __future__ import annotations

import asyncio
import csv
import io
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, event, example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm_bridge import csv_io
from crm_bridge.csv_records import ImportFailed, records
from crm_bridge.models import Customer, Phone
from crm_bridge.store import Store

HEADER = "name,phones,customer_type,address,email"
_numbers = itertools.count(1)     # every example gets numbers no other example used (one database)


class Importer:
    """One SQLite database and one event loop for all the examples of a test."""

    def __init__(self, path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.store = Store(f"sqlite+aiosqlite:///{path}")
        self.loop.run_until_complete(self.store.open())

    def close(self) -> None:
        self.loop.run_until_complete(self.store.close())
        self.loop.close()

    def count(self) -> int:
        async def run() -> int:
            async with self.store.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(Customer))).scalar_one())
        return self.loop.run_until_complete(run())

    def names_of(self, numbers: list[str]) -> dict[str, str]:
        """``{number as written: name}`` of the customers who own these (mobile, CN) numbers."""
        async def run() -> dict[str, str]:
            async with self.store.connect() as conn:
                found = await conn.execute(select(Phone.e164, Customer.name).join(Customer)
                                           .where(Phone.e164.in_([f"+86{n}" for n in numbers])))
                return {e164.removeprefix("+86"): name for e164, name in found}
        return self.loop.run_until_complete(run())

    def run(self, data: bytes, encoding: str = "auto", batch_size: int = 7) -> csv_io.ImportSummary | ImportFailed:
        """The summary, or the ImportFailed (after checking that it wrote nothing)."""
        before = self.count()
        try:
            summary = self.loop.run_until_complete(
                csv_io.import_customers(self.store, io.BytesIO(data), encoding=encoding, batch_size=batch_size,
                                        report=io.StringIO()))
        except ImportFailed as exc:
            assert self.count() == before, f"ImportFailed after writing: {exc}"
            return exc
        p = summary.progress
        assert p.rows == p.imported + p.duplicates + p.rejected
        assert len(summary.problems) == p.duplicates + p.rejected
        assert self.count() == before + p.imported
        assert [f["line"] for f in summary.problems] == sorted(f["line"] for f in summary.problems)
        return summary


@pytest.fixture(scope="module")
def importer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Importer]:
    # A database in memory-backed /dev/shm where there is one: each batch commits, and a campaign of
    # tens of thousands of files would otherwise wait on fsync.
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else tmp_path_factory.getbasetemp()) as where:
        imp = Importer(Path(where) / "crm.db")
        yield imp
        imp.close()


# ---------------------------------------------------------------------------- random bytes
_RANDOM_TEXT = st.text(st.characters(codec="utf-8"), max_size=500).map(str.encode)   # decodes: reaches the rows


@given(st.one_of(st.binary(max_size=2000), _RANDOM_TEXT), st.sampled_from([b"", HEADER.encode() + b"\n", b"\xef\xbb\xbfname\r\n"]),
       st.sampled_from(["auto", "utf-8", "gb18030", "latin-1", "utf-16"]))
@example(b'x,"13900000000\n', b"name,phones\n", "auto")
@example(b"\x00\x00\xff", b"name\n", "auto")
def test_random_bytes_never_crash_and_every_row_is_counted(importer: Importer, body: bytes, head: bytes,
                                                           encoding: str) -> None:
    result = importer.run(head + body, encoding)
    if isinstance(result, ImportFailed):
        why = str(result)
        event("refused whole: " + ("not in its encoding" if "the text is not" in why or "cannot be read" in why
                                   else "header" if "column" in why or "header" in why
                                   else "empty" if "empty" in why else why[:40]))
    else:
        p = result.progress
        event(f"read: {'rows imported' if p.imported else 'no row imported'}, "
              f"{'some' if p.rejected + p.duplicates else 'no'} rows reported")


# ---------------------------------------------------------------------------- structured files
@dataclass
class Row:
    cells: list[str]
    good: bool
    number: str
    name: str


_NAME_CHARS = st.sampled_from(list("李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗娜伟芳敏静丽强磊军洋勇艳杰涛明超")
                              + list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,()&\"-"))
_BAD_CHARS = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9b", "\u202a", "\u202b", "\u202c",
                              "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u200e",
                              "\u200f", "\u2028", "\ufeff", "\n", "\t"])


@st.composite
def good_row(draw: Any, number: str) -> Row:
    name = draw(st.text(_NAME_CHARS, min_size=1, max_size=30)).strip()
    assume(name)
    address = draw(st.sampled_from(["", "北京市海淀区", "Room 1\nBuilding 2", "a, b; \"c\"", "x\ty"]))
    kind = draw(st.sampled_from(["", "vip", "group", "family", "individual"]))
    email = draw(st.sampled_from(["", "a@example.com"]))
    return Row([name, number, kind, address, email], True, number, name)


@st.composite
def bad_row(draw: Any, number: str) -> Row:
    how = draw(st.sampled_from(["char", "type", "phone", "email", "huge", "long_name", "too_many", "no_name"]))
    name = "坏" + str(draw(st.integers(0, 999)))
    cells = [name, number, "", "", ""]
    if how == "char":
        bad = draw(_BAD_CHARS)
        cells[0] = name[:1] + bad + name[1:]
    elif how == "type":
        cells[2] = draw(st.sampled_from(["martian", "vip!", "1", "None"]))
    elif how == "phone":
        cells[1] = draw(st.sampled_from(["abc", "1", "+", "139" * 20]))
    elif how == "email":
        cells[4] = draw(st.sampled_from(["no-at", "a@b", "a\u202e@example.com"]))
    elif how == "huge":
        cells[draw(st.integers(0, 4))] = "x" * draw(st.integers(65_537, 250_000))
    elif how == "long_name":
        cells[0] = "长" * draw(st.integers(201, 5000))
    elif how == "too_many":
        cells.append("extra")
    else:
        cells[0] = draw(st.sampled_from(["", "   "]))
        if not cells[0].strip() and not any(c.strip() for c in cells[1:]):
            cells[1] = "x"
    return Row(cells, False, number, name)


def render(rows: list[Row], eol: str, quote_all: bool, stray_quote_at: int | None) -> tuple[str, list[int]]:
    """The file text and the physical line where each row starts."""
    out = io.StringIO()
    out.write(HEADER + eol)
    line = 2
    starts: list[int] = []
    for i, row in enumerate(rows):
        cell_out = io.StringIO()
        csv.writer(cell_out, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL) \
            .writerow(row.cells)
        text = cell_out.getvalue().removesuffix("\r\n")
        if i == stray_quote_at:
            text = f'{row.cells[0]},"{row.number}'                      # a quote that never closes
        starts.append(line)
        out.write(text + eol)
        # csv.writer keeps "\n" inside quoted cells as it is: count physical lines as the file has them.
        line += 1 + text.count("\n") + text.count("\r") - text.count("\r\n")
    return out.getvalue(), starts


@st.composite
def csv_file(draw: Any) -> tuple[list[Row], str, list[int], str, bytes]:
    base = next(_numbers) * 100
    count = draw(st.integers(1, 30))
    rows: list[Row] = []
    for i in range(count):
        number = f"139{base + i:08d}"
        rows.append(draw(st.one_of(good_row(number), bad_row(number)) if draw(st.booleans()) else good_row(number)))
    quote_all = draw(st.booleans())
    any_quotes = quote_all or any('"' in c or "," in c or "\n" in c or "\r" in c for r in rows for c in r.cells)
    # A quote that never closes is only repaired line by line when no later row quotes a cell: a later
    # opening quote would close it (that is CSV), so a stray quote is only drawn in files without quotes.
    stray = None
    if not any_quotes and draw(st.booleans()):
        stray = draw(st.integers(0, count - 1))
        rows[stray].good = False
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if eol == "\r" and any("\n" in c for r in rows for c in r.cells):
        eol = "\n"        # CR-only files with LF inside cells: real files do not mix them
    text, starts = render(rows, eol, quote_all, stray)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    data = text.encode(encoding)
    return rows, eol, starts, encoding, data


@given(csv_file(), st.integers(1, 12))
def test_a_good_row_is_never_lost_and_a_bad_row_is_reported_at_its_line(
        importer: Importer, file: tuple[list[Row], str, list[int], str, bytes], batch_size: int) -> None:
    rows, _eol, starts, encoding, data = file
    result = importer.run(data, "gb18030" if encoding == "gb18030" else "auto", batch_size)
    assert not isinstance(result, ImportFailed), result
    problems = {f["line"]: f for f in result.problems}
    good = [r for r in rows if r.good]
    assert result.progress.imported == len(good), (problems, [s for s, r in zip(starts, rows) if r.good])
    assert importer.names_of([r.number for r in good]) == {r.number: r.name for r in good}
    bad_lines = [s for s, r in zip(starts, rows) if not r.good]
    event(f"{'with' if bad_lines else 'without'} bad rows, {encoding}, {'huge cell' if len(data) > 65_536 else 'small'}")
    # A bad row with a line break in an unquoted cell is read as more rows than it was: each of them
    # starts at its own physical line, and the first is reported where the bad row starts.
    for line in bad_lines:
        assert line in problems, (line, problems)


@given(st.lists(st.text(_NAME_CHARS, min_size=1, max_size=8), min_size=2, max_size=20), st.data())
def test_a_row_in_another_encoding_is_refused_whole_at_its_line(importer: Importer, names: list[str],
                                                                 data: st.DataObject) -> None:
    base = next(_numbers) * 100
    lines = [f"{n.replace(chr(34), '')}x,139{base + i:08d}" for i, n in enumerate(names)]
    bad = data.draw(st.integers(0, len(lines) - 1))
    parts = [b"name,phones"] + [(line.encode("utf-8") if i != bad else ("客户" + line).encode("gbk"))
                                for i, line in enumerate(lines)]
    result = importer.run(b"\n".join(parts) + b"\n")
    if any(not line.isascii() for line in lines[:bad]):      # UTF-8 text before it: a damaged UTF-8 file
        assert isinstance(result, ImportFailed) and str(result).startswith(f"line {bad + 2}: the text is not UTF-8")
    # ASCII up to the GBK row: read as GB18030 (Excel in China); the UTF-8 rows after it may or may not
    # decode as GB18030, and either way Importer.run has checked all-or-nothing and the counts.
    assert isinstance(result, ImportFailed) or result.encoding == "gb18030"


# ---------------------------------------------------------------------------- the record reader
_CSV_CHARS = st.sampled_from(["a", "b", ",", '"', "\n", "\r", "\r\n", " ", "中", "\x00", "\u202e"])


@given(st.lists(_CSV_CHARS, max_size=60).map("".join))
@example('"a\n""b""",c\r\n\r"d"e,"f\n')
def test_records_agree_with_csv_reader_on_well_formed_text(text: str) -> None:
    mine = list(records(text))
    last = 0
    for record in mine:
        assert record.line > last
        last = record.line
    assume(not any(r.problem for r in mine))
    reader = csv.reader(io.StringIO(text, newline=""))
    expected: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if cells:
            expected.append((line, cells))
    assert [(r.line, r.cells) for r in mine] == expected

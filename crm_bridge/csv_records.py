"""Reading an imported CSV file: bytes to text, text to records that know their line in the file.

Theory of operation. The file is decoded whole before anything is written, so a file that is not in
the encoding it claims is refused at the line of its first bad byte with nothing imported (a wrong
encoding spoils every row after it, and a half-imported file would be hard to finish by hand). The
text is then cut into records by :func:`records`, which speaks the CSV of Excel and of Python's
``csv`` module (``,`` separates cells, ``"`` quotes a cell that may hold ``,``, ``""`` and line breaks,
a quote inside an unquoted cell is an ordinary character, text after a closing quote is kept) but,
unlike ``csv.reader``, never fails and never loses its place:

* every record carries the *physical* line it starts on (``\\r\\n``, ``\\r`` and ``\\n`` each end a
  line, as in an editor), so a record whose quoted cell spans three lines moves the next one by three;
* a record longer than :data:`MAX_RECORD_CHARS` is returned with a ``problem`` (the importer reports
  it) and parsing goes on after its end, as CSV defines it;
* a quote that opens a cell and is never closed would swallow the rest of the file into one cell: the
  record is returned with a ``problem`` and parsing resumes on the next physical line, so the rows
  after a stray quote are read as what they look like.

``csv.reader`` raises on a cell over ``csv.field_size_limit()`` (a process-wide setting) and then
restarts in the middle of the record; that is how a 200 KB cell used to end an import.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_RECORD_CHARS = 64 * 1024    # a real customer row is under 2 KB; the rest is a broken file
REPORT_CELL_CHARS = 200         # cells of a too-long record are cut to this in the report

_PLAIN = re.compile(r'[^,\r\n]*')
_QUOTED_REST = re.compile(r'(?:[^"]++|"")*+"')      # after an opening quote: content, closing quote
_BREAK = re.compile(r'\r\n|\r|\n')


class ImportFailed(Exception):
    """The file cannot be imported at all (bad header, undecodable text); the message says why."""


@dataclass(slots=True)
class Record:
    line: int                       # physical line (1-based) where the record starts
    cells: list[str]
    problem: str | None = None      # why the record cannot be a row (too long, unclosed quote)
    lines: int = field(default=1)   # physical lines it spans
    end: int = 0                    # offset in the text just after it (for the progress bar)


def line_breaks(text: str, start: int = 0, end: int | None = None) -> int:
    """How many lines end in ``text[start:end]`` (``\\r\\n`` counts once)."""
    end = len(text) if end is None else end
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


# ---------------------------------------------------------------------------- bytes to text
def codec_name(encoding: str) -> str:
    """The codec to read a file with: ``auto`` stays, UTF-8 drops a BOM; ImportFailed if unknown."""
    if encoding == "auto":
        return encoding
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        return "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFailed(f"unknown encoding {encoding!r}") from None
    return encoding


def decode(data: bytes, encoding: str) -> tuple[str, str]:
    """``(text, encoding used)`` of a whole file; ImportFailed at the line of the first bad byte.

    ``auto``: UTF-8 when the whole file is UTF-8. A file that is UTF-8 up to a bad byte (a BOM, or
    non-ASCII UTF-8 before it) is a UTF-8 file with damage, refused at that byte: reading it as
    GB18030 would import every Chinese name as nonsense. Otherwise (ASCII then bytes that are not
    UTF-8: Excel in China) GB18030, a superset of GBK."""
    if encoding == "auto":
        encoding = "utf-8-sig"
        try:
            return _decode(data, encoding), encoding
        except UnicodeDecodeError as exc:
            if data.startswith(codecs.BOM_UTF8) or not data[:exc.start].isascii():
                raise _not_encoded(data, encoding, exc) from None
            encoding = "gb18030"
    try:
        return _decode(data, encoding), encoding
    except UnicodeDecodeError as exc:
        raise _not_encoded(data, encoding, exc) from None
    except (UnicodeError, LookupError, ValueError) as exc:      # idna raises the base class; rot13 is no text codec
        raise ImportFailed(f"the file cannot be read as {encoding}: {exc}; nothing was imported") from None


def _decode(data: bytes, encoding: str) -> str:
    return data.decode(encoding).removeprefix("\ufeff")


def _not_encoded(data: bytes, encoding: str, exc: UnicodeDecodeError) -> ImportFailed:
    before = data[:exc.start].decode(encoding, errors="replace")
    line = line_breaks(before) + 1
    bad = data[exc.start:exc.end][:4].hex(" ")
    shown = "UTF-8" if encoding == "utf-8-sig" else encoding
    return ImportFailed(f"line {line}: the text is not {shown} ({exc.reason}: bytes {bad} at byte {exc.start}); "
                        "nothing was imported. For a file saved by Excel in China try --encoding gbk")


# ---------------------------------------------------------------------------- text to records
def records(text: str) -> Iterator[Record]:
    """The records of *text* in order; blank lines are skipped (they are not rows)."""
    pos, line, end = 0, 1, len(text)
    while pos < end:
        brk = _BREAK.match(text, pos)
        if brk is not None:                         # a blank line
            pos, line = brk.end(), line + 1
            continue
        brk = _BREAK.search(text, pos)
        stop = brk.start() if brk is not None else end
        if text.find('"', pos, stop) < 0:           # the common case: no quotes, one line
            after = brk.end() if brk is not None else end
            yield _checked(Record(line, text[pos:stop].split(","), end=after), stop - pos)
            pos, line = after, line + 1
            continue
        record, pos = _quoted_record(text, pos, line)
        record.end = pos
        line += record.lines
        yield record


def _quoted_record(text: str, pos: int, line: int) -> tuple[Record, int]:
    """The record starting at *pos* (which has a quote on its first line) and where the next starts."""
    start, end = pos, len(text)
    cells: list[str] = []
    while True:
        if text.startswith('"', pos):
            closed = _QUOTED_REST.match(text, pos + 1)
            if closed is None:
                return _unclosed(text, start, pos, line, cells)
            cell = text[pos + 1:closed.end() - 1].replace('""', '"')
            pos = closed.end()
            rest = _PLAIN.match(text, pos)
            if rest.end() > pos:                    # `"ab"cd` is `abcd`, as csv.reader reads it
                cell += text[pos:rest.end()]
                pos = rest.end()
        else:
            rest = _PLAIN.match(text, pos)
            cell, pos = rest.group(), rest.end()
        cells.append(cell)
        if pos < end and text[pos] == ",":
            pos += 1
            continue
        brk = _BREAK.match(text, pos)
        stop = brk.end() if brk is not None else end
        record = Record(line, cells, lines=line_breaks(text, start, stop))
        return _checked(record, pos - start), stop


def _unclosed(text: str, start: int, quote: int, line: int, cells: list[str]) -> tuple[Record, int]:
    """A record whose quote at *quote* never closes: reported, and reading resumes on the next line."""
    quote_line = line + line_breaks(text, start, quote)
    brk = _BREAK.search(text, quote)
    stop = brk.end() if brk is not None else len(text)
    cells = [*cells, text[quote:brk.start() if brk is not None else stop]]
    problem = f"a quote opened on line {quote_line} is never closed; read again from line {quote_line + 1}"
    return Record(line, [c[:REPORT_CELL_CHARS] for c in cells], problem, lines=line_breaks(text, start, stop)), stop


def _checked(record: Record, length: int) -> Record:
    if length > MAX_RECORD_CHARS and record.problem is None:
        record.problem = (f"the row is {length:,} characters long (at most {MAX_RECORD_CHARS:,}); "
                          f"its cells are cut to {REPORT_CELL_CHARS} characters in this report")
        record.cells = [c[:REPORT_CELL_CHARS] for c in record.cells]
    return record

"""The spool's file: an append-only JSON-lines journal of writes waiting for the database.

Theory of operation. Each write is one line ``{"seq": n, "kind": ..., "key": ..., "args": {...}}``,
flushed and fsync'd before :meth:`Journal.append` returns, so what the agent or the caller was told is
kept survives a crash. A write that landed (or was refused for good) gets a line ``{"done": n}``; on
opening, the entries without one are the pending writes, in their order. When nothing is pending the
file is emptied, so it never grows beyond one outage. A torn last line (power cut mid-write) is
ignored: its write was never acknowledged. Values are JSON; datetimes travel as ``{"$dt": iso}``.
Writes the database refused for good are appended whole to ``rejected.jsonl`` beside it.
"""
from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE = "writes.jsonl"
REJECTED = "rejected.jsonl"


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    kind: str           # what to do with args (see crm_bridge.spool.writes)
    key: str            # what it is about (an interaction id, an agent, a number), for the desk and the log
    args: dict[str, Any]


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot spool a {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$dt" in obj:
        return datetime.fromisoformat(obj["$dt"])
    return obj


def encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, default=_default, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    value = json.loads(line, object_hook=_hook)
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def pending_entries(lines: list[bytes]) -> tuple[list[Entry], int]:
    """The entries without a ``done`` line, in order, and the last sequence number used (pure)."""
    entries: OrderedDict[int, Entry] = OrderedDict()
    last = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = decode(line)
            if "done" in record:
                entries.pop(int(record["done"]), None)
                continue
            entry = Entry(int(record["seq"]), str(record["kind"]), str(record.get("key", "")), dict(record["args"]))
        except (ValueError, KeyError, TypeError) as exc:
            if number == len(lines):          # torn last line: never acknowledged
                log.warning("spool: ignoring an unfinished last line (%s)", exc)
                continue
            raise ValueError(f"spool line {number} is unreadable: {exc}") from exc
        entries[entry.seq] = entry
        last = max(last, entry.seq)
    return list(entries.values()), last


class Journal:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE
        self._file: Any = None
        self._seq = 0
        self._pending: OrderedDict[int, Entry] = OrderedDict()

    def open(self) -> list[Entry]:
        """Read what an earlier run left pending (in order) and open the file for appending."""
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = self.path.read_bytes().splitlines(keepends=True) if self.path.exists() else []
        entries, self._seq = pending_entries(lines)
        self._pending = OrderedDict((e.seq, e) for e in entries)
        self._file = open(self.path, "ab")     # noqa: SIM115 (kept open for the server's life)
        if not entries and lines:
            self._truncate()
        if entries:
            log.warning("spool: %d writes from an earlier run wait for the database (%s)", len(entries), self.path)
        return entries

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def pending(self) -> list[Entry]:
        return list(self._pending.values())

    def append(self, kind: str, key: str, args: dict[str, Any]) -> Entry:
        """Keep one write on disk (fsync'd) before returning."""
        if self._file is None:
            raise RuntimeError("the spool is not open")
        entry = Entry(self._seq + 1, kind, key, args)
        line = encode({"seq": entry.seq, "kind": kind, "key": key, "args": args})   # TypeError before writing
        self._write(line)
        self._seq = entry.seq
        self._pending[entry.seq] = Entry(entry.seq, kind, key, decode(line)["args"])
        return self._pending[entry.seq]

    def done(self, entry: Entry) -> None:
        self._pending.pop(entry.seq, None)
        if self._pending:
            self._write(encode({"done": entry.seq}))
        else:
            self._truncate()

    def reject(self, entry: Entry, reason: str) -> None:
        """Keep a write the database refused for good beside the journal (never lost silently)."""
        with open(self.directory / REJECTED, "ab") as f:
            f.write(encode({"seq": entry.seq, "kind": entry.kind, "key": entry.key, "reason": reason,
                            "args": entry.args}))
            f.flush()
            os.fsync(f.fileno())
        self.done(entry)

    def _write(self, line: bytes) -> None:
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())

    def _truncate(self) -> None:
        self._file.truncate(0)
        self._file.seek(0)
        self._file.flush()
        os.fsync(self._file.fileno())

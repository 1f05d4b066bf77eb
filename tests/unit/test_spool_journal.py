"""The spool's journal: what is pending after a restart, read from the file's lines (pure), and the file."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_bridge.spool.journal import Journal, encode, pending_entries

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def line(record: dict) -> bytes:
    return encode(record)


def test_entries_without_a_done_line_are_pending_in_their_order_with_datetimes_back() -> None:
    lines = [line({"seq": 1, "kind": "a", "key": "x", "args": {"at": T0}}),
             line({"seq": 2, "kind": "b", "key": "y", "args": {}}),
             line({"done": 1}),
             line({"seq": 3, "kind": "c", "key": "张三", "args": {"rows": [["i", {"n": 1}]]}})]
    entries, last = pending_entries(lines)
    assert [(e.seq, e.kind, e.key) for e in entries] == [(2, "b", "y"), (3, "c", "张三")]
    assert last == 3
    assert pending_entries(lines[:1])[0][0].args == {"at": T0}


def test_a_torn_last_line_was_never_acknowledged_and_is_ignored() -> None:
    lines = [line({"seq": 1, "kind": "a", "key": "x", "args": {}}), b'{"seq": 2, "kind": "b", "ar']
    entries, last = pending_entries(lines)
    assert [e.seq for e in entries] == [1] and last == 1


def test_a_broken_line_in_the_middle_is_an_error_naming_it() -> None:
    lines = [b"garbage\n", line({"seq": 1, "kind": "a", "key": "x", "args": {}})]
    with pytest.raises(ValueError, match="line 1"):
        pending_entries(lines)


def test_the_file_keeps_writes_across_a_reopen_and_is_emptied_when_all_are_done(tmp_path) -> None:
    journal = Journal(tmp_path / "spool")
    assert journal.open() == []
    first = journal.append("callback.add", "+86138", {"at": T0})
    journal.append("agent.presence", "7", {"presence": "paused"})
    journal.done(first)
    journal.close()

    again = Journal(tmp_path / "spool")
    [left] = again.open()
    assert (left.seq, left.kind) == (2, "agent.presence")
    assert again.append("disposition", "i-1", {}).seq == 3            # numbering goes on
    for entry in again.pending:
        again.done(entry)
    assert again.path.stat().st_size == 0
    again.close()

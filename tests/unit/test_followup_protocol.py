"""Decoding the wrap-up's follow-up and the task commands; protocol.js mirrors the new constants."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.errors import ValidationFailed
from console import protocol
from console import task_protocol
from crm_bridge import followups
from crm_bridge.models import COMPLAINT_STATUSES, FOLLOW_UP_RESULTS

NOW = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
OUTCOMES = ("resolved", "follow_up")
QUEUES = ("vip", "standard")
JS = Path(__file__).resolve().parents[2] / "static" / "js" / "protocol.js"


def _disposition(follow_up):
    return protocol.decode_disposition({"call_id": "c1", "outcome": "follow_up", "follow_up": follow_up},
                                       OUTCOMES, queues=QUEUES, now=NOW)


def test_a_follow_up_for_the_pool_decodes_with_its_offset() -> None:
    d = _disposition({"due_at": "2025-05-02T09:30:00+08:00", "assign": "pool", "pool": "standard",
                      "note": " 回访 "})
    assert d.follow_up == protocol.FollowUpData(datetime(2025, 5, 2, 1, 30, tzinfo=UTC), "pool", "standard", "回访")
    assert d.follow_up.due_at.utcoffset() == timedelta(hours=8)
    mine = _disposition({"due_at": "2025-05-01T02:00:00Z"})
    assert (mine.follow_up.assign, mine.follow_up.pool) == ("me", "")
    assert _disposition(None).follow_up is None


@pytest.mark.parametrize(("follow_up", "field"), [
    ("tomorrow", "follow_up"),
    ({"due_at": "2025-05-02T09:30"}, "follow_up.due_at"),               # no offset: whose 09:30?
    ({"due_at": "next week"}, "follow_up.due_at"),
    ({"due_at": 1714550400}, "follow_up.due_at"),
    ({"due_at": "2025-05-01T00:59:00+00:00"}, "follow_up.due_at"),      # past
    ({"due_at": "2026-05-03T00:00:00+00:00"}, "follow_up.due_at"),      # more than a year ahead
    ({"due_at": "2025-05-02T00:00:00Z", "assign": "boss"}, "follow_up.assign"),
    ({"due_at": "2025-05-02T00:00:00Z", "assign": "pool"}, "follow_up.pool"),
    ({"due_at": "2025-05-02T00:00:00Z", "assign": "pool", "pool": "billing"}, "follow_up.pool"),
    ({"due_at": "2025-05-02T00:00:00Z", "note": "x" * 4001}, "follow_up.note"),
])
def test_a_bad_follow_up_names_its_field(follow_up, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _disposition(follow_up)
    assert list(exc.value.details["fields"]) == [field]


def test_follow_up_done_and_cancel_and_complaint_advance() -> None:
    done = task_protocol.decode_follow_up_done({"follow_up_id": 7, "result": "satisfied", "satisfaction": 5, "note": "ok"})
    assert done == task_protocol.FollowUpDoneData(7, "satisfied", "ok", 5)
    assert task_protocol.decode_follow_up_done({"follow_up_id": 7, "result": "no_answer"}).satisfaction is None
    assert task_protocol.decode_follow_up_cancel({"follow_up_id": 3, "note": "dup"}) == (3, "dup")
    assert task_protocol.decode_complaint_advance({"complaint_id": 9, "status": "resolved"}) == \
        task_protocol.ComplaintAdvanceData(9, "resolved")


@pytest.mark.parametrize(("decode", "data", "field"), [
    (task_protocol.decode_follow_up_done, {"follow_up_id": "7", "result": "reached"}, "follow_up_id"),
    (task_protocol.decode_follow_up_done, {"follow_up_id": True, "result": "reached"}, "follow_up_id"),
    (task_protocol.decode_follow_up_done, {"follow_up_id": 7, "result": "happy"}, "result"),
    (task_protocol.decode_follow_up_done, {"follow_up_id": 7, "result": "satisfied", "satisfaction": 6}, "satisfaction"),
    (task_protocol.decode_follow_up_done, {"follow_up_id": 7, "result": "satisfied", "satisfaction": 4.5}, "satisfaction"),
    (task_protocol.decode_follow_up_cancel, {"follow_up_id": 0}, "follow_up_id"),
    (task_protocol.decode_complaint_advance, {"complaint_id": 9, "status": "escalated"}, "status"),
    (task_protocol.decode_complaint_advance, {"status": "resolved"}, "complaint_id"),
])
def test_bad_task_commands_name_the_field(decode, data, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        decode(data)
    assert list(exc.value.details["fields"]) == [field]


def test_the_console_vocabularies_match_the_store() -> None:
    assert task_protocol.FOLLOW_UP_RESULTS == FOLLOW_UP_RESULTS and task_protocol.COMPLAINT_STATUSES == COMPLAINT_STATUSES
    assert protocol.FOLLOW_UP_ASSIGN == followups.ASSIGN
    assert (protocol.MAX_FOLLOW_UP_NOTE, protocol.MAX_FOLLOW_UP_DAYS) == (followups.NOTE_MAX, followups.MAX_DAYS_AHEAD)
    assert protocol.TASK_COMMANDS <= protocol.COMMANDS


def test_protocol_js_mirrors_the_follow_up_rules() -> None:
    code = JS.read_text(encoding="utf-8")
    for name in ("FOLLOW_UP_ASSIGN", "FOLLOW_UP_RESULTS", "COMPLAINT_STATUSES"):
        found = re.search(rf"{name} = Object\.freeze\(\[([^\]]*)\]", code)
        source = protocol if hasattr(protocol, name) else task_protocol
        assert found and tuple(re.findall(r'"(\w+)"', found.group(1))) == getattr(source, name), name
    for name in ("MAX_FOLLOW_UP_NOTE", "MAX_FOLLOW_UP_DAYS"):
        assert f"{name} = {getattr(protocol, name)};" in code, name

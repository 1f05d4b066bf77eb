"""Pure checks of the store's input: interaction fields, dispositions, complaint transitions, UTC."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from callcenter.errors import ValidationFailed
from crm_bridge.complaints import TRANSITIONS, check_transition
from crm_bridge.interactions import check_disposition, merge_batch
from crm_bridge.models import COMPLAINT_STATUSES, UTCDateTime
from crm_bridge.store import ComplaintInput, Disposition

BEIJING = timezone(timedelta(hours=8))


def _fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return exc.value.details["fields"]


def test_batch_rows_of_one_call_are_merged_in_order() -> None:
    merged = merge_batch([
        ("a", {"status": "queued", "queue": "vip"}),
        ("b", {"status": "ivr"}),
        ("a", {"status": "answered", "agent_id": 3}),
    ])
    assert merged == {"a": {"status": "answered", "queue": "vip", "agent_id": 3}, "b": {"status": "ivr"}}


def test_ivr_digits_may_be_a_sequence() -> None:
    assert merge_batch([("a", {"ivr_digits": ("1", "2")})]) == {"a": {"ivr_digits": "1,2"}}


def test_what_callers_send_is_cut_to_the_column_not_refused() -> None:
    merged = merge_batch([("a", {"caller_number": "1" * 100, "ivr_digits": "9" * 100, "menu_choice": "m" * 40})])
    assert {k: len(v) for k, v in merged["a"].items()} == {"caller_number": 64, "ivr_digits": 64, "menu_choice": 32}


def test_every_status_the_model_records_is_in_the_store_vocabulary() -> None:
    from callcenter.model.entities import Call
    from callcenter.model.tables import CallState

    for state in CallState:
        call = Call("c", "i", state, datetime.now(UTC))
        status = call.record_fields()["status"]
        assert merge_batch([("a", {"status": status})]) == {"a": {"status": status}}


@pytest.mark.parametrize(("fields", "bad"), [
    ({"outcome": "resolved"}, "outcome"),
    ({"notes": "x"}, "notes"),
    ({"disposition_at": datetime.now(UTC)}, "disposition_at"),
    ({"colour": "red"}, "colour"),
    ({"status": "flying"}, "status"),
    ({"status": None}, "status"),
    ({"customer_type": "gold"}, "customer_type"),
    ({"value_class": "huge"}, "value_class"),
    ({"language": "fr"}, "language"),
    ({"priority": "high"}, "priority"),
    ({"hold_seconds": True}, "hold_seconds"),
    ({"started_at": "2024-01-01"}, "started_at"),
    ({"ivr_failed": "no"}, "ivr_failed"),
    ({"call_id": "1" * 65}, "call_id"),
    ({"queue": "q" * 65}, "queue"),
])
def test_bad_interaction_field_is_named(fields: dict, bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        merge_batch([("call-1", fields)])
    assert list(_fields(exc)) == [f"call-1.{bad}"]


def _disposition(**overrides: object) -> Disposition:
    values: dict = {"interaction_id": "i-1", "call_id": "c-1", "agent_id": 1, "outcome": "resolved"}
    values.update(overrides)
    return Disposition(**values)


@pytest.mark.parametrize(("overrides", "bad"), [
    ({"outcome": ""}, "outcome"),
    ({"outcome": "   "}, "outcome"),
    ({"outcome": "x" * 65}, "outcome"),
    ({"notes": "n" * 4001}, "notes"),
    ({"complaint": ComplaintInput("billing", "urgent", "too much")}, "complaint.severity"),
    ({"complaint": ComplaintInput("", "high", "too much")}, "complaint.category"),
    ({"complaint": ComplaintInput("billing", "high", "  ")}, "complaint.description"),
    ({"call_fields": {"status": "flying"}}, "call_fields.status"),
])
def test_bad_disposition_field_is_named(overrides: dict, bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_disposition(_disposition(**overrides))
    assert list(_fields(exc)) == [bad]
    assert exc.value.error_id == "invalid-input"


def test_every_bad_disposition_field_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_disposition(_disposition(outcome="", notes="n" * 5000, complaint=ComplaintInput("", "x", "")))
    assert set(_fields(exc)) == {"outcome", "notes", "complaint.category", "complaint.severity",
                                 "complaint.description"}


def test_limits_are_inclusive() -> None:
    assert check_disposition(_disposition(outcome="x" * 64, notes="n" * 4000)) == {}


@pytest.mark.parametrize(("current", "new"), [(c, n) for c in COMPLAINT_STATUSES for n in COMPLAINT_STATUSES])
def test_complaint_transitions_follow_the_table(current: str, new: str) -> None:
    if new in TRANSITIONS[current]:
        check_transition(1, current, new)
    else:
        with pytest.raises(ValidationFailed) as exc:
            check_transition(1, current, new)
        assert "status" in _fields(exc)
        assert current in exc.value.message


def test_callback_visit_flow() -> None:
    # open -> in_progress -> resolved -> (callback: not satisfied) in_progress -> resolved -> confirmed -> closed
    path = ["open", "in_progress", "resolved", "in_progress", "resolved", "confirmed", "closed"]
    for current, new in pairwise(path):
        check_transition(1, current, new)
    assert TRANSITIONS["closed"] == frozenset()


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.asyncpg.dialect()], ids=["sqlite", "postgresql"])
def test_utc_datetime_round_trip(dialect: object) -> None:
    column = UTCDateTime()
    local = datetime(2024, 5, 1, 16, 0, tzinfo=BEIJING)
    stored = column.process_bind_param(local, dialect)
    back = column.process_result_value(stored, dialect)
    assert back == local and back.tzinfo is UTC and back.hour == 8
    naive = column.process_bind_param(datetime(2024, 5, 1, 8, 0), dialect)        # naive = already UTC
    assert column.process_result_value(naive, dialect) == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert column.process_bind_param(None, dialect) is None

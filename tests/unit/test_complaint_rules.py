"""Complaint SLA rules from settings: the deadline, the transitions table, and the key paths of bad config."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.errors import ConfigError, ValidationFailed
from callcenter.settings import COMPLAINT_SEVERITIES, ComplaintSettings, settings_from_mapping
from crm_bridge import complaints
from crm_bridge.models import COMPLAINT_SEVERITIES as MODEL_SEVERITIES
from crm_bridge.models import COMPLAINT_STATUSES

FILED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
RULES = ComplaintSettings()


def test_settings_and_models_agree_on_severities() -> None:
    assert COMPLAINT_SEVERITIES == MODEL_SEVERITIES


@pytest.mark.parametrize(("severity", "customer_type", "hours"), [
    ("critical", "vip", 2), ("critical", "individual", 4), ("high", "group", 18), ("medium", "family", 72),
    ("low", "individual", 168), ("low", "vip", 84), ("high", None, 24), ("medium", "unknown", 72),
])
def test_sla_deadline_is_hours_by_severity_times_the_customer_factor(severity, customer_type, hours) -> None:
    assert complaints.sla_due(FILED, severity, customer_type, RULES) == FILED + timedelta(hours=hours)


def test_configured_rules_change_the_deadline() -> None:
    rules = settings_from_mapping({"complaints": {
        "sla_hours": {"critical": 1, "high": 8, "medium": 24, "low": 48},
        "customer_factor": {"vip": 0.25, "group": 1, "family": 1, "individual": 2}}}).complaints
    assert complaints.sla_due(FILED, "critical", "vip", rules) == FILED + timedelta(minutes=15)
    assert complaints.sla_due(FILED, "low", "individual", rules) == FILED + timedelta(hours=96)


@pytest.mark.parametrize(("section", "path"), [
    ({"sla_hours": {"critical": 4, "high": 24, "medium": 72}}, "complaints.sla_hours.low"),
    ({"sla_hours": {"critical": 4, "high": 24, "medium": 72, "low": 0}}, "complaints.sla_hours.low"),
    ({"sla_hours": {"critical": 4, "high": 24, "medium": 72, "low": 9, "urgent": 1}}, "complaints.sla_hours.urgent"),
    ({"customer_factor": {"vip": 0.5, "group": 0.75, "family": 1}}, "complaints.customer_factor.individual"),
    ({"escalation_after": [1.5, 1.0]}, "complaints.escalation_after"),
    ({"callback_visit_after_hours": -1}, "complaints.callback_visit_after_hours"),
    ({"visit_hours": 3}, "complaints.visit_hours"),
])
def test_bad_complaint_config_names_the_key_path(section, path) -> None:
    with pytest.raises(ConfigError) as exc:
        settings_from_mapping({"complaints": section})
    assert exc.value.key_path == path


ALLOWED = {(current, new) for current, targets in complaints.TRANSITIONS.items() for new in targets}


@pytest.mark.parametrize("current", COMPLAINT_STATUSES)
@pytest.mark.parametrize("new", COMPLAINT_STATUSES)
def test_transitions_follow_the_table(current, new) -> None:
    if (current, new) in ALLOWED:
        complaints.check_transition(7, current, new)
        return
    with pytest.raises(ValidationFailed) as exc:
        complaints.check_transition(7, current, new)
    assert f"complaint 7 is {current}" in exc.value.message and "status" in exc.value.details["fields"]


def test_the_lifecycle_runs_open_to_closed_through_the_callback_visit() -> None:
    path = ["open", "in_progress", "resolved", "confirmed", "closed"]
    assert all((a, b) in ALLOWED for a, b in zip(path, path[1:]))
    assert ("resolved", "in_progress") in ALLOWED          # the customer was not satisfied
    assert not complaints.TRANSITIONS["closed"]


@pytest.mark.parametrize(("current", "new", "expected"), [
    ("open", "in_progress", {"status": "in_progress"}),
    ("in_progress", "resolved", {"status": "resolved", "resolved_at": FILED}),
    ("resolved", "confirmed", {"status": "confirmed", "confirmed_at": FILED}),
    ("confirmed", "closed", {"status": "closed", "closed_at": FILED}),
    ("resolved", "in_progress", {"status": "in_progress", "resolved_at": None}),
])
def test_milestones_are_stamped_and_a_reopened_complaint_is_no_longer_resolved(current, new, expected) -> None:
    assert complaints.milestones(current, new, FILED) == {**expected, "updated_at": FILED}


def test_who_may_move_a_complaint() -> None:
    assert complaints.may_act(owner_agent_id=5, actor_id=5, actor_role="agent")
    assert not complaints.may_act(owner_agent_id=5, actor_id=6, actor_role="agent")
    assert complaints.may_act(owner_agent_id=5, actor_id=6, actor_role="supervisor")
    assert complaints.may_act(owner_agent_id=5, actor_id=6, actor_role="admin")

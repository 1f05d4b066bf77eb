"""The escalation rule with a fixed clock: how far an overdue complaint climbs, by severity and time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.errors import ConfigError
from callcenter.escalation import due_level
from callcenter.settings import ComplaintSettings, settings_from_mapping

FILED = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
RULES = ComplaintSettings()          # escalation_after (1.0, 1.5); critical/high up to 2, medium/low 1


def level(severity: str, hours_after_filing: float, *, sla_hours: float = 4.0, status: str = "open",
          rules: ComplaintSettings = RULES) -> int:
    return due_level(created_at=FILED, sla_due_at=FILED + timedelta(hours=sla_hours), severity=severity,
                     status=status, now=FILED + timedelta(hours=hours_after_filing), rules=rules)


@pytest.mark.parametrize(("severity", "hours", "expected"), [
    ("critical", 3.99, 0),     # inside its SLA
    ("critical", 4.0, 1),      # at the deadline: the supervisors
    ("critical", 5.99, 1),
    ("critical", 6.0, 2),      # 1.5 x the SLA time: the manager
    ("critical", 600, 2),      # no level beyond the last
    ("high", 6.0, 2),
    ("medium", 6.0, 1),        # medium and low stop at the supervisors
    ("low", 100, 1),
])
def test_levels_by_severity_and_time_overdue(severity: str, hours: float, expected: int) -> None:
    assert level(severity, hours) == expected


@pytest.mark.parametrize("status", ["resolved", "confirmed", "closed"])
def test_a_complaint_no_longer_worked_does_not_escalate(status: str) -> None:
    assert level("critical", 100, status=status) == 0


def test_no_deadline_no_escalation() -> None:
    assert due_level(created_at=FILED, sla_due_at=None, severity="critical", status="open",
                     now=FILED + timedelta(days=30), rules=RULES) == 0


def test_configured_steps_and_caps_are_used() -> None:
    rules = settings_from_mapping({"complaints": {
        "escalation_after": [0.5, 2.0], "escalation_max_level": {"critical": 2, "high": 1, "medium": 0, "low": 0},
    }}).complaints
    assert level("critical", 2.0, rules=rules) == 1          # half the SLA time used
    assert level("critical", 8.0, rules=rules) == 2
    assert level("high", 8.0, rules=rules) == 1
    assert level("medium", 80.0, rules=rules) == 0           # never escalates


@pytest.mark.parametrize(("section", "path"), [
    ({"escalation_max_level": {"critical": 3, "high": 2, "medium": 1, "low": 1}}, "complaints.escalation_max_level.critical"),
    ({"escalation_max_level": {"critical": 2}}, "complaints.escalation_max_level.low"),
    ({"escalation_max_level": {"critical": 2, "high": 2, "medium": 1, "low": 1, "urgent": 1}},
     "complaints.escalation_max_level.urgent"),
    ({"escalation_after": [1.0], "escalation_max_level": {"critical": 2, "high": 1, "medium": 1, "low": 1}},
     "complaints.escalation_max_level.critical"),
    ({"escalation_check_seconds": 0}, "complaints.escalation_check_seconds"),
])
def test_escalation_config_errors_name_the_key_path(section: dict, path: str) -> None:
    with pytest.raises(ConfigError) as exc:
        settings_from_mapping({"complaints": section})
    assert path in str(exc.value)

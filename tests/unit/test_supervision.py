"""Stuck agents: the limits per state, the settings that hold them, and the wallboard fields."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.errors import ConfigError
from callcenter.model.supervision import stuck, stuck_fields
from callcenter.settings import SupervisionSettings, load_settings, settings_from_mapping

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
RULES = SupervisionSettings()      # paused 15 min, wrap-up 5 min, on call 30 min, ringing 60 s


@pytest.mark.parametrize("state, elapsed, expected", [
    ("paused", timedelta(minutes=14, seconds=59), None),
    ("paused", timedelta(minutes=15), {"reason": "paused", "minutes": 15}),
    ("paused", timedelta(minutes=42, seconds=30), {"reason": "paused", "minutes": 42}),
    ("wrap_up", timedelta(minutes=4), None),
    ("wrap_up", timedelta(minutes=6), {"reason": "wrap_up", "minutes": 6}),
    ("on_call", timedelta(minutes=29), None),
    ("on_call", timedelta(minutes=31), {"reason": "on_call", "minutes": 31}),
    ("ringing", timedelta(seconds=59), None),
    ("ringing", timedelta(seconds=61), {"reason": "ringing", "minutes": 1}),
    ("available", timedelta(hours=8), None),        # waiting for calls is never "stuck"
    ("logged_out", timedelta(days=3), None),
])
def test_stuck_rules(state, elapsed, expected):
    assert stuck(state, T0, T0 + elapsed, RULES) == expected


def test_wallboard_fields_say_when_the_row_turns_stuck():
    fields = stuck_fields("paused", T0, T0 + timedelta(minutes=1), RULES)
    assert fields == {"stuck": None, "stuck_at": {"reason": "paused", "at": "2025-05-01T09:15:00+00:00"}}
    assert stuck_fields("available", T0, T0, RULES) == {"stuck": None, "stuck_at": None}


def test_tiny_thresholds_are_allowed():
    rules = settings_from_mapping({"supervision": {"paused_minutes": 0.01}}).supervision
    assert stuck("paused", T0, T0 + timedelta(seconds=1), rules) == {"reason": "paused", "minutes": 0}


@pytest.mark.parametrize("data, key_path", [
    ({"supervision": {"paused_minutes": 0}}, "supervision.paused_minutes"),
    ({"supervision": {"wrapup_minutes": "soon"}}, "supervision.wrapup_minutes"),
    ({"supervision": {"ringing_seconds": -5}}, "supervision.ringing_seconds"),
    ({"supervision": {"on_call_mins": 30}}, "supervision.on_call_mins"),
])
def test_bad_limits_name_the_key_path(data, key_path):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(data)
    assert info.value.key_path == key_path


def test_shipped_config_has_the_documented_limits():
    rules = load_settings("config.yaml", env={}).supervision
    assert (rules.paused_minutes, rules.wrapup_minutes, rules.on_call_minutes, rules.ringing_seconds) == (15, 5, 30, 60)

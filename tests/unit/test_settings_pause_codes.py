"""Pause codes with limits and the presence timers in config.yaml: both forms accepted, errors name the key path."""
from __future__ import annotations

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import settings_from_mapping


def test_plain_names_and_codes_with_limits_mix() -> None:
    console = settings_from_mapping({"console": {"pause_reasons": [
        "lunch", {"code": "break", "limit_minutes": 15}, {"code": "coaching", "limit_minutes": 0.5}]}}).console
    assert console.pause_codes == ("lunch", "break", "coaching")
    assert console.pause_limits == {"lunch": None, "break": 900, "coaching": 30}


def test_defaults_give_lunch_and_break_a_limit() -> None:
    console = settings_from_mapping({}).console
    assert console.pause_limits == {"lunch": 3600, "training": None, "meeting": None, "break": 900}
    assert console.presence.disconnect_pause_seconds == 60
    assert console.presence.disconnect_logout_seconds == 900


@pytest.mark.parametrize("console,key_path,words", [
    ({"pause_reasons": ["lunch", "lunch"]}, "console.pause_reasons.1.code", "listed twice"),
    ({"pause_reasons": [{"code": "break", "limit_minutes": -1}]}, "console.pause_reasons.0.limit_minutes",
     "greater than 0"),
    ({"pause_reasons": [{"code": "break", "limit": 5}]}, "console.pause_reasons.0.limit", "unknown key"),
    ({"pause_reasons": ["connection_lost"]}, "console.pause_reasons.0.code", "set by the server"),
    ({"pause_reasons": ["wrap-up"]}, "console.pause_reasons.0.code", "set by the server"),
    ({"pause_reasons": ["Lunch Break"]}, "console.pause_reasons.0.code", "pattern"),
    ({"presence": {"disconnect_pause_seconds": 60, "disconnect_logout_seconds": 30}},
     "console.presence.disconnect_logout_seconds", "more than disconnect_pause_seconds"),
    ({"presence": {"disconnect_pause_seconds": -1}}, "console.presence.disconnect_pause_seconds", "greater than"),
])
def test_errors_name_the_key_path(console: dict, key_path: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"console": console})
    assert err.value.key_path == key_path
    assert words in str(err.value)


def test_presence_steps_can_be_turned_off() -> None:
    presence = settings_from_mapping({"console": {"presence": {"disconnect_pause_seconds": 0,
                                                               "disconnect_logout_seconds": 0}}}).console.presence
    assert (presence.disconnect_pause_seconds, presence.disconnect_logout_seconds) == (0, 0)

"""Settings: a wrong value stops start-up with a message naming the key path."""
from __future__ import annotations

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import load_settings, settings_from_mapping


@pytest.mark.parametrize("data, key_path, words", [
    ({"queues": {"general": {}}}, "queues.general", "cannot be named 'general'"),
    ({"routing": {"ladders": {"vip": [{"queue": "nope"}]}}}, "routing.ladders.vip.0.queue", "'nope' is not in queues"),
    ({"routing": {"default_queue": "x"}}, "routing.default_queue", "'x' is not in queues"),
    ({"ami": {"port": "x"}}, "ami.port", "valid integer"),
    ({"ami": {"port": 70000}}, "ami.port", "less than or equal"),
    ({"amii": {}}, "amii", "unknown key"),
    ({"routing": {"ladders": {"vipp": [{"queue": "vip"}]}}}, "routing.ladders.vipp", "unknown tier 'vipp'"),
    ({"ivr": {"menus": {"menus": {"main": {"prompt": {"zh-CN": "m"}, "digits": {"3": {"menu": "nope"}}}}}}},
     "ivr.menus.menus.main.digits.3.menu", "no menu 'nope'"),
    ({"ivr": {"menus": {"menus": {"main": {"prompt": {"zh-CN": "m"}, "digits": {"1": {"queue": "nowhere"}}}}}}},
     "ivr.menus.menus.main.digits.1.queue", "'nowhere' is not in queues"),
    ({"hours": {"default": {"weekly": {"mon": ["25:00-26:00"]}}}}, "hours.default.weekly.mon.0", "not a time of day"),
    ({"hours": {"queues": {"ghost": {"weekly": {"mon": ["08:00-09:00"]}}}}}, "hours.queues.ghost", "not in queues"),
    ({"tiers": {"thresholds": {"major": 0.5, "named": 0.6, "non_named": 0.2}}}, "tiers.thresholds", "must be below"),
    ({"tiers": {"weights": {"spend": -1}}}, "tiers.weights.spend", "greater than or equal to 0"),
    ({"database": {"url": "mysql://x"}}, "database.url", "sqlite+aiosqlite"),
    ({"ivr": {"closed_prompt": "two words"}}, "ivr.closed_prompt", "pattern"),
    ({"queues": {"vip": {"wrapup_seconds": -1}}}, "queues.vip.wrapup_seconds", "greater than or equal"),
])
def test_errors_name_the_key_path(data, key_path, words):
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(data)
    assert info.value.key_path == key_path
    assert words in str(info.value)


def test_shipped_config_is_valid_and_never_routes_to_general(tmp_path):
    settings = load_settings("config.yaml", env={})
    assert "general" not in settings.queues
    assert settings.route_for("vip").queue == "vip"
    tiers = ("vip", "group", "family", "individual", None)
    assert settings.route_for("vip").priority == max(settings.route_for(t).priority for t in tiers)
    assert settings.route_for("group").queue == "enterprise"
    assert settings.route_for(None).queue == settings.routing.default_queue


def test_environment_overrides_secrets_and_ports():
    settings = load_settings("config.yaml", env={"CC_AMI_SECRET": "s3cret", "CC_AMI_PORT": "15038"})
    assert settings.ami.secret == "s3cret" and settings.ami.port == 15038


def test_settings_are_frozen():
    from pydantic import ValidationError

    settings = settings_from_mapping({})
    with pytest.raises(ValidationError, match="frozen"):
        settings.ami.port = 1  # type: ignore[misc]


def test_bad_yaml_names_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("ami:\n  port: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert "line" in str(info.value) and "not valid YAML" in str(info.value)

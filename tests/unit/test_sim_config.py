"""SimulatorConfig built from the application's settings, and its per-queue timing overrides."""
from __future__ import annotations

import dataclasses

import pytest

from callcenter.settings import settings_from_mapping
from callcenter.simulator import PhoneSettings, QueueSpec, SimulatorConfig, Timing


def test_from_settings_mirrors_the_application_settings():
    settings = settings_from_mapping({"ami": {"username": "cc", "secret": "pw"}, "fastagi": {"port": 4599},
                                      "queues": {"gold": {"strategy": "ringall", "member_timeout": 20},
                                                 "standard": {}},
                                      "routing": {"default_queue": "standard", "ladders": {}}})
    config = SimulatorConfig.from_settings(settings, login_failure_delay=0.1)
    assert (config.username, config.secret, config.agi_port, config.default_queue) == ("cc", "pw", 4599, "standard")
    assert config.queues["gold"] == QueueSpec(strategy="ringall", timeout=20.0)
    assert config.login_failure_delay == 0.1


def test_timing_overrides_the_queue_timeouts():
    config = SimulatorConfig(queues={"vip": QueueSpec(timeout=15, retry=5)}, default_queue="vip")
    assert (config.member_timeout("vip"), config.retry("vip")) == (15, 5)
    fast = dataclasses.replace(config, timing=Timing(member_timeout=0.2, retry=0.0))
    assert (fast.member_timeout("vip"), fast.retry("vip")) == (0.2, 0.0)


def test_config_is_frozen_but_phones_are_not():
    config = SimulatorConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.secret = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.queues["new"] = QueueSpec()  # type: ignore[index]
    phone = PhoneSettings()
    phone.answers = False
    assert not phone.answers

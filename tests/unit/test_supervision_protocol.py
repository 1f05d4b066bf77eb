"""Decoding the supervisor's agent_force and spy commands; protocol.js mirrors them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from callcenter.errors import ValidationFailed
from console import protocol
from console import supervision_protocol

JS = Path(__file__).resolve().parents[2] / "static" / "js" / "protocol.js"
REASONS = ("lunch", "break")


def test_force_decodes_each_action():
    assert supervision_protocol.decode_agent_force({"agent_id": 3, "action": "available"}, REASONS) == \
        supervision_protocol.AgentForceData(3, "available", "")
    assert supervision_protocol.decode_agent_force({"agent_id": 3, "action": "pause", "reason": "lunch"}, REASONS) == \
        supervision_protocol.AgentForceData(3, "pause", "lunch")
    # Available / log out carry the supervisor's reason (a configured code or their own words) for the audit.
    assert supervision_protocol.decode_agent_force({"agent_id": 3, "action": "logout", "reason": " shift_end "},
                                            REASONS).reason == "shift_end"


@pytest.mark.parametrize("data, field", [
    ({"action": "available"}, "agent_id"),
    ({"agent_id": "3", "action": "available"}, "agent_id"),
    ({"agent_id": True, "action": "available"}, "agent_id"),
    ({"agent_id": 3, "action": "sleep"}, "action"),
    ({"agent_id": 3, "action": "pause"}, "reason"),
    ({"agent_id": 3, "action": "pause", "reason": "nap"}, "reason"),
    ({"agent_id": 3, "action": "logout", "reason": 7}, "reason"),
    ({"agent_id": 3, "action": "available", "reason": "x" * 201}, "reason"),
])
def test_bad_force_names_the_field(data, field):
    with pytest.raises(ValidationFailed) as info:
        supervision_protocol.decode_agent_force(data, REASONS)
    assert field in info.value.details["fields"]


@pytest.mark.parametrize("data, field", [({"agent_id": 3, "mode": "snoop"}, "mode"), ({"mode": "listen"}, "agent_id")])
def test_bad_spy_names_the_field(data, field):
    with pytest.raises(ValidationFailed) as info:
        supervision_protocol.decode_spy(data)
    assert field in info.value.details["fields"]


def test_spy_and_force_are_supervisor_commands_mirrored_in_js():
    assert supervision_protocol.decode_spy({"agent_id": 3, "mode": "whisper"}) == (3, "whisper")
    assert {"agent_force", "spy"} <= protocol.SUPERVISOR_COMMANDS <= protocol.COMMANDS
    code = JS.read_text()
    for name in ("FORCE_ACTIONS", "SPY_MODES"):
        listed = re.search(rf"{name} = Object\.freeze\(\[([^\]]*)\]", code)
        assert listed and tuple(re.findall(r'"(\w+)"', listed.group(1))) == getattr(supervision_protocol, name)

"""Decoding the desk's call-control commands: clear field errors, E.164 numbers."""
from __future__ import annotations

import pytest

from callcenter.errors import ValidationFailed
from console import protocol


def test_call_control_commands_are_known():
    for kind in ("hold", "resume", "hangup", "transfer", "transfer_complete", "transfer_cancel", "dial"):
        assert protocol.decode(f'{{"type": "{kind}", "id": 1}}').type == kind


def test_transfer_decodes_kinds_targets_and_numbers():
    assert protocol.decode_transfer({"kind": "blind", "to": "queue", "target": " standard "}, None) == \
        protocol.TransferData("blind", "queue", "standard")
    assert protocol.decode_transfer({"to": "number", "target": "139 0000 0001"}, None).target == "+8613900000001"


@pytest.mark.parametrize("data, field", [
    ({"kind": "sideways", "to": "queue", "target": "x"}, "kind"),
    ({"kind": "blind", "to": "moon", "target": "x"}, "to"),
    ({"kind": "blind", "to": "agent", "target": ""}, "target"),
    ({"kind": "blind", "to": "agent", "target": "10;02"}, "target"),
    ({"kind": "blind", "to": "number", "target": "12"}, "target"),
    ({"kind": "blind", "to": "queue", "target": 7}, "target"),
])
def test_bad_transfers_name_the_field(data, field):
    with pytest.raises(ValidationFailed) as info:
        protocol.decode_transfer(data, None)
    assert field in info.value.details["fields"]


def test_dial_needs_a_phone_number():
    assert protocol.decode_dial({"number": "+86 139-0000-0001"}, None) == "+8613900000001"
    for bad in ({}, {"number": "call me"}, {"number": "1" * 80}):
        with pytest.raises(ValidationFailed):
            protocol.decode_dial(bad, None)

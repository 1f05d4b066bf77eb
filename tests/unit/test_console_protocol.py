"""Decoding browser commands: every rejection is a clear ValidationFailed naming the field."""
from __future__ import annotations

from typing import Any

import orjson
import pytest

from callcenter.errors import ValidationFailed
from console import protocol

OUTCOMES = ("resolved", "follow_up")


def test_decode_keeps_the_id_of_a_message_it_rejects() -> None:
    with pytest.raises(protocol.BadCommand) as info:
        protocol.decode('{"type": "dance", "id": "x1"}')
    assert info.value.re == "x1" and info.value.error_id == "invalid-input"


@pytest.mark.parametrize("raw", ['{"type": "ping", "id": true}', '{"type": "ping", "id": [1]}'])
def test_decode_refuses_odd_ids(raw: str) -> None:
    with pytest.raises(protocol.BadCommand, match="id must be"):
        protocol.decode(raw)


def test_decode_disposition_trims_and_builds_the_complaint() -> None:
    data = protocol.decode_disposition({"call_id": " c-1 ", "outcome": "resolved", "notes": "  ok ",
                                        "complaint": {"category": "billing", "severity": "low", "description": "d"}},
                                       OUTCOMES)
    assert (data.call_id, data.interaction_id, data.notes) == ("c-1", "", "ok")
    assert data.complaint == protocol.ComplaintData("billing", "low", "d")


@pytest.mark.parametrize("data,field", [
    ({}, "call_id"),
    ({"call_id": "c", "outcome": None}, "outcome"),
    ({"call_id": "c", "outcome": "resolved", "notes": "n" * (protocol.MAX_NOTES + 1)}, "notes"),
    ({"call_id": "c", "outcome": "resolved", "complaint": {"category": "b", "severity": "low"}}, "complaint.description"),
    ({"call_id": "c", "outcome": "resolved", "complaint": {"category": "b" * 101, "severity": "low",
                                                           "description": "d"}}, "complaint.category"),
])
def test_decode_disposition_names_the_bad_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        protocol.decode_disposition(data, OUTCOMES)
    assert field in info.value.details["fields"]


def test_pause_and_ack() -> None:
    assert protocol.decode_pause({"reason": "lunch"}, ("lunch",)) == "lunch"
    with pytest.raises(ValidationFailed):
        protocol.decode_pause({}, ("lunch",))
    assert protocol.decode_ack({"seq": 5}) == 5
    for bad in ({"seq": -1}, {"seq": True}, {"seq": 1.5}, {}):
        with pytest.raises(ValidationFailed):
            protocol.decode_ack(bad)


def test_encode_carries_seq_only_when_given() -> None:
    assert orjson.loads(protocol.encode("pop", {"a": 1}, 3)) == {"type": "pop", "data": {"a": 1}, "seq": 3}
    assert "seq" not in orjson.loads(protocol.encode("wallboard", {}))

"""The desk's ``pause_after_call`` command: a configured code arms, null cancels, anything else is refused."""
from __future__ import annotations

import pytest

from callcenter.errors import ValidationFailed
from console import protocol

CODES = ("lunch", "break")


def test_a_code_arms_and_null_cancels() -> None:
    assert protocol.decode(b'{"type": "pause_after_call", "id": 1, "data": {"reason": "break"}}').type == \
        "pause_after_call"
    assert protocol.decode_pause_after_call({"reason": "break"}, CODES) == "break"
    assert protocol.decode_pause_after_call({"reason": None}, CODES) == ""
    assert protocol.decode_pause_after_call({}, CODES) == ""


@pytest.mark.parametrize("reason", ["nap", "connection_lost", "wrap-up", 3, ""])
def test_other_reasons_are_refused_naming_the_field(reason: object) -> None:
    with pytest.raises(ValidationFailed) as err:
        protocol.decode_pause_after_call({"reason": reason}, CODES)
    assert err.value.details["fields"] == {"reason": "invalid"}

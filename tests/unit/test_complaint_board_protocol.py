"""The complaints board commands: supervisor-only, decoded with clear field errors, mirrored in protocol.js."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from callcenter.errors import ValidationFailed
from console import protocol
from console import supervision_protocol

JS = Path(__file__).resolve().parents[2] / "static" / "js"


def test_board_commands_are_supervisor_commands() -> None:
    assert {"complaints", "complaint_reassign"} <= protocol.SUPERVISOR_COMMANDS & protocol.COMMANDS


def test_decoders() -> None:
    assert supervision_protocol.decode_complaints({}) == "severity"
    assert supervision_protocol.decode_complaints({"order": "tier"}) == "tier"
    assert supervision_protocol.decode_complaint_reassign({"complaint_id": 4, "agent_id": 7, "note": " leave "}) == \
        supervision_protocol.ComplaintReassignData(4, 7, "leave")


@pytest.mark.parametrize(("decode", "data", "field"), [
    (supervision_protocol.decode_complaints, {"order": "owner"}, "order"),
    (supervision_protocol.decode_complaint_reassign, {"agent_id": 7}, "complaint_id"),
    (supervision_protocol.decode_complaint_reassign, {"complaint_id": 4, "agent_id": "7"}, "agent_id"),
    (supervision_protocol.decode_complaint_reassign, {"complaint_id": 4, "agent_id": 7, "note": "x" * 501}, "note"),
])
def test_bad_input_names_the_field(decode, data, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        decode(data)
    assert field in exc.value.details["fields"]


def test_the_board_module_renders_text_only_with_the_stable_hooks() -> None:
    code = (JS / "complaints_board.js").read_text(encoding="utf-8")
    assert "innerHTML" not in code and "insertAdjacentHTML" not in code
    for hook in ('"data-complaint-id"', '"overdue"', '"data-action": "reassign"', "slaBadge("):
        assert hook in code, hook
    assert re.search(r"mountComplaintsBoard\(\{ root: \$\(\"complaints-board\"\)", (JS / "supervisor.js").read_text())

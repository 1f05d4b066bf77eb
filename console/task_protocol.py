"""Decoding of the agent's task commands (``console/task_commands.py`` carries them out): a follow-up or
callback visit done or cancelled, a complaint moved on. The envelope and the desk's own commands are in
:mod:`console.protocol`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callcenter.errors import ValidationFailed
from console.protocol import MAX_FOLLOW_UP_NOTE, choice_field, id_field, text_field

FOLLOW_UP_RESULTS = ("reached", "satisfied", "unsatisfied", "no_answer", "wrong_number")
COMPLAINT_STATUSES = ("open", "in_progress", "resolved", "confirmed", "closed")


@dataclass(frozen=True, slots=True)
class FollowUpDoneData:
    follow_up_id: int
    result: str
    note: str
    satisfaction: int | None


@dataclass(frozen=True, slots=True)
class ComplaintAdvanceData:
    complaint_id: int
    status: str


def decode_follow_up_done(data: dict[str, Any]) -> FollowUpDoneData:
    follow_up_id = id_field(data, "follow_up_id")
    result = choice_field(data, "result", FOLLOW_UP_RESULTS)
    satisfaction = data.get("satisfaction")
    if satisfaction is not None and (isinstance(satisfaction, bool) or satisfaction not in (1, 2, 3, 4, 5)):
        raise ValidationFailed("satisfaction must be a whole number from 1 to 5, or null", {"satisfaction": "invalid"})
    return FollowUpDoneData(follow_up_id, result, text_field(data, "note", MAX_FOLLOW_UP_NOTE), satisfaction)


def decode_follow_up_cancel(data: dict[str, Any]) -> tuple[int, str]:
    return id_field(data, "follow_up_id"), text_field(data, "note", MAX_FOLLOW_UP_NOTE)


def decode_complaint_advance(data: dict[str, Any]) -> ComplaintAdvanceData:
    complaint_id = id_field(data, "complaint_id")
    status = choice_field(data, "status", COMPLAINT_STATUSES)
    return ComplaintAdvanceData(complaint_id, status)

"""Decoding of the console commands for the work around calls (``console/ws_work.py`` carries them out):
the agent's tasks and complaint moves, the supervisors' one-click fixes and listening in, the complaints
board. The envelope and the desk's own commands are in :mod:`console.protocol`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callcenter.errors import ValidationFailed
from console.protocol import MAX_FOLLOW_UP_NOTE, choice_field, decode_pause, id_field, text_field

FOLLOW_UP_RESULTS = ("reached", "satisfied", "unsatisfied", "no_answer", "wrong_number")
COMPLAINT_STATUSES = ("open", "in_progress", "resolved", "confirmed", "closed")


# --------------------------------------------------------------------------- tasks and complaint work
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


# --------------------------------------------------------------------------- supervision (issue 5)
FORCE_ACTIONS = ("available", "pause", "logout")
SPY_MODES = ("listen", "whisper", "barge")


@dataclass(frozen=True, slots=True)
class AgentForceData:
    agent_id: int
    action: str          # available | pause | logout
    reason: str          # pause: one of the pause reasons; else why the supervisor did it (audited), may be ""


MAX_FORCE_REASON = 200


def decode_agent_force(data: dict[str, Any], reasons: tuple[str, ...]) -> AgentForceData:
    """``agent_force`` ``{"agent_id", "action": "available"|"pause"|"logout", "reason"}``: a pause needs one
    of the pause reasons; available / log out take the supervisor's reason (a code of
    ``supervision.action_reasons`` or their own words), kept in the audit trail."""
    agent_id = id_field(data, "agent_id")
    action = choice_field(data, "action", FORCE_ACTIONS)
    reason = decode_pause(data, reasons) if action == "pause" else text_field(data, "reason", MAX_FORCE_REASON)
    return AgentForceData(agent_id, action, reason)


def decode_spy(data: dict[str, Any]) -> tuple[int, str]:
    """``spy`` ``{"agent_id", "mode": "listen"|"whisper"|"barge"}``."""
    agent_id = id_field(data, "agent_id")
    mode = choice_field(data, "mode", SPY_MODES)
    return agent_id, mode


# --------------------------------------------------------------------------- complaints board (issue 5)
BOARD_ORDERS = ("severity", "tier")
MAX_REASSIGN_NOTE = 500


@dataclass(frozen=True, slots=True)
class ComplaintReassignData:
    complaint_id: int
    agent_id: int        # the new owner
    note: str


def decode_complaints(data: dict[str, Any]) -> str:
    """``complaints`` ``{"order": "severity"|"tier"}`` (default severity)."""
    return choice_field({"order": data.get("order") or "severity"}, "order", BOARD_ORDERS)


def decode_complaint_reassign(data: dict[str, Any]) -> ComplaintReassignData:
    return ComplaintReassignData(id_field(data, "complaint_id"), id_field(data, "agent_id"),
                                 text_field(data, "note", MAX_REASSIGN_NOTE))

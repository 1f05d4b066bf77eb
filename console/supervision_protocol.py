"""Decoding of the supervisors' commands (``console/supervision_commands.py`` carries them out): an
agent's state set for them, listening in, the complaints board and a complaint handed on. The envelope
and the desk's own commands are in :mod:`console.protocol`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.protocol import choice_field, decode_pause, id_field, text_field

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

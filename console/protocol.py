"""The console's JSON envelope, encode/decode only (``static/js/protocol.js`` mirrors it).

Server -> browser::

    {"type": "<kind>", "seq": <int>, "data": {...}}          # seq: per agent, see below
    {"type": "reply", "re": <client id>, "ok": true, "data": {...}}
    {"type": "reply", "re": <client id>, "ok": false, "error": {"id": "...", "message": "..."}}

Browser -> server::

    {"type": "<command>", "id": <str|int>, "data": {...}}

Server kinds: ``hello`` (who you are + current state, sent on connect), ``agent`` (the agent's own
state), ``pop`` (screen pop while the phone rings), ``pop_withdrawn``, ``call`` (the call connected or
ended: ``{"call_id", "state": "connected"|"ended", ...}``), ``wallboard`` (supervisor snapshot),
``switches`` (supervisors: ``{"switches": [{"queue", "closed", "reason", "by", "at"}, ...]}``, the
"closed now" switch of every queue, sent whole after each flip), ``error``.

Commands: ``available``, ``pause`` ``{"reason"}``, ``logout``, ``disposition`` ``{"call_id",
"interaction_id", "outcome", "notes", "complaint": {"category", "severity", "description"} | null}``,
``ack`` ``{"seq"}``, ``ping``. Supervisor view only: ``queue_switch`` ``{"queue", "closed": bool,
"reason"}`` (close a queue now / reopen it; the reply comes once the flip is committed).

Sequence numbers: frames sent to an agent carry ``seq``, increasing per *agent* (not per socket) and
kept across reconnects for the life of the server process (``epoch`` names that life). ``hello`` has
no ``seq`` of its own; its data carries ``seq`` (the agent's last seq when the snapshot was taken) and
``epoch``. A browser reconnects with ``/ws?resume=<last seq>&epoch=<epoch>``: frames after that seq
still in the server's small replay buffer follow the ``hello``; a gap in the numbers means some were
lost and the ``hello`` snapshot is the truth. Supervisor frames (``wallboard``) carry no seq: each
one is a whole snapshot.

Close codes: ``4401`` not logged in / session ended (log in again, do not retry), ``4403`` forbidden
(wrong Origin, or a view the role may not open), ``4429`` the browser read too slowly and its
outbound queue overflowed (reconnect with resume), ``1001`` server going away (reconnect).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from callcenter.errors import CallCenterError, ValidationFailed

COMMANDS = frozenset({"available", "pause", "logout", "disposition", "ack", "ping", "queue_switch"})
SUPERVISOR_COMMANDS = frozenset({"queue_switch"})
MAX_MESSAGE_BYTES = 64 * 1024

CLOSE_GOING_AWAY = 1001
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 4429

SEVERITIES = ("low", "medium", "high", "critical")
MAX_NOTES = 4000
MAX_CATEGORY = 64       # crm_bridge.interactions.CATEGORY_MAX
MAX_DESCRIPTION = 4000
MAX_CALL_ID = 64        # the store's call_id column
MAX_QUEUE = 64          # crm_bridge.models.QueueSwitch.queue
MAX_SWITCH_REASON = 200  # crm_bridge.models.QueueSwitch.reason


@dataclass(frozen=True, slots=True)
class Command:
    type: str
    id: str | int | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ComplaintData:
    category: str
    severity: str
    description: str


@dataclass(frozen=True, slots=True)
class DispositionData:
    call_id: str
    interaction_id: str
    outcome: str
    notes: str
    complaint: ComplaintData | None


@dataclass(frozen=True, slots=True)
class QueueSwitchData:
    queue: str
    closed: bool
    reason: str


class BadCommand(ValidationFailed):
    """A browser message that does not fit; ``re`` is its id when one could be read (for the reply)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, re: str | int | None = None) -> None:
        super().__init__(message, fields)
        self.re = re


def encode(kind: str, data: dict[str, Any], seq: int | None = None) -> str:
    message: dict[str, Any] = {"type": kind, "data": data}
    if seq is not None:
        message["seq"] = seq
    return orjson.dumps(message, default=_default).decode()


def encode_reply(re: str | int | None, data: dict[str, Any] | None = None) -> str:
    return orjson.dumps({"type": "reply", "re": re, "ok": True, "data": data or {}}, default=_default).decode()


def encode_error(re: str | int | None, error: CallCenterError) -> str:
    return orjson.dumps({"type": "reply", "re": re, "ok": False, "error": error.as_dict()}, default=_default).decode()


def decode(text: str | bytes) -> Command:
    """Parse one browser message; raises :class:`BadCommand` (a :class:`ValidationFailed`) with a clear reason."""
    if len(text) > MAX_MESSAGE_BYTES:
        raise BadCommand(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadCommand("message is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadCommand("message must be a JSON object")
    msg_id = message.get("id")
    if msg_id is not None and (isinstance(msg_id, bool) or not isinstance(msg_id, (str, int))):
        raise BadCommand("id must be a string or a number", {"id": "invalid"})
    kind = message.get("type")
    if kind not in COMMANDS:
        raise BadCommand(f"unknown message type {kind!r}; expected one of {sorted(COMMANDS)}", {"type": "unknown"}, msg_id)
    data = message.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadCommand("data must be a JSON object", {"data": "invalid"}, msg_id)
    return Command(kind, msg_id, data)


def decode_pause(data: dict[str, Any], reasons: tuple[str, ...]) -> str:
    reason = data.get("reason")
    if not isinstance(reason, str) or reason not in reasons:
        raise ValidationFailed(f"pause reason must be one of {list(reasons)}", {"reason": "invalid"})
    return reason


def decode_ack(data: dict[str, Any]) -> int:
    seq = data.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("ack needs seq, a whole number >= 0", {"seq": "invalid"})
    return seq


def decode_disposition(data: dict[str, Any], outcomes: tuple[str, ...]) -> DispositionData:
    """Check a ``disposition`` command's data; every message names the field and what was expected."""
    call_id = _text(data, "call_id", MAX_CALL_ID, required=True)
    interaction_id = _text(data, "interaction_id", MAX_CALL_ID)
    outcome = data.get("outcome")
    if not isinstance(outcome, str) or outcome not in outcomes:
        raise ValidationFailed(f"outcome must be one of {list(outcomes)}", {"outcome": "invalid"})
    notes = _text(data, "notes", MAX_NOTES)
    complaint = data.get("complaint")
    if complaint is None:
        return DispositionData(call_id, interaction_id, outcome, notes, None)
    if not isinstance(complaint, dict):
        raise ValidationFailed("complaint must be an object or null", {"complaint": "invalid"})
    category = _text(complaint, "category", MAX_CATEGORY, required=True, prefix="complaint.")
    severity = complaint.get("severity")
    if not isinstance(severity, str) or severity not in SEVERITIES:
        raise ValidationFailed(f"complaint.severity must be one of {list(SEVERITIES)}", {"complaint.severity": "invalid"})
    description = _text(complaint, "description", MAX_DESCRIPTION, required=True, prefix="complaint.")
    return DispositionData(call_id, interaction_id, outcome, notes, ComplaintData(category, severity, description))


def decode_queue_switch(data: dict[str, Any]) -> QueueSwitchData:
    """Check a ``queue_switch`` command's data (whether the queue exists is the switches' call)."""
    queue = _text(data, "queue", MAX_QUEUE, required=True)
    closed = data.get("closed")
    if not isinstance(closed, bool):
        raise ValidationFailed("closed must be true (close the queue now) or false (reopen it)", {"closed": "invalid"})
    reason = _text(data, "reason", MAX_SWITCH_REASON)
    return QueueSwitchData(queue, closed, reason)


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = False, prefix: str = "") -> str:
    name = prefix + key
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} must be text", {name: "invalid"})
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{name} is required", {name: "missing"})
    if len(value) > limit:
        raise ValidationFailed(f"{name} is longer than {limit} characters", {name: "too-long"})
    return value


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")

"""The console's JSON envelope, encode/decode only (``static/js/protocol.js`` mirrors it).

Server -> browser::

    {"type": "<kind>", "seq": <int>, "data": {...}}          # seq: per agent, see below
    {"type": "reply", "re": <client id>, "ok": true, "data": {...}}
    {"type": "reply", "re": <client id>, "ok": false, "error": {"id": "...", "message": "..."}}

Browser -> server::

    {"type": "<command>", "id": <str|int>, "data": {...}}

Server kinds: ``hello`` (who you are + current state, sent on connect), ``agent`` (the agent's own
state), ``pop`` (screen pop while the phone rings), ``pop_withdrawn``, ``call`` (the call connected or
ended: ``{"call_id", "state": "connected"|"ended", ...}``), ``wallboard`` (supervisor snapshot; its
``metrics`` carry ``timezone``, the zone of the server's day), ``wallboard_series`` (supervisors, every
``metrics.sample_seconds``: only the new point per queue, ``{"day", "step", "points": {queue: [epoch_s,
waiting, sl]}}``; the supervisor's ``hello`` carries the day so far as ``series`` ``{"day", "step",
"queues": {queue: [[epoch_s, waiting, sl], ...]}}`` and the reason lists ``action_reasons``),
``switches`` (supervisors: ``{"switches": [{"queue", "closed", "reason", "by", "at"}, ...]}``, the
"closed now" switch of every queue, sent whole after each flip), ``complaints`` (supervisors: the
complaints board, sent whole after an escalation or a hand-over), ``complaint_escalated`` (supervisors
and the owner's desk: ``{"complaint", "previous_level", "level", "roles"}``), ``complaint_reassigned``
(the old and new owners' desks: ``{"complaint", "from_agent_id", "to_agent_id", "by", "note"}``),
``wrapups`` (the agent's pending wrap-ups, after every save: ``{"wrapups": [{"interaction_id", "call_id",
"caller_number", "queue", "name", "customer_id", "answered_at", "ended_at"}, ...]}``, oldest first; the
``hello`` of a desk carries the same list as ``wrapups``), ``disposition_saved`` (an outcome that waited in
the spool while the database was away has landed: ``{"call_id", "interaction_id", "complaint_id",
"follow_up_id"?}``), ``error``. The ``agent`` frame's
``wrapup_ends_at`` (ISO 8601 or null) is when the wrap-up timer ends.

Commands: ``available``, ``pause`` ``{"reason"}``, ``pause_after_call`` ``{"reason": code | null}`` (pause
with that code once the current call and its wrap-up are over, at once when idle; null cancels; the
``agent`` frame's ``pause_after_call`` shows the armed code), ``logout``, ``disposition`` ``{"call_id",
"interaction_id", "outcome", "notes", "complaint": {"category", "severity", "description"} | null,
"follow_up": {"due_at" (ISO 8601 with its offset, in the future, within a year), "assign": "me" | "pool",
"pool" (a queue, when assign is pool), "note"} | null}`` (reply: the saved ids, or ``{"queued": true,
"interaction_id", "call_id"}`` when the database is away: kept on disk, ``disposition_saved`` follows),
``wrapups`` (reply ``{"wrapups": [...]}``: answered calls without an outcome, from the database; a
``disposition`` for any of them is accepted, also after a server restart),
``ack`` ``{"seq"}``, ``ping``. Supervisor view only: ``queue_switch`` ``{"queue", "closed": bool,
"reason"}`` (close a queue now / reopen it; the reply comes once the flip is committed; the reason is a
code of ``supervision.action_reasons.queue_close`` or the supervisor's own words).
Desk clarity (``DESK_CLARITY_COMMANDS``, issue 10, in ``console/desk/``): ``directory`` ``{"q"}``
(agents with their live state and queues, for the transfer directory), ``call_customer``
``{"call_id", "customer_id"}`` and ``customer_create`` ``{"call_id", "name", "customer_type", "number"}``
(the customer of the call on the desk: stored on its interaction row, the pop updates).
Tasks (``TASK_COMMANDS``, each answered once committed): ``tasks`` (the agent's open follow-ups and
callback visits plus their queues' pool tasks, soonest first: reply ``{"tasks": [...], "now"}``),
``follow_up_done`` ``{"follow_up_id", "result", "note", "satisfaction": 1-5 | null}``,
``follow_up_cancel`` ``{"follow_up_id", "note"}``, ``complaint_advance`` ``{"complaint_id", "status"}``
(the complaint's owner, or a supervisor).

Sequence numbers: frames sent to an agent carry ``seq``, increasing per *agent* (not per socket) and
kept across reconnects for the life of the server process (``epoch`` names that life). ``hello`` has
no ``seq`` of its own; its data carries ``seq`` (the agent's last seq when the snapshot was taken) and
``epoch``. A browser reconnects with ``/ws?resume=<last seq>&epoch=<epoch>``: frames after that seq
still in the server's small replay buffer follow the ``hello``; a gap in the numbers means some were
lost and the ``hello`` snapshot is the truth. Supervisor frames (``wallboard``) carry no seq: each
one is a whole snapshot.

Close codes: ``4401`` not logged in / session ended (log in again, do not retry), ``4403`` forbidden
(wrong Origin, or a view the role may not open), ``4429`` the browser read too slowly and its
outbound queue overflowed (reconnect with resume), ``4430`` the socket kept sending commands over its
rate limit (``console.limits``; reconnect later, with the longest backoff), ``1001`` server going away
(reconnect). Error ids of the fair share: ``rate-limited`` (a command over the socket's or the user's
rate), ``busy`` (too much store work waiting for this user or for the server).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from callcenter.errors import CallCenterError, ValidationFailed

# Commands by family; every one of them is checked by name in ``decode``.
DESK_COMMANDS = frozenset({"available", "pause", "pause_after_call", "logout", "queues", "disposition", "wrapups",
                           "ack", "ping"})
# The desk's transfer directory and the customer chosen for a call (issue 10): console/desk/.
DESK_CLARITY_COMMANDS = frozenset({"directory", "call_customer", "customer_create"})
# Call control from the agent desk (issue 4): see decode_transfer / decode_dial.
CALL_CONTROL_COMMANDS = frozenset({"hold", "resume", "hangup", "transfer", "transfer_complete", "transfer_cancel",
                                   "dial"})
# The agent's tasks and complaint work: console/task_protocol.py.
TASK_COMMANDS = frozenset({"tasks", "follow_up_done", "follow_up_cancel", "complaint_advance"})
# Supervisor view only: the "closed now" switch; agent_force / spy (supervision); complaints /
# complaint_reassign (the complaints board); decoders in console/supervision_protocol.py.
SUPERVISOR_COMMANDS = frozenset({"queue_switch", "agent_force", "spy", "complaints", "complaint_reassign"})
COMMANDS = DESK_COMMANDS | DESK_CLARITY_COMMANDS | CALL_CONTROL_COMMANDS | TASK_COMMANDS | SUPERVISOR_COMMANDS
MAX_QUEUE_CHOICES = 32
MAX_MESSAGE_BYTES = 64 * 1024

CLOSE_GOING_AWAY = 1001
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 4429
CLOSE_FLOODING = 4430     # too many commands refused in a row (console.limits): reconnect later

SEVERITIES = ("low", "medium", "high", "critical")
MAX_NOTES = 4000
MAX_CATEGORY = 64       # crm_bridge.interactions.CATEGORY_MAX
MAX_DESCRIPTION = 4000
MAX_CALL_ID = 64        # the store's call_id column
MAX_QUEUE = 64          # crm_bridge.models.QueueSwitch.queue
MAX_SWITCH_REASON = 200  # crm_bridge.models.QueueSwitch.reason
FOLLOW_UP_ASSIGN = ("me", "pool")
MAX_FOLLOW_UP_NOTE = 4000      # crm_bridge.followups.NOTE_MAX
MAX_FOLLOW_UP_DAYS = 366       # crm_bridge.followups.MAX_DAYS_AHEAD


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
    follow_up: FollowUpData | None = None


@dataclass(frozen=True, slots=True)
class FollowUpData:
    due_at: datetime          # aware
    assign: str               # me | pool
    pool: str                 # a queue when assign == "pool", else ""
    note: str


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


def decode_pause_after_call(data: dict[str, Any], reasons: tuple[str, ...]) -> str:
    """``pause_after_call``: the pause code to arm, or ``""`` when ``reason`` is null (cancel)."""
    if data.get("reason") is None:
        return ""
    return decode_pause(data, reasons)


def decode_queues(data: dict[str, Any]) -> tuple[str, ...]:
    """Per-queue login: the queues the agent wants to work (the engine keeps only their own)."""
    queues = data.get("queues")
    if not isinstance(queues, list) or not queues or len(queues) > MAX_QUEUE_CHOICES \
            or not all(isinstance(q, str) and 0 < len(q) <= 64 for q in queues):
        raise ValidationFailed("queues must be a non-empty list of queue names", {"queues": "invalid"})
    return tuple(dict.fromkeys(queues))


def decode_ack(data: dict[str, Any]) -> int:
    seq = data.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationFailed("ack needs seq, a whole number >= 0", {"seq": "invalid"})
    return seq


def decode_disposition(data: dict[str, Any], outcomes: tuple[str, ...], *, queues: Any = None,
                       now: datetime | None = None) -> DispositionData:
    """Check a ``disposition`` command's data; every message names the field and what was expected.
    *queues* (the configured ones) and *now* check the optional follow-up when given."""
    call_id = text_field(data, "call_id", MAX_CALL_ID, required=True)
    interaction_id = text_field(data, "interaction_id", MAX_CALL_ID)
    outcome = data.get("outcome")
    if not isinstance(outcome, str) or outcome not in outcomes:
        raise ValidationFailed(f"outcome must be one of {list(outcomes)}", {"outcome": "invalid"})
    notes = text_field(data, "notes", MAX_NOTES)
    follow_up = decode_follow_up(data.get("follow_up"), queues=queues, now=now)
    complaint = data.get("complaint")
    if complaint is None:
        return DispositionData(call_id, interaction_id, outcome, notes, None, follow_up)
    if not isinstance(complaint, dict):
        raise ValidationFailed("complaint must be an object or null", {"complaint": "invalid"})
    category = text_field(complaint, "category", MAX_CATEGORY, required=True, prefix="complaint.")
    severity = complaint.get("severity")
    if not isinstance(severity, str) or severity not in SEVERITIES:
        raise ValidationFailed(f"complaint.severity must be one of {list(SEVERITIES)}", {"complaint.severity": "invalid"})
    description = text_field(complaint, "description", MAX_DESCRIPTION, required=True, prefix="complaint.")
    return DispositionData(call_id, interaction_id, outcome, notes, ComplaintData(category, severity, description),
                           follow_up)


def decode_queue_switch(data: dict[str, Any]) -> QueueSwitchData:
    """Check a ``queue_switch`` command's data (whether the queue exists is the switches' call)."""
    queue = text_field(data, "queue", MAX_QUEUE, required=True)
    closed = data.get("closed")
    if not isinstance(closed, bool):
        raise ValidationFailed("closed must be true (close the queue now) or false (reopen it)", {"closed": "invalid"})
    reason = text_field(data, "reason", MAX_SWITCH_REASON)
    return QueueSwitchData(queue, closed, reason)


def decode_follow_up(value: Any, *, queues: Any = None, now: datetime | None = None) -> FollowUpData | None:
    """The wrap-up's optional ``follow_up``; fields are named ``follow_up.<key>``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationFailed("follow_up must be an object or null", {"follow_up": "invalid"})
    raw = value.get("due_at")
    try:
        due_at = datetime.fromisoformat(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:
        due_at = None
    if due_at is None or due_at.tzinfo is None:
        raise ValidationFailed("follow_up.due_at must be a date and time with its offset "
                               "(e.g. 2025-05-01T09:30:00+08:00)", {"follow_up.due_at": "invalid"})
    if now is not None and due_at <= now:
        raise ValidationFailed("follow_up.due_at must be in the future", {"follow_up.due_at": "past"})
    if now is not None and due_at > now + timedelta(days=MAX_FOLLOW_UP_DAYS):
        raise ValidationFailed(f"follow_up.due_at must be within {MAX_FOLLOW_UP_DAYS} days",
                               {"follow_up.due_at": "too-far"})
    assign = value.get("assign", "me")
    if not isinstance(assign, str) or assign not in FOLLOW_UP_ASSIGN:
        raise ValidationFailed(f"follow_up.assign must be one of {list(FOLLOW_UP_ASSIGN)}",
                               {"follow_up.assign": "invalid"})
    pool = ""
    if assign == "pool":
        pool = text_field(value, "pool", MAX_QUEUE, required=True, prefix="follow_up.")
        if queues is not None and pool not in queues:
            raise ValidationFailed(f"follow_up.pool must be one of {sorted(queues)}", {"follow_up.pool": "invalid"})
    note = text_field(value, "note", MAX_FOLLOW_UP_NOTE, prefix="follow_up.")
    return FollowUpData(due_at, assign, pool, note)


def choice_field(data: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    """*key* must be one of *allowed* (or absent when there is a *default*)."""
    value = data.get(key, default)
    if not isinstance(value, str) or value not in allowed:
        raise ValidationFailed(f"{key} must be one of {list(allowed)}", {key: "invalid"})
    return value


def id_field(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValidationFailed(f"{key} must be a positive whole number", {key: "invalid"})
    return value


# --------------------------------------------------------------------------- call control (issue 4)
TRANSFER_KINDS = ("blind", "attended")
TRANSFER_TO = ("agent", "queue", "number")
MAX_TARGET = 64


@dataclass(frozen=True, slots=True)
class TransferData:
    kind: str
    to: str
    target: str          # an agent login, a queue name, or an E.164 number


def decode_transfer(data: dict[str, Any], normalize_number: Any) -> TransferData:
    """``transfer`` ``{"kind": "blind"|"attended", "to": "agent"|"queue"|"number", "target"}``; a number
    target is checked and returned in E.164 (``normalize_number(text) -> str | None``)."""
    kind = choice_field(data, "kind", TRANSFER_KINDS, "blind")
    to = choice_field(data, "to", TRANSFER_TO)
    target = text_field(data, "target", MAX_TARGET, required=True)
    if to == "number":
        return TransferData(kind, to, _number(target, "target", normalize_number))
    if not all(ch.isalnum() or ch in "-_" for ch in target):
        raise ValidationFailed("target may only hold letters, digits, - and _", {"target": "invalid"})
    return TransferData(kind, to, target)


def decode_dial(data: dict[str, Any], normalize_number: Any) -> str:
    """``dial`` ``{"number"}``: the customer's number, returned in E.164."""
    return _number(text_field(data, "number", MAX_TARGET, required=True), "number", normalize_number)


def _number(text: str, name: str, normalize_number: Any = None) -> str:
    if normalize_number is None:
        from crm_bridge.phones import normalize as normalize_number
    e164 = normalize_number(text)
    if not e164:
        raise ValidationFailed(f"{name} is not a phone number (e.g. +8613900000001 or 13900000001)", {name: "invalid"})
    return e164


def text_field(data: dict[str, Any], key: str, limit: int, *, required: bool = False, prefix: str = "") -> str:
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

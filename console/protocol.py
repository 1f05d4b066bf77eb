"""The console's JSON envelope, encode/decode only (``static/js/protocol.js`` mirrors it).

Server -> browser::

    {"type": "<kind>", "seq": <int>, "data": {...}}          # seq: per-connection, from 1
    {"type": "reply", "re": <client id>, "ok": true, "data": {...}}
    {"type": "reply", "re": <client id>, "ok": false, "error": {"id": "...", "message": "..."}}

Browser -> server::

    {"type": "<command>", "id": <str|int>, "data": {...}}

Server kinds: ``hello`` (who you are + current state, sent on connect), ``agent`` (the agent's own
state), ``pop`` (screen pop while the phone rings), ``pop_withdrawn``, ``call`` (the call connected or
ended: ``{"call_id", "state": "connected"|"ended", ...}``), ``wallboard`` (supervisor snapshot),
``error``.

Commands: ``available``, ``pause`` ``{"reason"}``, ``logout``, ``disposition`` ``{"call_id",
"interaction_id", "outcome", "notes", "complaint": {"category", "severity", "description"} | null}``,
``ack`` ``{"seq"}``, ``ping``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from callcenter.errors import CallCenterError, ValidationFailed

COMMANDS = frozenset({"available", "pause", "logout", "disposition", "ack", "ping"})
MAX_MESSAGE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Command:
    type: str
    id: str | int | None
    data: dict[str, Any]


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
    """Parse one browser message; raises :class:`ValidationFailed` with a clear reason."""
    if len(text) > MAX_MESSAGE_BYTES:
        raise ValidationFailed(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ValidationFailed("message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ValidationFailed("message must be a JSON object")
    kind = message.get("type")
    if kind not in COMMANDS:
        raise ValidationFailed(f"unknown message type {kind!r}", {"type": "unknown"})
    msg_id = message.get("id")
    if msg_id is not None and not isinstance(msg_id, (str, int)):
        raise ValidationFailed("id must be a string or a number", {"id": "invalid"})
    data = message.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed("data must be a JSON object", {"data": "invalid"})
    return Command(kind, msg_id, data)


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")

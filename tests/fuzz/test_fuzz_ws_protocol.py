"""Fuzzing the websocket protocol decoder (issue 11): ``console.protocol.decode`` on random text and
bytes and on well-formed envelopes of every command, and every ``decode_*`` of the command modules on
random JSON objects built from the fields they read. A decoder returns a value or raises a
``CallCenterError`` whose error id the reply carries; anything else would be an ``internal-error`` reply.
"""
from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from callcenter.errors import CallCenterError
from console import protocol, supervision_protocol, task_protocol
from console.desk import call_customer, directory
from crm_bridge.phones import normalize as phone_normalize

FIELDS = ("action", "agent_id", "call_id", "closed", "complaint", "complaint_id", "customer_id",
          "customer_type", "due_at", "follow_up", "follow_up_id", "interaction_id", "kind", "mode", "name", "note",
          "notes", "number", "order", "outcome", "pool", "q", "queue", "queues", "reason", "result", "satisfaction",
          "seq", "severity", "status", "target", "to", "category", "language", "phones", "email")
WORDS = ("", "vip", "standard", "resolved", "lunch", "listen", "whisper", "barge", "open", "in_progress",
         "closed", "high", "low", "agent", "pool", "zh", "en", "13800000001", "+8613800000001", "1e999", "-1",
         "0", "NaN", "\u202e", "\x00", "张伟", "a" * 300)

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from(WORDS) | st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5),
                           max_leaves=20)
objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values, max_size=8)
NOW = datetime(2024, 5, 3, 8, 0, tzinfo=UTC)
REASONS = ("lunch", "training")
QUEUES = ("vip", "enterprise", "standard")

# Every decode_* of the command modules, called the way the console calls it.
DECODERS: dict[str, Any] = {
    "protocol.decode_pause": lambda d: protocol.decode_pause(d, REASONS),
    "protocol.decode_pause_after_call": lambda d: protocol.decode_pause_after_call(d, REASONS),
    "protocol.decode_queues": protocol.decode_queues,
    "protocol.decode_ack": protocol.decode_ack,
    "protocol.decode_disposition": lambda d: protocol.decode_disposition(d, ("resolved", "callback"),
                                                                         queues=QUEUES, now=NOW),
    "protocol.decode_queue_switch": protocol.decode_queue_switch,
    "protocol.decode_follow_up": lambda d: protocol.decode_follow_up(d.get("follow_up", d), queues=QUEUES, now=NOW),
    "protocol.decode_transfer": lambda d: protocol.decode_transfer(d, phone_normalize),
    "protocol.decode_dial": lambda d: protocol.decode_dial(d, phone_normalize),
    "task_protocol.decode_follow_up_done": task_protocol.decode_follow_up_done,
    "task_protocol.decode_follow_up_cancel": task_protocol.decode_follow_up_cancel,
    "task_protocol.decode_complaint_advance": task_protocol.decode_complaint_advance,
    "supervision_protocol.decode_agent_force": lambda d: supervision_protocol.decode_agent_force(d, REASONS),
    "supervision_protocol.decode_spy": supervision_protocol.decode_spy,
    "supervision_protocol.decode_complaints": supervision_protocol.decode_complaints,
    "supervision_protocol.decode_complaint_reassign": supervision_protocol.decode_complaint_reassign,
    "call_customer.decode_call_customer": call_customer.decode_call_customer,
    "call_customer.decode_customer_create": call_customer.decode_customer_create,
    "directory.decode_directory": directory.decode_directory,
}
MODULES: tuple[ModuleType, ...] = (protocol, task_protocol, supervision_protocol, call_customer, directory)


def test_every_decoder_is_fuzzed() -> None:
    found = {f"{module.__name__.rpartition('.')[2]}.{name}" for module in MODULES
             for name, fn in inspect.getmembers(module, inspect.isfunction)
             if name.startswith("decode_") and fn.__module__ == module.__name__}
    assert found == set(DECODERS), "a decode_* without a fuzz property: add it to DECODERS"


def check(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except CallCenterError as exc:
        assert exc.error_id and isinstance(exc.error_id, str)
        orjson.dumps(exc.as_dict(), default=str)        # the reply can always be encoded


@given(st.text(max_size=300) | st.binary(max_size=300))
@example('{"type": "pause", "id": 1e999, "data": {}}')
@example(b'{"type": "ping", "id": "\xff", "data": {}}')
@example('{"type": "ack", "id": [], "data": {"seq": 1e999}}')
def test_decode_random_text_and_bytes(raw: str | bytes) -> None:
    check(protocol.decode, raw)


@given(st.sampled_from(sorted(protocol.COMMANDS)) | st.text(max_size=12),
       st.none() | st.integers() | st.text(max_size=70) | st.floats() | st.lists(st.integers(), max_size=2),
       json_values)
def test_decode_envelopes_of_every_command(kind: str, msg_id: Any, data: Any) -> None:
    # The stdlib writes what orjson will not: huge integers, NaN, Infinity (a browser's JSON cannot
    # hold the last two, a hand-made client can).
    check(protocol.decode, json.dumps({"type": kind, "id": msg_id, "data": data}, ensure_ascii=False))


@given(data=objects)
@example(data={"seq": 1e999, "agent_id": 1e999, "customer_id": "9" * 400, "due_at": "9999-99-99T99:99"})
@example(data={"follow_up": {"due_at": "2024-05-03T08:00:00+99:00", "queue": "vip", "pool": True}})
def test_every_decoder_raises_only_errors_with_ids(data: dict[str, Any]) -> None:
    # One generated object goes through every decoder: generating is the costly part.
    for decoder in DECODERS.values():
        check(decoder, data)

"""AMI events -> domain events, pure and table-driven.

This is the only module that speaks AMI header names (``Uniqueid``, ``MemberName``...). Input is a
header dict with lower-cased keys (``parser.parse_headers``); output is a tuple of domain events from
``callcenter.domain`` (empty for events we do not use). Facts from the recordings of a real
Asterisk 22 that shape it:

* the call id is the caller channel's ``Uniqueid`` (the ``;2`` half of a Local channel);
* ``Priority`` in caller events is the *dialplan* priority, not the queue priority: ignored here;
* ``RingTime`` is milliseconds in ``AgentRingNoAnswer`` but seconds in ``AgentConnect``;
* ``QueueMember`` (QueueStatus list) says ``Name``/``Location`` where other events say
  ``MemberName``/``Interface``.

A malformed value (``Position: abc``) degrades to a default instead of raising: one bad frame must
never stop the ingest.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from callcenter import domain

Headers = Mapping[str, str]


def _int(value: str | None, default: int = 0) -> int:
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return default


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _caller_joined(h: Headers) -> tuple[Any, ...]:
    return (domain.CallerJoined(
        call_id=h.get("uniqueid", ""), queue=h.get("queue", ""), channel=h.get("channel", ""),
        caller_number=h.get("calleridnum", ""), caller_name=h.get("calleridname", ""),
        position=_int(h.get("position")), count=_int(h.get("count")), linked_id=h.get("linkedid", ""),
    ),)


def _caller_left(h: Headers) -> tuple[Any, ...]:
    return (domain.CallerLeft(call_id=h.get("uniqueid", ""), queue=h.get("queue", ""),
                              count=_int(h.get("count"))),)


def _caller_abandoned(h: Headers) -> tuple[Any, ...]:
    return (domain.CallerAbandoned(call_id=h.get("uniqueid", ""), queue=h.get("queue", ""),
                                   position=_int(h.get("position")), hold_seconds=_int(h.get("holdtime"))),)


def _agent_called(h: Headers) -> tuple[Any, ...]:
    return (domain.AgentRinging(call_id=h.get("uniqueid", ""), queue=h.get("queue", ""),
                                interface=h.get("interface", ""), member_name=h.get("membername", ""),
                                agent_channel=h.get("destchannel", "")),)


def _agent_no_answer(h: Headers) -> tuple[Any, ...]:
    return (domain.AgentNoAnswer(call_id=h.get("uniqueid", ""), queue=h.get("queue", ""),
                                 interface=h.get("interface", ""), member_name=h.get("membername", ""),
                                 ring_ms=_int(h.get("ringtime"))),)


def _agent_connect(h: Headers) -> tuple[Any, ...]:
    return (domain.AgentAnswered(call_id=h.get("uniqueid", ""), queue=h.get("queue", ""),
                                 interface=h.get("interface", ""), member_name=h.get("membername", ""),
                                 hold_seconds=_int(h.get("holdtime")), ring_seconds=_int(h.get("ringtime")),
                                 agent_channel=h.get("destchannel", "")),)


def _agent_complete(h: Headers) -> tuple[Any, ...]:
    return (domain.CallCompleted(call_id=h.get("uniqueid", ""), queue=h.get("queue", ""),
                                 interface=h.get("interface", ""), member_name=h.get("membername", ""),
                                 hold_seconds=_int(h.get("holdtime")), talk_seconds=_int(h.get("talktime")),
                                 reason=h.get("reason", "")),)


def _member_added(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberAdded(queue=h.get("queue", ""), interface=h.get("interface", ""),
                               member_name=h.get("membername", ""), paused=_bool(h.get("paused")),
                               reason=h.get("pausedreason", "")),)


def _member_removed(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberRemoved(queue=h.get("queue", ""), interface=h.get("interface", ""),
                                 member_name=h.get("membername", "")),)


def _member_pause(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberPaused(queue=h.get("queue", ""), interface=h.get("interface", ""),
                                member_name=h.get("membername", ""), paused=_bool(h.get("paused")),
                                reason=h.get("pausedreason", h.get("reason", ""))),)


def _member_status(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberStatus(queue=h.get("queue", ""), interface=h.get("interface", ""),
                                member_name=h.get("membername", ""), status=_int(h.get("status")),
                                paused=_bool(h.get("paused")), in_call=_bool(h.get("incall"))),)


def _hangup(h: Headers) -> tuple[Any, ...]:
    return (domain.ChannelHungUp(call_id=h.get("uniqueid", ""), channel=h.get("channel", ""),
                                 cause=_int(h.get("cause"))),)


def _shutdown(h: Headers) -> tuple[Any, ...]:
    return (domain.AsteriskShutdown(restart=_bool(h.get("restart"))),)


# Event name (as Asterisk spells it) -> translation. Everything else is dropped by the parser.
TRANSLATIONS: dict[str, Callable[[Headers], tuple[Any, ...]]] = {
    "QueueCallerJoin": _caller_joined,
    "QueueCallerLeave": _caller_left,
    "QueueCallerAbandon": _caller_abandoned,
    "AgentCalled": _agent_called,
    "AgentRingNoAnswer": _agent_no_answer,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
    "QueueMemberAdded": _member_added,
    "QueueMemberRemoved": _member_removed,
    "QueueMemberPause": _member_pause,
    "QueueMemberPaused": _member_pause,      # the pre-Asterisk-12 spelling, still seen in the wild
    "QueueMemberStatus": _member_status,
    "Hangup": _hangup,
    "Shutdown": _shutdown,
}
WANTED_EVENTS = frozenset(TRANSLATIONS)


def translate(headers: Headers) -> tuple[Any, ...]:
    """Domain events for one AMI event (lower-cased header keys); ``()`` when we do not use it."""
    translation = TRANSLATIONS.get(headers.get("event", ""))
    return translation(headers) if translation else ()


def queue_snapshot(list_events: list[Mapping[str, Any]]) -> domain.QueueSnapshot:
    """Fold the events of a QueueStatus reply (QueueParams/QueueMember/QueueEntry) into a snapshot.

    Accepts any mapping with case-insensitive-ish keys (panoramisk ``Message`` objects or our dicts).
    """
    members: list[domain.MemberAdded] = []
    waiting: list[domain.CallerJoined] = []
    for raw in list_events:
        h = {str(k).lower(): (v if isinstance(v, str) else str(v)) for k, v in raw.items()}
        name = h.get("event", "")
        if name == "QueueMember":
            members.append(domain.MemberAdded(
                queue=h.get("queue", ""), interface=h.get("location", h.get("interface", "")),
                member_name=h.get("name", h.get("membername", "")), paused=_bool(h.get("paused")),
                reason=h.get("pausedreason", ""),
            ))
        elif name == "QueueEntry":
            waiting.append(domain.CallerJoined(
                call_id=h.get("uniqueid", ""), queue=h.get("queue", ""), channel=h.get("channel", ""),
                caller_number=h.get("calleridnum", ""), caller_name=h.get("calleridname", ""),
                position=_int(h.get("position")), count=0,
            ))
    return domain.QueueSnapshot(members=tuple(members), waiting=tuple(waiting))

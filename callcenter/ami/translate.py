"""AMI events -> domain events, pure and table-driven.

This is the only module that speaks AMI header names (``Uniqueid``, ``MemberName``...). Input is a
header dict (``parser.parse_headers``; names matched case-insensitively); output is a tuple of domain events from
``callcenter.domain`` (empty for events we do not use). Facts from the recordings of a real
Asterisk 22 that shape it:

* the call id is the caller channel's ``Uniqueid`` (the ``;2`` half of a Local channel);
* ``Priority`` in caller events is the *dialplan* priority, not the queue priority: ignored here;
* ``RingTime`` is milliseconds in ``AgentRingNoAnswer`` but seconds in ``AgentConnect``;
* ``QueueMember`` (QueueStatus list) says ``Name``/``Location`` where other events say
  ``MemberName``/``Interface``.

A malformed value (``Position: abc``, ``HoldTime: 1e999``) degrades to a default instead of raising: one
bad header must never drop its event, and one bad frame must never stop the ingest.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from callcenter import domain
from callcenter.ami.actions import TRANSFER_CONTEXT

Headers = Mapping[str, str]


_INT_MAX = 2**31 - 1     # counts, seconds, milliseconds, causes: Asterisk's own ints are 32-bit


def _int(value: str | None, default: int = 0) -> int:
    """A count or a duration; anything that is not one (``abc``, ``-1``, ``nan``, ``1e999``, 5,000
    digits) is treated as missing, so the event is kept with *default* instead of being dropped."""
    if not value or not value.isascii():
        return default
    if len(value) <= 10 and value.isdigit():
        number = int(value)
        return number if number <= _INT_MAX else default
    try:
        number_f = float(value)       # "1.5" from some versions; float() never raises on size
    except ValueError:
        return default
    if not 0 <= number_f <= _INT_MAX:  # also false for nan
        return default
    return int(number_f)


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _h(h: Headers, name: str, default: str = "") -> str:
    """Header *name* as Asterisk 22 spells it, else matched case-insensitively."""
    value = h.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, value in h.items():
        if key.lower() == lower:
            return value
    return default


def _caller_joined(h: Headers) -> tuple[Any, ...]:
    return (domain.CallerJoined(
        call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""), channel=_h(h, "Channel", ""),
        caller_number=_h(h, "CallerIDNum", ""), caller_name=_h(h, "CallerIDName", ""),
        position=_int(_h(h, "Position")), count=_int(_h(h, "Count")), linked_id=_h(h, "Linkedid", ""),
    ),)


def _caller_left(h: Headers) -> tuple[Any, ...]:
    return (domain.CallerLeft(call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""),
                              count=_int(_h(h, "Count"))),)


def _caller_abandoned(h: Headers) -> tuple[Any, ...]:
    return (domain.CallerAbandoned(call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""),
                                   position=_int(_h(h, "Position")), hold_seconds=_int(_h(h, "HoldTime"))),)


def _agent_called(h: Headers) -> tuple[Any, ...]:
    return (domain.AgentRinging(call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""),
                                interface=_h(h, "Interface", ""), member_name=_h(h, "MemberName", ""),
                                agent_channel=_h(h, "DestChannel", "")),)


def _agent_no_answer(h: Headers) -> tuple[Any, ...]:
    return (domain.AgentNoAnswer(call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""),
                                 interface=_h(h, "Interface", ""), member_name=_h(h, "MemberName", ""),
                                 ring_ms=_int(_h(h, "RingTime"))),)


def _agent_connect(h: Headers) -> tuple[Any, ...]:
    return (domain.AgentAnswered(call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""),
                                 interface=_h(h, "Interface", ""), member_name=_h(h, "MemberName", ""),
                                 hold_seconds=_int(_h(h, "HoldTime")), ring_seconds=_int(_h(h, "RingTime")),
                                 agent_channel=_h(h, "DestChannel", "")),)


def _agent_complete(h: Headers) -> tuple[Any, ...]:
    return (domain.CallCompleted(call_id=_h(h, "Uniqueid", ""), queue=_h(h, "Queue", ""),
                                 interface=_h(h, "Interface", ""), member_name=_h(h, "MemberName", ""),
                                 hold_seconds=_int(_h(h, "HoldTime")), talk_seconds=_int(_h(h, "TalkTime")),
                                 reason=_h(h, "Reason", "")),)


def _member_added(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberAdded(queue=_h(h, "Queue", ""), interface=_h(h, "Interface", ""),
                               member_name=_h(h, "MemberName", ""), paused=_bool(_h(h, "Paused")),
                               reason=_h(h, "PausedReason", "")),)


def _member_removed(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberRemoved(queue=_h(h, "Queue", ""), interface=_h(h, "Interface", ""),
                                 member_name=_h(h, "MemberName", "")),)


def _member_pause(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberPaused(queue=_h(h, "Queue", ""), interface=_h(h, "Interface", ""),
                                member_name=_h(h, "MemberName", ""), paused=_bool(_h(h, "Paused")),
                                reason=_h(h, "PausedReason") or _h(h, "Reason")),)


def _member_status(h: Headers) -> tuple[Any, ...]:
    return (domain.MemberStatus(queue=_h(h, "Queue", ""), interface=_h(h, "Interface", ""),
                                member_name=_h(h, "MemberName", ""), status=_int(_h(h, "Status")),
                                paused=_bool(_h(h, "Paused")), in_call=_bool(_h(h, "InCall"))),)


def _hangup(h: Headers) -> tuple[Any, ...]:
    return (domain.ChannelHungUp(call_id=_h(h, "Uniqueid", ""), channel=_h(h, "Channel", ""),
                                 cause=_int(_h(h, "Cause"))),)


def _hangup_request(h: Headers) -> tuple[Any, ...]:
    return (domain.HangupRequested(call_id=_h(h, "Uniqueid", ""), channel=_h(h, "Channel", ""),
                                   cause=_int(_h(h, "Cause"))),)


def _dial_begin(h: Headers) -> tuple[Any, ...]:
    call_id = _h(h, "Uniqueid", "")
    if not call_id:              # an Originate's first leg has no calling channel
        return ()
    return (domain.DialStarted(call_id=call_id, dest_id=_h(h, "DestUniqueid", ""),
                               dest_channel=_h(h, "DestChannel", ""), dial_string=_h(h, "DialString", ""),
                               channel=_h(h, "Channel", "")),)


def _dial_end(h: Headers) -> tuple[Any, ...]:
    call_id = _h(h, "Uniqueid", "")
    if not call_id:              # an Originate's first leg (ignored), or an Atxfer's consultation leg
        if _h(h, "DestContext", "") != TRANSFER_CONTEXT:
            return ()
        return (domain.LegDialEnded(dest_id=_h(h, "DestUniqueid", ""), dest_channel=_h(h, "DestChannel", ""),
                                    context=_h(h, "DestContext", ""), exten=_h(h, "DestExten", ""),
                                    status=_h(h, "DialStatus", "").upper()),)
    return (domain.DialFinished(call_id=call_id, dest_id=_h(h, "DestUniqueid", ""),
                                status=_h(h, "DialStatus", "").upper()),)


def _blind_transfer(h: Headers) -> tuple[Any, ...]:
    if _h(h, "Result", "").lower() != "success" or not _h(h, "TransfereeUniqueid"):
        return ()
    return (domain.CallTransferred(call_id=_h(h, "TransfereeUniqueid"), transferer_channel=_h(h, "TransfererChannel"),
                                   context=_h(h, "Context"), exten=_h(h, "Extension")),)


def _unhold(h: Headers) -> tuple[Any, ...]:
    return (domain.ChannelUnheld(channel_id=_h(h, "Uniqueid", ""), channel=_h(h, "Channel", "")),)


def _attended_transfer(h: Headers) -> tuple[Any, ...]:
    """``atxfer.ami.txt``: Transferee* is the caller, TransferTarget* the consultation leg it is now
    bridged with (``DestType: Bridge``)."""
    if _h(h, "Result", "").lower() != "success" or not _h(h, "TransfereeUniqueid"):
        return ()
    return (domain.CallAttendedTransferred(
        call_id=_h(h, "TransfereeUniqueid"), transferer_channel=_h(h, "OrigTransfererChannel"),
        target_channel=_h(h, "TransferTargetChannel"), target_id=_h(h, "TransferTargetUniqueid")),)


def _shutdown(h: Headers) -> tuple[Any, ...]:
    return (domain.AsteriskShutdown(restart=_bool(_h(h, "Restart"))),)


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
    "DialBegin": _dial_begin,
    "DialEnd": _dial_end,
    "Hangup": _hangup,
    "HangupRequest": _hangup_request,
    "Shutdown": _shutdown,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
    "Unhold": _unhold,
}
WANTED_EVENTS = frozenset(TRANSLATIONS)


def translate(headers: Headers) -> tuple[Any, ...]:
    """Domain events for one AMI event; ``()`` when we do not use it."""
    translation = TRANSLATIONS.get(_h(headers, "Event"))
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


def channels_snapshot(list_events: list[Mapping[str, Any]]) -> domain.ChannelsSnapshot:
    """The live channels in a CoreShowChannels reply (``CoreShowChannel`` list events)."""
    ids = set()
    for raw in list_events:
        h = {str(k): (v if isinstance(v, str) else str(v)) for k, v in raw.items()}
        if _h(h, "Event") == "CoreShowChannel":
            ids.add(_h(h, "Uniqueid"))
    return domain.ChannelsSnapshot(frozenset(ids))

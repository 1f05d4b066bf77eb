"""Calls the model knows only from a FastAGI session, until Asterisk (AMI) confirms them.

``Model`` (``state.py``) inherits these handlers. Theory of operation. ``IvrCompleted`` may be the
first the model hears of a call: a real call's ``Newchannel`` comes before its ``AGI()``, but the model
uses only the queue, dial and hang-up events, and on Asterisk 22 they follow the AGI session
(``queue_call.summary.txt``: ``AGISTATUS=SUCCESS``, then ``QueueCallerJoin`` a few dialplan priorities
later; a caller who hangs up in the menu gives ``Hangup``; a ladder's agent step ``DialBegin``). So
whoever can open a FastAGI session could make calls up, and before this they lived until the next AMI
reconnect. Such a call is *unconfirmed*: a timer of ``fastagi.unconfirmed_call_seconds`` starts, and
any AMI event naming the call (:data:`AMI_CALL_EVENTS`), or a ``QueueStatus``/``CoreShowChannels``
snapshot listing it, confirms it and cancels the timer. A call still unconfirmed when the timer fires
with the AMI link up is dropped: its row is finished as ``ivr_hangup`` (so it counts in no queue's
figures) and a ``Problem`` names it. While the link is down nothing can confirm a call: the timer
starts again, and the reconnect's ``CoreShowChannels`` settles the call (``members.py``).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.entities import Call

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]

# Domain events translated from AMI that name a call by its ``call_id`` (the caller channel's Uniqueid).
AMI_CALL_EVENTS: frozenset[type] = frozenset({
    d.CallerJoined, d.CallerLeft, d.CallerAbandoned, d.AgentRinging, d.AgentNoAnswer, d.AgentAnswered,
    d.CallCompleted, d.DialStarted, d.DialFinished, d.HangupRequested, d.ChannelHungUp, d.CallTransferred,
    d.CallAttendedTransferred,
})


def _timer_key(call_id: str) -> str:
    return f"unconfirmed:{call_id}"


class UnconfirmedCalls:
    settings: Settings
    calls: dict[str, Call]
    ami_up: bool
    unconfirmed: set[str]
    _call_step: Callable[..., bool]
    _illegal: Callable[..., fx.Problem]
    _record: Callable[[Call], fx.RecordInteraction]

    def _watch_unconfirmed(self, call_id: str) -> Effects:
        """A call first heard of from FastAGI: it must be confirmed by AMI in time."""
        self.unconfirmed.add(call_id)
        return [fx.StartTimer(_timer_key(call_id), self.settings.fastagi.unconfirmed_call_seconds,
                              d.UnconfirmedCallDue(call_id))]

    def _confirmed_by(self, event: Any) -> Effects:
        """Called after every event while some call is unconfirmed: the ones this event confirms."""
        kind = type(event)
        if kind in AMI_CALL_EVENTS:
            ids: set[str] = {event.call_id}
        elif kind is d.QueueSnapshot:
            ids = {waiting.call_id for waiting in event.waiting}
        elif kind is d.ChannelsSnapshot:
            ids = set(event.channel_ids)
        else:
            return []
        confirmed = self.unconfirmed & ids
        self.unconfirmed -= confirmed
        return [fx.CancelTimer(_timer_key(call_id)) for call_id in sorted(confirmed)]

    def _unconfirmed_due(self, e: d.UnconfirmedCallDue, now: datetime) -> Effects:
        if e.call_id not in self.unconfirmed:
            return []
        call = self.calls.get(e.call_id)
        if call is None:                    # ended another way (the reconnect's channel snapshot)
            self.unconfirmed.discard(e.call_id)
            return []
        if not self.ami_up:                 # nothing could have confirmed it: wait for the link
            return [fx.StartTimer(_timer_key(e.call_id), self.settings.fastagi.unconfirmed_call_seconds, e)]
        self.unconfirmed.discard(e.call_id)
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        call.ended_at = now
        del self.calls[call.call_id]
        return [self._record(call), fx.SupervisorsChanged(),
                fx.Problem("call reported by a FastAGI session but never by Asterisk: dropped",
                           {"call_id": call.call_id, "caller_number": call.caller_number[:32],
                            "seconds": self.settings.fastagi.unconfirmed_call_seconds})]

"""Leaving a queue without an agent: an overflow to the next step, or an abandon.

``Model`` (``state.py``) inherits these handlers. Theory of operation. On Asterisk 22 every ``Queue()``
that returns without an agent sends ``QueueCallerAbandon`` (``Position``, ``OriginalPosition``,
``HoldTime``) then ``QueueCallerLeave``: when the queue step's timeout ends the wait (app_queue.c
``record_abandoned`` on the ``QUEUE_TIMEOUT`` path, queue_log ``EXITWITHTIMEOUT``) exactly as when the
caller hangs up (``queue_abandon.ami.txt``). The headers are the same; only what follows differs:

* the caller channel's ``Hangup`` (it comes after ``QueueCallerLeave``) -> **abandoned**: the row is
  final, and a callback is filed when the caller waited at least ``callbacks.abandoned_after`` seconds
  counted over *all* the queue steps (and agent steps) since the call first joined: what the caller felt;
* the same call joining the next queue, or its next step dialling an agent -> **overflow**: the call
  goes on (the next queue's events are legal, the next agent gets the pop) and the routing trace says
  ``<queue>: no answer in N s → overflow``.

Until one of them comes the call is ``LEFT``: not final, no callback, nothing counted in the metrics.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.entities import Call
from callcenter.model.tables import CallState

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]


class ExitHandlers:
    settings: Settings
    calls: dict[str, Call]
    _call_step: Callable[..., bool]
    _illegal: Callable[..., fx.Problem]
    _record: Callable[[Call], fx.RecordInteraction]
    _withdraw: Callable[..., Effects]

    def _caller_abandoned(self, e: d.CallerAbandoned, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None:
            return [fx.Problem("abandon for an unknown call", {"call_id": e.call_id})]
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        call.exit_queue, call.exit_hold = e.queue or call.queue, e.hold_seconds
        # No phone rings for this call any more (app_queue ended its dials before this event).
        return self._withdraw(call) + [fx.SupervisorsChanged()]

    def _caller_left(self, e: d.CallerLeft, now: datetime) -> Effects:
        call = self.calls.get(e.call_id)
        if call is None:
            return []
        if not self._call_step(call, e):
            return [self._illegal(call, e)]
        effects: Effects = [fx.SupervisorsChanged()]
        if call.state is CallState.LEFT:
            effects.append(self._record(call))
        return effects

    def _overflowed(self, call: Call) -> None:
        """The call left a queue unanswered and goes on to its next step: say so in the trace."""
        if not call.exit_queue:
            return
        queue, held = call.exit_queue, call.exit_hold
        call.route_log.append((f"{queue}: no answer in {held} s → overflow", f"{queue}：{held} 秒无人接听 → 溢出"))
        call.exit_queue, call.exit_hold = "", 0

    def _waited(self, call: Call, now: datetime) -> int:
        """Seconds the caller waited over all the ladder's steps: since the call first joined a queue or
        rang an agent (``joined_at``; after a transfer, since the transfer), at least the last HoldTime."""
        clock = int((now - call.joined_at).total_seconds()) if call.joined_at is not None else 0
        return max(clock, call.exit_hold)

    def _abandoned(self, call: Call, now: datetime) -> Effects:
        """The caller's channel hung up before any agent answered: final, and maybe a callback."""
        call.ended_at = call.ended_at or now
        call.hold_seconds = waited = self._waited(call, now)
        call.exit_queue, call.exit_hold = "", 0
        cfg = self.settings.callbacks
        if not (cfg.enabled and cfg.abandoned_after and waited >= cfg.abandoned_after and call.caller_number
                and call.queue and call.callback_id is None):
            return []
        card = call.card or {}
        return [fx.SaveCallback({
            "number": call.caller_number, "queue": call.queue, "source": "abandoned",
            "credit_from": call.joined_at or now, "customer_id": card.get("customer_id"),
            "priority": call.base_priority if call.base_priority is not None else call.priority,
            "call_id": call.call_id}, call.card)]

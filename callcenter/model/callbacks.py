"""Callbacks: callers who asked to be called back keep their place, and are called when an agent is free.

``Model`` (``state.py``) inherits these handlers. Theory of operation:

* a request (IVR menu, out of hours, an abandoned wait) is saved by the engine first; the model learns
  it from ``CallbackRequested`` (or ``CallbacksLoaded`` at start-up) and keeps one entry per request;
* after every event the model looks for due callbacks, oldest ``credit_from`` first. A callback is
  placed only when its queue has a free agent *beyond* the callers already waiting there who came
  before it (they keep their place, app_queue serves them). The chosen agent is held out of the queues
  (paused with reason ``callback``) and the Originate rings **the agent's phone first**, then dials the
  customer: the agent cannot be taken by app_queue in between, so a callback is served ahead of every
  caller who came later, and there are never more callbacks in flight than free agents;
* the attempt is a call like the others (pop with the card and the trace, ``on_call``, wrap-up, an
  interaction row); its ``call_id`` is the ``ChannelId`` given to the Originate (``cb-<id>-<try>``);
* the customer not answering (or the agent's phone not answering, the Originate refused, no answer in
  ``ring_seconds`` x 2) frees the agent and retries later, at most ``max_attempts`` times.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import actions
from callcenter.model.entities import Agent, Call, CallbackEntry
from callcenter.model.members import pause_in_own_queues
from callcenter.model.tables import Activity, AgentState, CallState

if TYPE_CHECKING:
    from callcenter.settings import Settings

Effects = list[Any]
HOLD_REASON = "callback"
_WAITING = (CallState.QUEUED, CallState.RINGING)


def callback_call_id(callback_id: int, attempt: int) -> str:
    return f"cb-{callback_id}-{attempt}"


class CallbackHandlers:
    settings: Settings
    calls: dict[str, Call]
    agents: dict[int, Agent]
    callbacks: dict[int, CallbackEntry]
    legs: dict[str, str]
    ami_up: bool
    _touched: set[int]
    _new_call: Callable[..., Call]
    _reconcile: Callable[[Agent], Effects]
    _withdraw: Callable[..., Effects]

    # ------------------------------------------------------------------ requests
    def _callback_requested(self, e: d.CallbackRequested, now: datetime) -> Effects:
        entry = self._entry(e.row, e.card)
        if entry is None:
            return [fx.Problem("callback row without an id or a number", {"row": repr(e.row)})]
        known = self.callbacks.get(entry.id)
        if known is not None:                 # the same caller asked again: keep the earlier place
            known.credit_from = min(known.credit_from, entry.credit_from)
            known.card = known.card or entry.card
            return [fx.SupervisorsChanged()]
        self.callbacks[entry.id] = entry
        return [*self._due_timer(entry, now), fx.SupervisorsChanged()]

    def _callbacks_loaded(self, e: d.CallbacksLoaded, now: datetime) -> Effects:
        effects: Effects = []
        for row in e.rows:
            entry = self._entry(row, None)
            if entry is None or entry.id in self.callbacks:
                continue
            if entry.status != "pending":     # an attempt in flight when the server stopped: try again
                entry.status = "pending"
                effects.append(fx.UpdateCallback(entry.id, {"status": "pending", "last_result": "server restart"}))
            self.callbacks[entry.id] = entry
            effects += self._due_timer(entry, now)
        return effects

    def _callback_due(self, e: d.CallbackDue, now: datetime) -> Effects:
        return []                              # the dispatch after every event does the work

    @staticmethod
    def _entry(row: dict[str, Any], card: dict[str, Any] | None) -> CallbackEntry | None:
        if not row.get("id") or not row.get("number"):
            return None
        return CallbackEntry(id=int(row["id"]), number=str(row["number"]), queue=str(row.get("queue") or ""),
                             credit_from=row.get("credit_from") or datetime.now().astimezone(),
                             source=str(row.get("source") or "ivr"), priority=int(row.get("priority") or 0),
                             customer_id=row.get("customer_id"), not_before=row.get("not_before"),
                             attempts=int(row.get("attempts") or 0), status=str(row.get("status") or "pending"),
                             card=card)

    def _due_timer(self, entry: CallbackEntry, now: datetime) -> Effects:
        later = max((t for t in (entry.not_before, entry.retry_at) if t is not None), default=None)
        if later is None or later <= now:
            return []
        return [fx.StartTimer(f"callback-due:{entry.id}", (later - now).total_seconds(), d.CallbackDue(entry.id))]

    # ------------------------------------------------------------------ placing them
    def _dispatch_callbacks(self, now: datetime) -> Effects:
        if not self.callbacks or not self.ami_up or not self.settings.callbacks.enabled:
            return []
        effects: Effects = []
        for entry in sorted(self.callbacks.values(), key=lambda c: (c.credit_from, c.id)):
            if not entry.due(now):
                continue
            agent = self._free_agent_for(entry)
            if agent is not None:
                effects += self._place(entry, agent, now)
        return effects

    def _offer_callback(self, agent: Agent, now: datetime) -> Effects:
        """*agent* is about to rejoin their queues (went available, wrap-up over): if a due callback
        would get them, give it to them first, still held out of the queues, so app_queue cannot hand
        them a caller who came later in the moment between the unpause and the Originate."""
        if not self.callbacks or not self.ami_up or not self.settings.callbacks.enabled or agent.hold \
                or agent.activity is not Activity.IDLE or agent.wants != "available":
            return []
        for entry in sorted(self.callbacks.values(), key=lambda c: (c.credit_from, c.id)):
            if entry.due(now) and entry.queue in agent.info.queues:
                others = self._free_agents(entry.queue, exclude=agent)
                if len(others) + 1 > self._ahead(entry):
                    return self._place(entry, agent, now)
        return []

    def _ahead(self, entry: CallbackEntry) -> int:
        """Callers waiting in the callback's queue who came before it: they keep their place."""
        return sum(1 for c in self.calls.values() if c.queue == entry.queue and c.state in _WAITING
                   and c.joined_at is not None and c.joined_at <= entry.credit_from)

    def _free_agents(self, queue: str, exclude: Agent | None = None) -> list[Agent]:
        return [a for a in self.agents.values()
                if a is not exclude and a.state is AgentState.AVAILABLE and not a.hold and queue in a.memberships
                and not a.memberships[queue].paused]

    def _free_agent_for(self, entry: CallbackEntry) -> Agent | None:
        """The longest-idle available agent of the callback's queue, if one is left over once the
        callers who came before the callback have theirs."""
        free = self._free_agents(entry.queue)
        if len(free) <= self._ahead(entry):
            return None
        return min(free, key=lambda a: (a.since, a.info.login))

    def _place(self, entry: CallbackEntry, agent: Agent, now: datetime) -> Effects:
        cfg = self.settings.callbacks
        entry.attempts += 1
        entry.status, entry.agent_id = "dialing", agent.info.agent_id
        entry.call_id = callback_call_id(entry.id, entry.attempts)
        call = self._new_call(entry.call_id, now, CallState.DIALING)
        call.callback_id, call.ivr_seen = entry.id, True
        call.caller_number, call.card, call.queue = entry.number, entry.card, entry.queue
        call.priority, call.joined_at, call.menu_choice = entry.priority, entry.credit_from, "callback"
        call.dial_agent = agent.info.agent_id
        call.ringing.add(agent.info.agent_id)
        waited = max(int((now - entry.credit_from).total_seconds()), 0)
        name = agent.info.name or agent.info.login
        call.routing = {"case": "callback", "queue": entry.queue, "callback_id": entry.id, "attempt": entry.attempts,
                        "trace": {"en": f"callback #{entry.id} ({entry.source}), waiting {waited} s → {name} is free "
                                        f"→ their phone first, then {entry.number} (try {entry.attempts})",
                                  "zh": f"回电 #{entry.id}（{_SOURCES_ZH.get(entry.source, entry.source)}），已等待 {waited} 秒"
                                        f" → {name} 空闲 → 先振铃坐席，再拨 {entry.number}（第 {entry.attempts} 次）"}}
        agent.hold = HOLD_REASON
        agent.activity, agent.call_id = Activity.RINGING, call.call_id
        self._touched.add(agent.info.agent_id)
        caller_id = f'"{(entry.card or {}).get("name") or "Callback"}" <{entry.number}>'
        return [
            *pause_in_own_queues(agent, HOLD_REASON),
            fx.AmiAction(actions.originate_callback(agent.info.interface, entry.number, context=cfg.context,
                                                    channel_id=entry.call_id, caller_id=caller_id,
                                                    ring_seconds=cfg.ring_seconds,
                                                    variables={"CC_CALLBACK_ID": str(entry.id)}),
                         agent.info.agent_id, on_failure=d.CallbackFailed(entry.id, entry.attempts, "originate refused")),
            fx.StartTimer(f"callback:{entry.id}", float(cfg.ring_seconds * 2 + 5),
                          d.CallbackFailed(entry.id, entry.attempts, "no answer in time")),
            fx.UpdateCallback(entry.id, {"status": "dialing", "attempts": entry.attempts}),
            fx.SendToAgent(agent.info.agent_id, "pop", call.pop(now)),
            fx.SupervisorsChanged(),
        ]

    # ------------------------------------------------------------------ how an attempt ends
    def _callback_connected(self, call: Call, now: datetime) -> Effects:
        entry = self.callbacks.pop(call.callback_id, None) if call.callback_id is not None else None
        if entry is None:
            return []
        return [fx.CancelTimer(f"callback:{entry.id}"),
                fx.UpdateCallback(entry.id, {"status": "done", "last_result": f"answered by agent {call.agent_id}"})]

    def _callback_attempt_failed(self, call: Call, reason: str, now: datetime) -> Effects:
        """The attempt on *call* did not connect: free the agent, retry later or give up."""
        effects = self._withdraw(call)
        self.legs.pop(call.dial_leg, None)
        agent = self.agents.get(call.dial_agent) if call.dial_agent is not None else None
        if agent is not None and agent.hold:
            agent.hold = ""
            if agent.call_id == call.call_id:
                agent.activity, agent.call_id = Activity.IDLE, None
            self._touched.add(agent.info.agent_id)
            effects += self._reconcile(agent)
        self.calls.pop(call.call_id, None)
        if call.outbound:                      # a click-to-dial that did not connect: keep its row
            call.state, call.ended_at = CallState.LEFT, now
            call.route_log.append((f"not connected: {reason}", f"未接通：{reason}"))
            effects.append(fx.RecordInteraction(call.interaction_id, call.record_fields()))
        entry = self.callbacks.get(call.callback_id) if call.callback_id is not None else None
        if entry is None or entry.call_id != call.call_id:
            return effects
        return effects + self._retry_or_give_up(entry, reason, customer=bool(call.dial_leg), now=now)

    def _retry_or_give_up(self, entry: CallbackEntry, reason: str, *, customer: bool, now: datetime) -> Effects:
        cfg = self.settings.callbacks
        entry.status, entry.call_id, entry.agent_id = "pending", "", None
        effects: Effects = [fx.CancelTimer(f"callback:{entry.id}")]
        if entry.attempts >= cfg.max_attempts:
            del self.callbacks[entry.id]
            return effects + [fx.UpdateCallback(entry.id, {"status": "failed", "last_result": reason}),
                              fx.SupervisorsChanged()]
        # The customer did not answer: wait before calling again. The agent's phone did not: another
        # agent may take it at once (the attempt still counts).
        entry.retry_at = now + timedelta(seconds=cfg.retry_seconds if customer else 5)
        effects += [fx.UpdateCallback(entry.id, {"status": "pending", "last_result": reason}),
                    *self._due_timer(entry, now), fx.SupervisorsChanged()]
        return effects

    def _callback_failed(self, e: d.CallbackFailed, now: datetime) -> Effects:
        entry = self.callbacks.get(e.callback_id)
        if entry is None or entry.attempts != e.attempt or entry.status != "dialing":
            return []                          # that attempt already ended
        call = self.calls.get(entry.call_id)
        if call is not None and call.state is CallState.DIALING:
            return self._callback_attempt_failed(call, e.reason, now)
        if call is None:
            return self._retry_or_give_up(entry, e.reason, customer=False, now=now)
        return []                              # connected meanwhile: the timer lost the race

    def _callback_counts(self) -> dict[str, int]:
        """Open callbacks per queue (the wallboard's "callbacks pending")."""
        counts: dict[str, int] = {}
        for entry in self.callbacks.values():
            counts[entry.queue] = counts.get(entry.queue, 0) + 1
        return counts


_SOURCES_ZH = {"ivr": "语音菜单", "out_of_hours": "非工作时间", "abandoned": "放弃来电", "agent": "坐席"}

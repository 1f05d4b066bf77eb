"""The engine: the one task that owns the state.

Theory of operation. Every input (translated AMI events, IVR results, console commands, timers) is
put into one ``asyncio.Queue`` with the sync :meth:`Engine.post`. The engine task takes them in order,
hands each to the pure ``Model`` and carries out the effects it returns:

* ``SendToAgent`` / ``SupervisorsChanged`` -> the console hub (sync, never blocks on a browser);
* ``AmiAction`` -> a task per action through the gateway (a failure is told to the agent who asked);
* ``RecordInteraction`` -> the recorder's queue (it batches writes; the engine never awaits the DB) and
  today's live metrics (finished calls only: ``callcenter/metrics.py``);
* ``StartTimer`` / ``CancelTimer`` -> ``loop.call_later`` posting back into the inbox;
* ``LookupCaller`` -> a task that identifies the caller and posts ``CallerIdentified``;
* ``SavePresence`` -> the store, the last wish per agent (what the agent asked for survives a server
  restart), through ``callcenter.presence_writes`` so one agent's storm never delays another's write;
* ``PauseStarted`` / ``PauseEnded`` -> the store's pause periods, in order per agent (the agent report's
  time over each pause code's limit), through the same per-agent writers;
* ``Problem`` -> a loud log line with the ids; never an exception.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.errors import CallCenterError
from callcenter.day_series import DaySeries
from callcenter.metrics import LiveMetrics, Rules
from callcenter.routing import AgentAvailability
from callcenter.model import views
from callcenter.model.state import Model
from callcenter.presence_writes import PresenceWrites
from callcenter.settings import Settings

log = logging.getLogger(__name__)


class HubPort(Protocol):
    def send_to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> None: ...
    def mark_wallboard_dirty(self) -> None: ...


class PauseLogPort(Protocol):
    """The store's pause periods (``crm_bridge.pauses``)."""
    async def pause_started(self, agent_id: int, reason: str, at: datetime, limit_seconds: int | None) -> None: ...
    async def pause_ended(self, agent_id: int, at: datetime) -> None: ...


class RecorderPort(Protocol):
    def record(self, interaction_id: str, fields: dict[str, Any]) -> None: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class Engine:
    def __init__(self, settings: Settings, *, hub: HubPort, recorder: RecorderPort,
                 send_ami: Callable[[dict[str, str]], Awaitable[Any]],
                 identify: Callable[[str], Awaitable[list[dict[str, Any]]]],
                 save_presence: Callable[[int, str, str], Awaitable[None]] | None = None,
                 callback_store: Any = None,
                 count_missing: Callable[[], Awaitable[dict[int, int]]] | None = None,
                 pause_log: PauseLogPort | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.model = Model(settings)
        self.hub = hub
        self.recorder = recorder
        self.send_ami = send_ami
        self.identify = identify
        self.save_presence = save_presence
        # add_callback(card=..., **fields) -> row (falsy: kept for later, the row is posted when it lands),
        # update_callback(id, **fields): the store's spooled writes (None: not kept).
        self.callback_store = callback_store
        # The store's count of answered calls without an outcome per agent (None: not shown).
        self.count_missing = count_missing
        self._counting: asyncio.Task[None] | None = None
        self._count_again = False
        self._callback_lock = asyncio.Lock()     # FIFO: status changes land in order
        self.pause_log = pause_log
        self.presence_writes = PresenceWrites(save_presence, pause_log)
        self.clock = clock
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._task: asyncio.Task[None] | None = None
        self.applied = 0
        self.problems = 0
        self._availability: AgentAvailability | None = None
        # Today's finished calls for the wallboard (the recorded fields; reloaded from the store at start-up).
        self.metrics = LiveMetrics(Rules.of(settings), clock)
        # Waiting callers and SL per queue over the day (the wallboard's sparklines), sampled on a timer.
        self.series = DaySeries(self.metrics.rules.zone, settings.metrics.sample_seconds)

    # ------------------------------------------------------------------ the port everyone uses
    def post(self, event: Any) -> None:
        self.inbox.put_nowait(event)

    def agent_snapshot(self, agent_id: int) -> dict[str, Any]:
        return views.agent_snapshot(self.model, agent_id, self.clock())

    def wallboard(self) -> dict[str, Any]:
        return views.wallboard(self.model, self.clock(), self.metrics)

    def wallboard_series(self) -> dict[str, Any]:
        """The day's series so far (sent whole in the supervisors' hello)."""
        return self.series.view(self.clock())

    def sample_series(self) -> dict[str, Any]:
        """Take one point per queue now; returns just that point (the ``wallboard_series`` frame)."""
        sl = {queue: f["sl"] for queue, f in self.metrics.figures("queue").items()}
        return self.series.sample(self.clock(), views.waiting_counts(self.model), sl)

    def availability(self) -> AgentAvailability:
        """Agent availability for routing decisions (the IVR asks, in the same loop, per call). Rebuilt
        only after the model applied another event (a 300-agent snapshot costs ~0.3 ms)."""
        if self._availability is None:
            self._availability = views.availability(self.model)
        return self._availability

    def wrapup_call(self, agent_id: int, call_id: str) -> dict[str, Any] | None:
        return views.wrapup_call(self.model, agent_id, call_id)

    def pending_wrapups(self, agent_id: int) -> dict[str, Any]:
        return views.pending_wrapups(self.model, agent_id)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="engine")

    async def stop(self, save_timeout: float = 5.0) -> None:
        # What agents asked for last must reach the store before we go (a restart re-tells it).
        await self.presence_writes.drain(save_timeout)
        await self.presence_writes.close()
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        tasks = [t for t in (self._task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        inbox = self.inbox
        while True:
            event = await inbox.get()
            self.apply(event)
            # Take whatever else is already waiting without yielding to the loop between events.
            while not inbox.empty():
                self.apply(inbox.get_nowait())

    def apply(self, event: Any) -> None:
        self._availability = None          # any event may change an agent
        try:
            effects = self.model.apply(event, self.clock())
        except Exception:
            log.exception("engine: applying %r failed; state kept, event dropped", event)
            return
        self.applied += 1
        for effect in effects:
            try:
                self._execute(effect)
            except Exception:
                log.exception("engine: effect %r failed", effect)

    # ------------------------------------------------------------------ effects
    def _execute(self, effect: Any) -> None:
        kind = type(effect)
        if kind is fx.SendToAgent:
            self.hub.send_to_agent(effect.agent_id, effect.kind, effect.data)
        elif kind is fx.SupervisorsChanged:
            self.hub.mark_wallboard_dirty()
        elif kind is fx.RecordInteraction:
            self.recorder.record(effect.interaction_id, effect.fields)
            self.metrics.record(effect.interaction_id, effect.fields)
        elif kind is fx.AmiAction:
            self._spawn(self._ami(effect), "ami-action")
        elif kind is fx.StartTimer:
            self._start_timer(effect)
        elif kind is fx.CancelTimer:
            handle = self._timers.pop(effect.key, None)
            if handle is not None:
                handle.cancel()
        elif kind is fx.SaveCallback:
            self._spawn(self._save_callback(effect), "save-callback")
        elif kind is fx.UpdateCallback:
            self._spawn(self._update_callback(effect), "update-callback")
        elif kind is fx.CountMissingOutcomes:
            self._count_missing()
        elif kind is fx.LookupCaller:
            self._spawn(self._lookup(effect), "lookup-caller")
        elif kind is fx.SavePresence:
            self.presence_writes.presence(effect)
        elif kind is fx.PauseStarted or kind is fx.PauseEnded:
            self.presence_writes.pause(effect)
        elif kind is fx.Problem:
            self.problems += 1
            log.warning("engine: %s %s", effect.message, effect.context)
        else:
            log.error("engine: unknown effect %r", effect)

    def _start_timer(self, effect: fx.StartTimer) -> None:
        old = self._timers.pop(effect.key, None)
        if old is not None:
            old.cancel()

        def fire() -> None:
            self._timers.pop(effect.key, None)
            self.post(effect.event)

        self._timers[effect.key] = asyncio.get_running_loop().call_later(effect.seconds, fire)

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ami(self, effect: fx.AmiAction) -> None:
        try:
            await self.send_ami(effect.headers)
        except CallCenterError as exc:
            log.warning("AMI %s failed: %s", effect.headers.get("Action"), exc.message)
            if effect.agent_id is not None:
                self.hub.send_to_agent(effect.agent_id, "error", exc.as_dict())
            if effect.on_failure is not None:
                self.post(effect.on_failure)

    async def _save_callback(self, effect: fx.SaveCallback) -> None:
        if self.callback_store is None:
            return
        try:
            row = await self.callback_store.add_callback(card=effect.card, **effect.fields)
        except Exception as exc:         # refused (the spool keeps what the database could not take)
            log.warning("saving a callback for %s failed: %s", effect.fields.get("number"), exc)
            return
        if not row:                      # kept in the spool: posted when it lands
            return
        self.post(d.CallbackRequested(row, effect.card))

    async def _update_callback(self, effect: fx.UpdateCallback) -> None:
        if self.callback_store is None:
            return
        async with self._callback_lock:
            try:
                await self.callback_store.update_callback(effect.callback_id, **effect.fields)
            except Exception as exc:
                log.warning("updating callback %s (%s) failed: %s", effect.callback_id, effect.fields, exc)

    def _count_missing(self) -> None:
        """One count at a time; asked again meanwhile, it runs once more after (the latest wins)."""
        if self.count_missing is None:
            return
        if self._counting is not None and not self._counting.done():
            self._count_again = True
            return
        self._counting = asyncio.ensure_future(self._count())
        self._tasks.add(self._counting)
        self._counting.add_done_callback(self._tasks.discard)

    async def _count(self) -> None:
        assert self.count_missing is not None
        while True:
            self._count_again = False
            try:
                counts = await self.count_missing()
            except Exception as exc:     # the wallboard keeps the last count
                log.warning("counting missing outcomes failed: %s", exc)
                return
            self.post(d.MissingOutcomesCounted(tuple(sorted(counts.items()))))
            if not self._count_again:
                return
    async def _lookup(self, effect: fx.LookupCaller) -> None:
        try:
            cards = await asyncio.wait_for(self.identify(effect.number), self.settings.ivr.lookup_timeout * 4)
        except Exception as exc:
            log.warning("caller lookup for %s failed: %s", effect.call_id, exc)
            return
        self.post(d.CallerIdentified(effect.call_id, cards[0] if cards else None))

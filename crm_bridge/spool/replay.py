"""The spool's replay task: pending writes go to the database one at a time, in the order they were kept.

Theory of operation. :meth:`Spool.keep` appends a write to the journal and wakes the task. The task
applies the oldest pending write with the handler registered for its kind; when it lands the entry is
marked done and the kind's listeners hear the result (the desk learns its outcome is saved, the engine
learns the callback's id). ``StoreUnavailable`` (or a timeout) means the database is still away: the
same write is tried again with backoff, and nothing behind it overtakes it. Any other failure is
permanent (the write does not fit, or refers to something gone): the write is moved to the rejected
file with the reason and the next one goes on. Handlers must be idempotent: a write may have reached
the database just before the failure that spooled it, and a crash may come between landing and
``done``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from callcenter.errors import CallCenterError, StoreUnavailable
from crm_bridge.spool.journal import Entry, Journal

log = logging.getLogger(__name__)

Apply = Callable[[dict[str, Any]], Awaitable[Any]]
Landed = Callable[[Entry, Any], None]


class Spool:
    def __init__(self, journal: Journal, *, retry_max: float = 2.0, attempt_timeout: float = 10.0) -> None:
        self.journal = journal
        self._apply: dict[str, Apply] = {}
        self._landed: dict[str, list[Landed]] = {}
        self._retry_max = retry_max
        self._attempt_timeout = attempt_timeout
        self._wake = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()
        self._task: asyncio.Task[None] | None = None
        self.landed = 0
        self.rejected = 0

    def register(self, kind: str, apply: Apply) -> None:
        self._apply[kind] = apply

    def on_landed(self, kind: str, listener: Landed) -> None:
        self._landed.setdefault(kind, []).append(listener)

    # ------------------------------------------------------------------ writers
    @property
    def busy(self) -> bool:
        """Writes are waiting: a new write goes behind them (never overtakes an older one)."""
        return bool(self.journal.pending)

    def keep(self, kind: str, key: str, args: dict[str, Any]) -> Entry:
        if kind not in self._apply:
            raise ValueError(f"no spool handler for {kind!r}")
        first = not self.journal.pending
        entry = self.journal.append(kind, key, args)
        # One warning per outage (writes.py says why); the rest at info, or an outage floods the log.
        log.log(logging.WARNING if first else logging.INFO, "spool: kept %s %s for later (%d waiting in %s)",
                kind, key, len(self.journal.pending), self.journal.path)
        self._empty.clear()
        self._wake.set()
        return entry

    def pending_keys(self, kind: str) -> set[str]:
        return {e.key for e in self.journal.pending if e.kind == kind}

    async def drained(self) -> None:
        """Wait until every kept write has landed (or been rejected)."""
        await self._empty.wait()

    # ------------------------------------------------------------------ lifetime
    def open(self) -> None:
        if self.journal.open():
            self._empty.clear()
            self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="spool-replay")

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Try to land what is waiting (bounded); what is left stays on disk for the next start."""
        if self.busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.drained(), drain_timeout)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.busy:
            log.warning("spool: %d writes wait on disk for the next start (%s)", len(self.journal.pending),
                        self.journal.path)
        self.journal.close()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            delay = 0.05
            while self.journal.pending:
                entry = self.journal.pending[0]
                if await self._replay(entry):
                    delay = 0.05
                    continue
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)
            self._empty.set()

    async def _replay(self, entry: Entry) -> bool:
        """True when the entry is finished with (landed or rejected); False to try again later."""
        try:
            result = await asyncio.wait_for(self._apply[entry.kind](entry.args), self._attempt_timeout)
        except asyncio.CancelledError:
            raise
        except (StoreUnavailable, TimeoutError) as exc:
            log.info("spool: %s %s still waits for the database (%s)", entry.kind, entry.key, exc)
            return False
        except Exception as exc:
            reason = exc.message if isinstance(exc, CallCenterError) else f"{type(exc).__name__}: {exc}"
            log.error("spool: %s %s refused by the database, kept in %s: %s", entry.kind, entry.key,
                      self.journal.directory, reason[:300])
            self.journal.reject(entry, reason[:2000])
            self.rejected += 1
            return True
        self.journal.done(entry)
        self.landed += 1
        log.info("spool: %s %s landed (%d still waiting)", entry.kind, entry.key, len(self.journal.pending))
        for listener in self._landed.get(entry.kind, ()):
            try:
                listener(entry, result)
            except Exception:
                log.exception("spool: a listener of %s failed", entry.kind)
        return True

"""The recorder: writes interaction rows for the engine, in batches, off the engine task.

The engine calls :meth:`Recorder.record` (sync); one task takes everything queued, merges updates
to the same row (later fields win) and writes them in one transaction. A failing database is retried
with backoff and nothing is dropped (a row the database refuses for good is logged with its data);
``stop()`` flushes what is left before the store closes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from callcenter.errors import ValidationFailed

log = logging.getLogger(__name__)

# Foreign keys an interaction row may carry; dropped (not the row) when the database refuses them.
_REFERENCES = ("customer_id", "agent_id")

Write = Callable[[Sequence[tuple[str, dict[str, Any]]]], Awaitable[None]]


class Recorder:
    def __init__(self, write: Write, *, max_batch: int = 500, retry_max: float = 5.0) -> None:
        self._write = write
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._max_batch = max_batch
        self._retry_max = retry_max
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.written = 0
        self.refused = 0

    def record(self, interaction_id: str, fields: dict[str, Any]) -> None:
        self._idle.clear()
        self._queue.put_nowait((interaction_id, fields))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recorder")

    async def stop(self, flush_timeout: float = 10.0) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.flushed(), flush_timeout)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if not self._queue.empty():
            log.error("recorder: %d interaction updates not written at shutdown", self._queue.qsize())

    async def flushed(self) -> None:
        """Wait until every update recorded so far is committed."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch: dict[str, dict[str, Any]] = {first[0]: dict(first[1])}
            while not self._queue.empty() and len(batch) < self._max_batch:
                key, fields = self._queue.get_nowait()
                batch.setdefault(key, {}).update(fields)
            await self._write_with_retry(list(batch.items()))
            if self._queue.empty():
                self._idle.set()

    async def _write_with_retry(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        """Transient failures (database down) are retried with backoff and nothing is dropped; a batch
        the database refuses for good (a reference to a customer or agent that is gone) is split so
        one bad row never blocks the others, and that row is written without the dangling references."""
        delay = 0.05
        while True:
            try:
                await self._write(rows)
                self.written += len(rows)
                return
            except asyncio.CancelledError:
                raise
            except ValidationFailed as exc:
                await self._write_refused(rows, exc)
                return
            except Exception as exc:
                log.error("recorder: writing %d interactions failed (%s); retrying in %.2fs", len(rows), exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max)

    async def _write_refused(self, rows: list[tuple[str, dict[str, Any]]], exc: ValidationFailed) -> None:
        if len(rows) > 1:
            for row in rows:
                await self._write_with_retry([row])
            return
        key, fields = rows[0]
        stripped = {k: v for k, v in fields.items() if k not in _REFERENCES}
        if stripped == fields:
            log.error("recorder: interaction %s refused by the database (%s); its data: %r", key, exc.message, fields)
            self.refused += 1
            return
        log.warning("recorder: interaction %s refers to a missing customer/agent (%s); stored without %s",
                    key, exc.message, sorted(set(fields) - set(stripped)))
        await self._write_with_retry([(key, stripped)])

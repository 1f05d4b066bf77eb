"""The supervisors' emergency "closed now" switch, one per queue.

Theory of operation. The IVR asks :meth:`QueueSwitches.closed` on every call (``ivr/hours.py``: a
closed queue plays ``ivr.closed_prompt`` and the dialplan hangs up), so the answer is a frozenset kept
in memory and replaced whole, never computed per call. The database is the truth: :meth:`load` reads
it at start-up (a switch survives a restart), and :meth:`set` commits a flip **before** memory changes
and supervisors are told, so what a supervisor sees acknowledged is what the next start-up loads. A
failed commit changes nothing. Flips are serialised by a lock so that memory follows commit order
when two supervisors flip the same queue at once. Each flip is logged with who, when, and the state
it replaced.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from callcenter.errors import CallCenterError, ValidationFailed
from callcenter.settings import Settings

log = logging.getLogger(__name__)

MAX_REASON = 200        # crm_bridge.models.QueueSwitch.reason
MAX_LOGIN = 64          # crm_bridge.models.QueueSwitch.changed_by

Notify = Callable[[str, dict[str, Any]], Any]      # hub.broadcast_supervisors(kind, data)


class SwitchStore(Protocol):
    """The part of ``crm_bridge.store.Store`` the switches use."""

    async def queue_switches(self) -> list[dict[str, Any]]: ...

    async def set_queue_switch(self, queue: str, *, closed: bool, reason: str, changed_by: str,
                               changed_at: datetime) -> dict[str, Any] | None: ...


class NoSuchQueue(CallCenterError):
    def __init__(self, queue: str, known: tuple[str, ...]) -> None:
        super().__init__("no-such-queue", f"no queue {queue!r}; the configured queues are {', '.join(known)}",
                         {"queue": queue, "queues": list(known)})


def _utcnow() -> datetime:
    return datetime.now(UTC)


class QueueSwitches:
    def __init__(self, settings: Settings, store_ops: SwitchStore, notify: Notify | None = None, *,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self._queues = tuple(settings.queues)
        self._store = store_ops
        self._notify = notify
        self._clock = clock
        self._rows: dict[str, dict[str, Any]] = {}
        self._closed: frozenset[str] = frozenset()
        self._lock = asyncio.Lock()

    def closed(self) -> frozenset[str]:
        """The queues closed right now (sync and free: called by the IVR on every call)."""
        return self._closed

    async def load(self) -> None:
        """Read every switch from the store (start-up); raises ``StoreUnavailable`` like the store does."""
        rows = {row["queue"]: row for row in await self._store.queue_switches()}
        for queue in sorted(set(rows) - set(self._queues)):
            if rows[queue]["closed"]:
                log.warning("queue %r was closed by %s but is no longer configured; its switch is ignored",
                            queue, rows[queue]["changed_by"])
        self._rows = {q: r for q, r in rows.items() if q in self._queues}
        self._closed = frozenset(q for q, r in self._rows.items() if r["closed"])
        if self._closed:
            log.warning("queues closed by a supervisor since before this start: %s", ", ".join(sorted(self._closed)))

    async def set(self, queue: str, closed: bool, by: str, reason: str = "") -> dict[str, Any]:
        """Flip *queue*'s switch as supervisor *by*; returns its view entry once the flip is committed."""
        if queue not in self._queues:
            raise NoSuchQueue(queue, self._queues)
        if not isinstance(closed, bool):
            raise ValidationFailed("closed must be true or false", {"closed": "invalid"})
        reason = (reason or "").strip()
        if len(reason) > MAX_REASON:
            raise ValidationFailed(f"reason is longer than {MAX_REASON} characters", {"reason": "too-long"})
        if not by or len(by) > MAX_LOGIN:
            raise ValidationFailed("the supervisor's login is missing or too long", {"by": "invalid"})
        async with self._lock:
            at = self._clock()
            before = await self._store.set_queue_switch(queue, closed=closed, reason=reason, changed_by=by,
                                                        changed_at=at)
            row = {"queue": queue, "closed": closed, "reason": reason, "changed_by": by, "changed_at": at}
            self._rows[queue] = row
            self._closed = (self._closed | {queue}) if closed else (self._closed - {queue})
        log.warning("queue %s %s by %s at %s (was %s)%s", queue, "CLOSED" if closed else "reopened", by,
                    at.isoformat(), _describe(before), f": {reason}" if reason else "")
        self._publish()
        return _entry(queue, row)

    def view(self) -> list[dict[str, Any]]:
        """One entry per configured queue: ``queue, closed, reason, by, at`` (ISO text or ``None``)."""
        return [_entry(queue, self._rows.get(queue)) for queue in self._queues]

    def _publish(self) -> None:
        if self._notify is None:
            return
        try:
            self._notify("switches", {"switches": self.view()})
        except Exception:   # the flip is committed and in force; only the live update is lost
            log.exception("could not tell supervisors about a queue switch")


def _entry(queue: str, row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"queue": queue, "closed": False, "reason": "", "by": None, "at": None}
    at = row["changed_at"]
    return {"queue": queue, "closed": bool(row["closed"]), "reason": row["reason"] or "", "by": row["changed_by"],
            "at": at.isoformat() if isinstance(at, datetime) else at}


def _describe(row: dict[str, Any] | None) -> str:
    if row is None:
        return "never switched"
    state = "closed" if row["closed"] else "open"
    at = row["changed_at"]
    return f"{state} since {at.isoformat() if isinstance(at, datetime) else at} by {row['changed_by']}"

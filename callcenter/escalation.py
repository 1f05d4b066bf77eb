"""Complaint escalation: overdue complaints climb to the supervisors, then (by severity) the manager.

Theory of operation. :func:`due_level` is the rule, pure: a complaint being worked that has used up
``escalation_after[i]`` of its SLA time (created -> deadline; 1.0 = at the deadline) is due level
``i + 1``, capped at ``escalation_max_level[severity]`` (settings ``complaints:``). Level 1 means the
supervisors, level 2 the call-center manager / admin (:data:`LEVEL_ROLES`).

:class:`Escalator` applies it every ``escalation_check_seconds``: it lists the candidates, and for each
one whose due level is above its current one, the store raises the level in one transaction per
complaint (compare-and-set on the current level, one ``complaint.escalate`` audit entry per level,
actor ``system``): a level is never reached twice, even by two servers on one database. After the
commit it tells the supervisors (``complaint_escalated``, then the whole ``complaints`` board) and the
owning agent's desk (``complaint_escalated``). A failing database is logged and retried at the next
tick; the task never dies of it. The clock is injected (tests drive :meth:`Escalator.tick` directly).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from callcenter.settings import ComplaintSettings

log = logging.getLogger(__name__)

WORKED_STATUSES = ("open", "in_progress")
# Who hears of a level: the console shows the label; the roles are the people notified.
LEVEL_ROLES = {1: ("supervisor",), 2: ("admin",)}


def due_level(*, created_at: datetime, sla_due_at: datetime | None, severity: str, status: str,
              now: datetime, rules: ComplaintSettings) -> int:
    """The escalation level the complaint should have reached at *now* (0 = none)."""
    if sla_due_at is None or status not in WORKED_STATUSES:
        return 0
    span = (sla_due_at - created_at).total_seconds()
    if span <= 0:                       # a deadline at (or before) filing: every step is due at once
        used = float("inf") if now >= sla_due_at else 0.0
    else:
        used = (now - created_at).total_seconds() / span
    reached = sum(1 for step in rules.escalation_after if used >= step)
    return min(reached, rules.escalation_max_level.get(severity, len(rules.escalation_after)))


class EscalationStore(Protocol):
    async def complaints_to_escalate(self, now: datetime, *, before_deadline: bool = False) -> list[dict[str, Any]]: ...
    async def escalate_complaint(self, complaint_id: int, from_level: int, to_level: int, now: datetime,
                                 reason: dict[str, Any] | None = None) -> dict[str, Any] | None: ...
    async def complaint_board(self, *, now: datetime | None = None, order: str = "severity") -> dict[str, Any]: ...


class Notify(Protocol):
    def broadcast_supervisors(self, kind: str, data: dict[str, Any]) -> int: ...
    def send_to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Escalator:
    def __init__(self, store: EscalationStore, rules: ComplaintSettings, notify: Notify, *,
                 clock: Callable[[], datetime] = _utcnow, interval: float | None = None) -> None:
        self._store = store
        self._rules = rules
        self._notify = notify
        self._clock = clock
        self._interval = rules.escalation_check_seconds if interval is None else interval
        self._task: asyncio.Task[None] | None = None
        self.failures = 0           # ticks that failed (a database down); for tests and the log

    async def tick(self) -> list[dict[str, Any]]:
        """One pass; returns the complaints escalated (board rows, committed). Raises on a store failure."""
        now = self._clock()
        before_deadline = min(self._rules.escalation_after, default=1.0) < 1.0
        raised: list[dict[str, Any]] = []
        for complaint in await self._store.complaints_to_escalate(now, before_deadline=before_deadline):
            level = due_level(created_at=complaint["created_at"], sla_due_at=complaint["sla_due_at"],
                              severity=complaint["severity"], status=complaint["status"], now=now, rules=self._rules)
            current = int(complaint["escalation_level"] or 0)
            if level <= current:
                continue
            overdue_minutes = int((now - complaint["sla_due_at"]).total_seconds() // 60)
            row = await self._store.escalate_complaint(complaint["id"], current, level, now,
                                                       {"overdue_minutes": overdue_minutes})
            if row is None:
                continue                # moved or escalated meanwhile: nothing written, nothing said
            raised.append(row)
            self._tell(row, current)
        if raised:
            self._notify.broadcast_supervisors("complaints", await self._store.complaint_board(now=now))
        return raised

    def _tell(self, row: dict[str, Any], previous: int) -> None:
        message = {"complaint": row, "previous_level": previous, "level": row["escalation_level"],
                   "roles": list(LEVEL_ROLES.get(row["escalation_level"], ()))}
        self._notify.broadcast_supervisors("complaint_escalated", message)
        if row.get("owner_agent_id") is not None:
            self._notify.send_to_agent(row["owner_agent_id"], "complaint_escalated", message)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("complaint escalation failed; retrying in %s s", self._interval)
            await asyncio.sleep(self._interval)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="complaint-escalation")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""Bounded store work for console commands: per user, overall, and how many touch the database at once.

Theory of operation. A command that needs the store (``STORE_COMMANDS``) is admitted before its
handler runs: when its user already has ``store_queue_per_user`` commands waiting or running, or
everyone together ``store_queue_total``, it is refused at once with ``busy`` (the task set never grows
without bound, and one user's queue never holds up another's). Admitted work runs under one semaphore
of ``store_concurrency`` slots, so console commands never take the whole connection pool from the
engine, the recorder and the IVR.

Each socket has a :class:`SocketTasks`: the set of its tasks (``add``/``discard`` like a ``set``, as the
command handlers use it) that also counts them against the limits and, on shutdown, cancels them.
"""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

from callcenter.errors import CallCenterError
from callcenter.settings import FairShareSettings

T = TypeVar("T")

# The console commands whose handler starts store work in a task (console/ws.py dispatches them).
STORE_COMMANDS = frozenset({
    "wrapups", "disposition", "queue_switch", "tasks", "follow_up_done", "follow_up_cancel",
    "complaint_advance", "complaints", "complaint_reassign", "agent_force", "spy", "call_customer",
    "customer_create",
})


class Busy(CallCenterError):
    def __init__(self, scope: str) -> None:
        super().__init__("busy", "the server is busy with earlier requests; please try again in a moment",
                         {"scope": scope})


class WorkLimits:
    """One per server (``console.limits``)."""

    def __init__(self, settings: FairShareSettings) -> None:
        self._per_user = settings.store_queue_per_user
        self._total = settings.store_queue_total
        self._slots = asyncio.Semaphore(settings.store_concurrency)
        self._users: dict[int, int] = {}
        self.pending = 0

    def admit(self, user_id: int) -> None:
        """Raise :class:`Busy` when *user_id* (or everyone) has as much store work as allowed."""
        if self._users.get(user_id, 0) >= self._per_user:
            raise Busy("user")
        if self.pending >= self._total:
            raise Busy("server")

    def of_user(self, user_id: int) -> int:
        return self._users.get(user_id, 0)

    def _started(self, user_id: int) -> None:
        self._users[user_id] = self._users.get(user_id, 0) + 1
        self.pending += 1

    def _finished(self, user_id: int) -> None:
        left = self._users.get(user_id, 0) - 1
        if left > 0:
            self._users[user_id] = left
        else:
            self._users.pop(user_id, None)
        self.pending -= 1

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """*work* once a database slot is free."""
        async with self._slots:
            return await work


class SocketTasks:
    """The tasks of one socket, counted against its user's and the server's store work."""

    def __init__(self, limits: WorkLimits, user_id: int) -> None:
        self.limits = limits
        self.user_id = user_id
        self._tasks: set[asyncio.Task[Any]] = set()

    def add(self, task: asyncio.Task[Any]) -> None:
        if task in self._tasks:
            return
        self._tasks.add(task)
        self.limits._started(self.user_id)
        task.add_done_callback(self._done)

    def discard(self, task: asyncio.Task[Any]) -> None:
        """Kept for handlers written for a plain set; the count ends when the task does."""

    def _done(self, task: asyncio.Task[Any]) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
            self.limits._finished(self.user_id)

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[asyncio.Task[Any]]:
        return iter(tuple(self._tasks))

    def __bool__(self) -> bool:
        return bool(self._tasks)

"""The agent's pending wrap-ups: every answered call of theirs without an outcome, until it is saved.

Theory of operation. Two sources, merged by :func:`merge` (pure): the database (``crm_bridge.wrapups``:
answered, no outcome; it survives reloads and server restarts) and the engine's memory (calls that
ended moments ago, whose row the recorder may not have written yet). An item the engine still holds
but the database already shows saved is dropped (the engine applies ``DispositionSaved`` a moment after
the commit), and so is the agent's live call (ringing or talking: not a wrap-up yet). The desk gets
the list in its ``hello`` (``wrapups``), in a ``wrapups`` frame after every save (every tab of the
agent) and in reply to its ``wrapups`` command (after a call ended).

An outcome for a call the engine no longer holds (after a restart, or past the engine's memory) is
still savable: :meth:`PendingWrapups.savable` checks in the database that the row is this agent's.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)

FRAME = "wrapups"        # server -> desk: {"wrapups": [item, ...]}, oldest first


class PendingStore(Protocol):
    async def pending_wrapups(self, agent_id: int, *, also: Any = ()) -> tuple[list[dict[str, Any]], set[str]]: ...
    async def savable_wrapup(self, agent_id: int, interaction_id: str, call_id: str) -> dict[str, Any] | None: ...


class PendingEngine(Protocol):
    def pending_wrapups(self, agent_id: int) -> dict[str, Any]: ...


class PendingHub(Protocol):
    def send_to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> None: ...


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return value or None


def item(row: Mapping[str, Any]) -> dict[str, Any]:
    """One pending wrap-up as the desk shows it (and opens its form from)."""
    return {"interaction_id": row.get("interaction_id"), "call_id": row.get("call_id") or "",
            "caller_number": row.get("caller_number") or "", "queue": row.get("queue") or "",
            "name": row.get("name"), "customer_id": row.get("customer_id"),
            "answered_at": _iso(row.get("answered_at")), "ended_at": _iso(row.get("ended_at"))}


def merge(stored: Iterable[Mapping[str, Any]], held: Iterable[Mapping[str, Any]], saved: set[str],
          live: str | None) -> list[dict[str, Any]]:
    """Stored rows and the engine's held wrap-ups, one per interaction, oldest first; without what is
    saved and without the live call (*live*: its interaction id)."""
    by_id: dict[str, dict[str, Any]] = {}
    for row in (*held, *stored):           # the stored row wins: it carries the customer's name
        interaction_id = row.get("interaction_id")
        if not interaction_id or interaction_id in saved or interaction_id == live:
            continue
        merged = item(row)
        previous = by_id.get(interaction_id)
        if previous is not None:
            merged = {k: merged[k] if merged[k] not in (None, "") else previous[k] for k in merged}
        by_id[interaction_id] = merged
    return sorted(by_id.values(), key=lambda i: (i["answered_at"] or "", i["interaction_id"]))


class PendingWrapups:
    def __init__(self, store: PendingStore, engine: PendingEngine, hub: PendingHub,
                 queued: Callable[[], set[str]] = set) -> None:
        """*queued*: interaction ids whose outcome waits in the spool (saved, not missing)."""
        self._store, self._engine, self._hub, self._queued = store, engine, hub, queued

    async def for_agent(self, agent_id: int) -> list[dict[str, Any]]:
        held = self._engine.pending_wrapups(agent_id)
        items = held.get("items") or []
        try:
            stored, saved = await self._store.pending_wrapups(agent_id, also=[i["interaction_id"] for i in items])
        except Exception:
            log.exception("pending wrap-ups of agent %s: the store failed; the engine's own list is shown", agent_id)
            stored, saved = [], set()
        held = self._engine.pending_wrapups(agent_id)       # the engine may have moved on meanwhile
        return merge(stored, held.get("items") or [], saved | self._queued(), held.get("live"))

    async def push(self, agent_id: int) -> None:
        """Every desk of the agent gets the list again (after a save)."""
        try:
            items = await self.for_agent(agent_id)
        except Exception:
            log.exception("pending wrap-ups of agent %s could not be sent", agent_id)
            return
        self._hub.send_to_agent(agent_id, FRAME, {"wrapups": items})

    async def savable(self, agent_id: int, interaction_id: str, call_id: str) -> dict[str, Any] | None:
        """A call the engine does not hold: its row, when it is this agent's answered call."""
        if not interaction_id:
            return None
        return await self._store.savable_wrapup(agent_id, interaction_id, call_id)

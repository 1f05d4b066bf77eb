"""The writes nothing may lose: tried on the database at once, kept in the spool when it is away.

Theory of operation. Each method tries the store (bounded by *wait* seconds: SQLite waits 5 s for a
lock, a caller or an agent should not) and returns what the store returned. When the database is
unavailable, or the spool already holds older writes (a newer one never overtakes them), the write is
kept in the spool and :data:`QUEUED` is returned; the spool lands it later, in order, and tells the
kind's listeners (``Spool.on_landed``). A write cut short by the wait may still have reached the
database: every kind is idempotent on replay (an outcome is keyed by its interaction; a callback is one
open request per number; presence and pause periods are the last wish; interaction rows are upserts).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from callcenter.errors import StoreUnavailable
from crm_bridge.records import ComplaintInput, Disposition, DispositionResult, FollowUpInput
from crm_bridge.spool.replay import Spool

log = logging.getLogger(__name__)



class _Queued:
    """What a write returns when it was kept in the spool (falsy: "no row yet")."""

    def __repr__(self) -> str:
        return "QUEUED"

    def __bool__(self) -> bool:
        return False


QUEUED: Any = _Queued()
CONFIGURED = -1.0        # a write's wait: ``spool_after_seconds`` (None: as long as the store takes)

CALLBACK = "callback.add"
CALLBACK_CHANGE = "callback.change"
PRESENCE = "agent.presence"
PAUSE_STARTED = "pause.started"
PAUSE_ENDED = "pause.ended"
INTERACTIONS = "interactions"
DISPOSITION = "disposition"


def disposition_args(d: Disposition) -> dict[str, Any]:
    return dataclasses.asdict(d)


def disposition_from(args: dict[str, Any]) -> Disposition:
    complaint = args.get("complaint")
    follow_up = args.get("follow_up")
    return Disposition(**{**args, "complaint": ComplaintInput(**complaint) if complaint else None,
                          "follow_up": FollowUpInput(**follow_up) if follow_up else None})


class SpooledWrites:
    def __init__(self, store: Any, spool: Spool, pause_log: Any, *, wait: float = 3.0,
                 complaint_rules: Any = None) -> None:
        self._store, self._spool, self._pause_log, self._wait = store, spool, pause_log, wait
        self._rules = complaint_rules
        spool.register(CALLBACK, lambda a: store.add_callback(**a["fields"]))
        spool.register(CALLBACK_CHANGE, lambda a: store.update_callback(a["callback_id"], **a["fields"]))
        spool.register(PRESENCE, lambda a: store.set_presence(a["agent_id"], a["presence"], a["reason"],
                                                              queues=a["queues"]))
        spool.register(PAUSE_STARTED, lambda a: pause_log.pause_started(a["agent_id"], a["reason"], a["at"],
                                                                       a["limit_seconds"]))
        spool.register(PAUSE_ENDED, lambda a: pause_log.pause_ended(a["agent_id"], a["at"]))
        spool.register(INTERACTIONS, lambda a: store.record_interactions([tuple(r) for r in a["rows"]]))
        spool.register(DISPOSITION, lambda a: store.save_disposition(disposition_from(a["disposition"]),
                                                                     rules=self._rules))

    @property
    def spool(self) -> Spool:
        return self._spool

    async def _write(self, kind: str, key: str, args: dict[str, Any], attempt: Callable[[], Awaitable[Any]],
                     wait: float | None = CONFIGURED) -> Any:
        """*wait*: seconds, :data:`CONFIGURED`, or None (as long as the store takes: for writers nobody
        waits on, such as the recorder; a lock still ends in ``StoreUnavailable`` after SQLite's 5 s)."""
        if not self._spool.busy:
            try:
                return await asyncio.wait_for(attempt(), self._wait if wait == CONFIGURED else wait)
            except (StoreUnavailable, TimeoutError) as exc:
                log.warning("%s %s: the database is away (%s); kept in the spool", kind, key,
                            getattr(exc, "message", None) or "no answer in time")
        self._spool.keep(kind, key, args)
        return QUEUED

    # ------------------------------------------------------------------ callbacks
    async def add_callback(self, *, card: dict[str, Any] | None = None, wait: float | None = CONFIGURED,
                           **fields: Any) -> Any:
        """The stored row, or QUEUED (the listeners of ``callback.add`` get ``(entry, row)`` later;
        ``entry.args["card"]`` is *card*)."""
        return await self._write(CALLBACK, str(fields.get("number") or ""), {"fields": fields, "card": card},
                                 lambda: self._store.add_callback(**fields), wait)

    async def update_callback(self, callback_id: int, **fields: Any) -> Any:
        return await self._write(CALLBACK_CHANGE, str(callback_id), {"callback_id": callback_id, "fields": fields},
                                 lambda: self._store.update_callback(callback_id, **fields))

    # ------------------------------------------------------------------ agents
    async def set_presence(self, agent_id: int, presence: str, reason: str = "", *,
                           queues: Sequence[str] | None = None) -> Any:
        queues = None if queues is None else list(queues)
        return await self._write(PRESENCE, str(agent_id),
                                 {"agent_id": agent_id, "presence": presence, "reason": reason, "queues": queues},
                                 lambda: self._store.set_presence(agent_id, presence, reason, queues=queues))

    async def pause_started(self, agent_id: int, reason: str, at: datetime, limit_seconds: int | None) -> Any:
        return await self._write(PAUSE_STARTED, str(agent_id),
                                 {"agent_id": agent_id, "reason": reason, "at": at, "limit_seconds": limit_seconds},
                                 lambda: self._pause_log.pause_started(agent_id, reason, at, limit_seconds))

    async def pause_ended(self, agent_id: int, at: datetime) -> Any:
        return await self._write(PAUSE_ENDED, str(agent_id), {"agent_id": agent_id, "at": at},
                                 lambda: self._pause_log.pause_ended(agent_id, at))

    # ------------------------------------------------------------------ calls
    async def record_interactions(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> Any:
        rows = [[key, dict(fields)] for key, fields in batch]
        return await self._write(INTERACTIONS, f"{len(rows)} rows", {"rows": rows},
                                 lambda: self._store.record_interactions(batch), wait=None)   # a lock: 5 s, then spooled

    async def save_disposition(self, disposition: Disposition, **_: Any) -> DispositionResult | Any:
        """The result, or QUEUED (listeners of ``disposition`` get ``(entry, DispositionResult)``; the
        entry's key is the interaction id)."""
        return await self._write(DISPOSITION, disposition.interaction_id,
                                 {"disposition": disposition_args(disposition)},
                                 lambda: self._store.save_disposition(disposition, rules=self._rules))

    def queued_outcomes(self) -> set[str]:
        """Interaction ids whose outcome waits in the spool (not missing: saved as soon as it lands)."""
        return self._spool.pending_keys(DISPOSITION)

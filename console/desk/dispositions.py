"""Saving a wrap-up from the desk (the ``disposition`` command), the part of the websocket that writes.

Theory of operation. A disposition is saved in its own task (the socket's read loop keeps going): the
reply ``ok`` is sent only after ``store.save_disposition`` committed, and only then is
``DispositionSaved`` posted to the engine (which ends the wrap-up and unpauses the agent) and the
agent's pending wrap-ups sent again to all their desks. A retry of a wrap-up already saved (its reply
lost to a reconnect) is answered with the same result and not saved twice; a second save while the
first is in flight is refused. The call's facts come from the engine while it holds the wrap-up, else
from the stored row of this agent's answered call without an outcome (after a server restart, or an
old call from the pending list: ``console.desk.pending``).

While the database is away (issue 11) the outcome is kept in the spool (``crm_bridge.spool``): the
reply is ``{"queued": true, "interaction_id", "call_id"}`` (the desk shows "saving… will retry"), the
engine gets ``DispositionSaved`` at once (the outcome is on disk; the agent goes on working), and
when it lands every desk of the agent gets a ``disposition_saved`` frame (``{"call_id",
"interaction_id", "complaint_id", "follow_up_id"?}``) and the pending list again.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from callcenter.domain import DispositionSaved
from callcenter.errors import CallCenterError
from callcenter.settings import Settings
from console import protocol
from console.desk.pending import PendingWrapups
from console.hub import Connection
from console.sessions import Session
from console.replies import error_for
from crm_bridge.records import ComplaintInput, Disposition, DispositionResult, FollowUpInput
from crm_bridge.spool.journal import Entry
from crm_bridge.spool.writes import DISPOSITION, QUEUED, disposition_from

log = logging.getLogger(__name__)

_SAVED_MEMORY = 2048
SAVED_FRAME = "disposition_saved"      # server -> desk, when an outcome kept in the spool landed


class Dispositions:
    def __init__(self, settings: Settings, *, store: Any, engine: Any, pending: PendingWrapups,
                 writes: Any = None, hub: Any = None) -> None:
        """*writes*: ``crm_bridge.spool.writes.SpooledWrites`` (outcomes survive an outage; None: the
        store alone); *hub* tells the desks when a kept outcome landed."""
        self._outcomes = tuple(settings.console.outcomes)
        self._queues = tuple(settings.queues)
        self._complaint_rules = settings.complaints
        self._store, self._engine, self._pending = store, engine, pending
        self._writes, self._hub = writes, hub
        self._saving: set[tuple[int, str]] = set()
        self._saved: OrderedDict[tuple[int, str], Any] = OrderedDict()    # a DispositionResult or QUEUED
        self._landing: set[asyncio.Task[None]] = set()
        if writes is not None:
            writes.spool.on_landed(DISPOSITION, self._landed)

    def command(self, conn: Connection, session: Session, command: protocol.Command,
                tasks: set[asyncio.Task[None]]) -> None:
        data = protocol.decode_disposition(command.data, self._outcomes, queues=self._queues,
                                           now=datetime.now(UTC))
        key = (session.agent_id, data.call_id)
        saved = self._saved.get(key)
        if saved is not None:       # a retry whose first reply was lost: same answer, no second save
            conn.push(protocol.encode_reply(command.id, _queued(data) if saved is QUEUED else _result(saved)))
            return
        if key in self._saving:
            raise CallCenterError("disposition-in-progress", "this wrap-up is already being saved",
                                  {"call_id": data.call_id})
        complaint = None
        if data.complaint is not None:
            complaint = ComplaintInput(data.complaint.category, data.complaint.severity, data.complaint.description)
        follow_up = None
        if data.follow_up is not None:
            f = data.follow_up
            follow_up = FollowUpInput(due_at=f.due_at, assign=f.assign, pool=f.pool, note=f.note)
        disposition = Disposition(interaction_id=data.interaction_id, call_id=data.call_id,
                                  agent_id=session.agent_id, outcome=data.outcome, notes=data.notes,
                                  complaint=complaint, call_fields={}, follow_up=follow_up)
        self._saving.add(key)
        task = asyncio.create_task(self._save(conn, command, disposition, key), name=f"disposition-{data.call_id}")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _save(self, conn: Connection, command: protocol.Command, disposition: Disposition,
                    key: tuple[int, str]) -> None:
        try:
            disposition = await self._savable(disposition)
            saver = self._writes if self._writes is not None else self._store
            result = await saver.save_disposition(disposition, rules=self._complaint_rules)
        except Exception as exc:
            conn.push(protocol.encode_error(command.id, error_for(exc, command)))
            return
        finally:
            self._saving.discard(key)
        self._saved[key] = result
        while len(self._saved) > _SAVED_MEMORY:
            self._saved.popitem(last=False)
        conn.push(protocol.encode_reply(command.id, _queued(disposition) if result is QUEUED else _result(result)))
        try:
            self._engine.post(DispositionSaved(disposition.agent_id, disposition.call_id, disposition.outcome))
        except Exception:
            log.exception("disposition of call %s is saved but the engine did not take DispositionSaved",
                          disposition.call_id)
        await self._pending.push(disposition.agent_id)

    def _landed(self, entry: Entry, result: DispositionResult) -> None:
        """An outcome kept in the spool is committed (maybe after a restart): the desks finish the form."""
        d = disposition_from(entry.args["disposition"])
        key = (d.agent_id, d.call_id)
        if key in self._saved:
            self._saved[key] = result
        if self._hub is not None:
            self._hub.send_to_agent(d.agent_id, SAVED_FRAME, {"call_id": d.call_id, **_result(result)})
        task = asyncio.ensure_future(self._pending.push(d.agent_id))
        self._landing.add(task)
        task.add_done_callback(self._landing.discard)

    async def _savable(self, disposition: Disposition) -> Disposition:
        """The disposition with the call's facts: from the engine while it holds the wrap-up, else from the
        stored row of this agent's answered call (after a restart, or an old one from the pending list)."""
        d = disposition
        call = self._engine.wrapup_call(d.agent_id, d.call_id) \
            or await self._pending.savable(d.agent_id, d.interaction_id, d.call_id)
        if call is None:
            raise CallCenterError("no-such-call", "this call is not waiting for your wrap-up "
                                  "(already saved, or not yours)", {"call_id": d.call_id})
        return dataclasses.replace(d, interaction_id=call["interaction_id"],
                                   call_fields=dict(call.get("call_fields") or {}))


def _queued(d: Any) -> dict[str, Any]:
    return {"queued": True, "interaction_id": d.interaction_id, "call_id": d.call_id}


def _result(result: DispositionResult) -> dict[str, Any]:
    data: dict[str, Any] = {"interaction_id": result.interaction_id, "complaint_id": result.complaint_id}
    if result.follow_up_id is not None:
        data["follow_up_id"] = result.follow_up_id
    return data

"""The store's facade for the cases worked between calls: callers to call back, follow-ups and callback
visits (回访), complaint moves, the complaints board and escalation. ``Store`` inherits it; every method
opens its own connection (one transaction) through ``Store.connect``."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from callcenter.errors import ValidationFailed
from callcenter.settings import ComplaintSettings
from crm_bridge import agents, audit, callbacks, complaint_board, complaints, followups
from crm_bridge.models import utcnow
from crm_bridge.records import AgentRecord, FollowUpInput


class CaseStore:
    """Mixed into :class:`crm_bridge.store.Store` (which provides ``connect``)."""

    connect: Any

    # ------------------------------------------------------------------ callbacks
    async def add_callback(self, *, number: str, queue: str, source: str, credit_from: datetime | None = None,
                           customer_id: int | None = None, priority: int = 0, call_id: str | None = None,
                           not_before: datetime | None = None) -> dict[str, Any]:
        """A caller to call back; one open request per number (a repeat keeps the earlier place)."""
        async with self.connect(write=True) as conn:
            return await callbacks.add(conn, number=number, queue=queue, source=source, now=utcnow(),
                                       credit_from=credit_from, customer_id=customer_id, priority=priority,
                                       call_id=call_id, not_before=not_before)

    async def open_callbacks(self) -> list[dict[str, Any]]:
        async with self.connect() as conn:
            return await callbacks.open_callbacks(conn)

    async def update_callback(self, callback_id: int, **fields: Any) -> None:
        async with self.connect(write=True) as conn:
            await callbacks.change(conn, callback_id, fields, utcnow())

    async def list_callbacks(self, *, statuses: Sequence[str] = (), limit: int = 100) -> list[dict[str, Any]]:
        async with self.connect() as conn:
            return await callbacks.listing(conn, statuses=tuple(statuses), limit=limit)

    # ------------------------------------------------------------------ follow-ups, callback visits, complaint work
    # (crm_bridge/followups.py). ``actor`` is the AgentRecord acting; ``rules`` is settings.complaints.
    async def add_follow_up(self, *, due_at: datetime, kind: str = "follow_up", assigned_agent_id: int | None = None,
                            pool: str | None = None, customer_id: int | None = None, number: str | None = None,
                            note: str = "", complaint_id: int | None = None, interaction_id: str | None = None,
                            created_by_agent_id: int | None = None) -> dict[str, Any]:
        """A task for one agent or for a queue's pool (exactly one of them); ``due_at`` aware."""
        errors = followups.check_input(FollowUpInput(due_at, "pool" if pool else "me", pool or "", note), prefix="")
        if kind not in followups.RESULTS:
            errors["kind"] = f"expected one of {', '.join(followups.RESULTS)}"
        if (assigned_agent_id is None) == (pool is None):
            errors["assigned_agent_id"] = "give an agent or a pool, not both"
        if errors:
            raise ValidationFailed("the follow-up does not fit", errors)
        now = utcnow()
        async with self.connect(write=True) as conn:
            fid = await followups.add(conn, {
                "kind": kind, "due_at": due_at, "assigned_agent_id": assigned_agent_id, "pool": pool,
                "customer_id": customer_id, "number": number, "note": note.strip() or None,
                "complaint_id": complaint_id, "interaction_id": interaction_id,
                "created_by_agent_id": created_by_agent_id, "status": "open", "created_at": now})
            return await followups.by_id(conn, fid) or {}

    async def tasks_for(self, agent_id: int, queues: Sequence[str], now: datetime | None = None) -> list[dict[str, Any]]:
        """The agent's open tasks and their queues' pool tasks, soonest due first (``overdue``, ``mine``)."""
        async with self.connect() as conn:
            return await followups.tasks_for(conn, agent_id, tuple(queues), now or utcnow())

    async def follow_up(self, follow_up_id: int) -> dict[str, Any] | None:
        async with self.connect() as conn:
            return await followups.by_id(conn, follow_up_id)

    async def complaint_follow_ups(self, complaint_id: int) -> list[dict[str, Any]]:
        async with self.connect() as conn:
            return await followups.for_complaint(conn, complaint_id)

    async def complete_follow_up(self, follow_up_id: int, *, result: str, actor: AgentRecord, note: str = "",
                                 satisfaction: int | None = None,
                                 rules: ComplaintSettings | None = None) -> dict[str, Any]:
        """Commit the result (a callback visit moves its complaint); ``{"follow_up", "complaint", "next_visit_id"}``."""
        async with self.connect(write=True) as conn:
            now = utcnow()
            done = await followups.complete(conn, follow_up_id, result=result, note=note, satisfaction=satisfaction,
                                            actor=actor, now=now, rules=rules or complaints.DEFAULT_RULES)
            await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.id, action="follow_up.complete",
                               entity="follow_up", entity_id=follow_up_id, before={"status": "open"},
                               after={"status": "done", "result": result, "satisfaction": satisfaction}, at=now)
            return done

    async def cancel_follow_up(self, follow_up_id: int, *, actor: AgentRecord, note: str = "") -> dict[str, Any]:
        async with self.connect(write=True) as conn:
            now = utcnow()
            task = await followups.cancel(conn, follow_up_id, note=note, actor=actor, now=now)
            await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.id, action="follow_up.cancel",
                               entity="follow_up", entity_id=follow_up_id, before={"status": "open"},
                               after={"status": "cancelled", "note": note}, at=now)
            return task

    async def advance_complaint_as(self, complaint_id: int, status: str, *, actor: AgentRecord,
                                   rules: ComplaintSettings | None = None) -> dict[str, Any]:
        """``advance_complaint`` for the owner or a supervisor only; resolving books the callback visit."""
        async with self.connect(write=True) as conn:
            owner = await complaints.owner_of(conn, complaint_id)
            if not complaints.may_act(owner_agent_id=owner, actor_id=actor.id, actor_role=actor.role):
                raise complaints.NotYours(complaint_id)
            return await complaints.advance(conn, complaint_id, status, utcnow(),
                                            rules=rules or complaints.DEFAULT_RULES, actor_login=actor.login,
                                            actor_agent_id=actor.id)

    async def reassign_complaint(self, complaint_id: int, new_owner: int, actor: AgentRecord) -> dict[str, Any]:
        """Hand a complaint (and its open callback visits) to agent *new_owner*: its owner or a supervisor."""
        async with self.connect(write=True) as conn:
            owner = await complaints.owner_of(conn, complaint_id)
            if not complaints.may_act(owner_agent_id=owner, actor_id=actor.id, actor_role=actor.role):
                raise complaints.NotYours(complaint_id)
            if not await agents.exists(conn, new_owner):
                raise ValidationFailed(f"no agent {new_owner}", {"new_owner": "no such agent"})
            now = utcnow()
            await complaints.reassign(conn, complaint_id, new_owner, now)
            await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.id, action="complaint.reassign",
                               entity="complaint", entity_id=complaint_id, before={"owner_agent_id": owner},
                               after={"owner_agent_id": new_owner}, at=now)
            return await complaints.by_id(conn, complaint_id) or {}

    # ------------------------------------------------------------------ complaints board and escalation (issue 5)
    # (crm_bridge/complaint_board.py queries; callcenter/escalation.py decides the levels)
    async def complaint_board(self, *, now: datetime | None = None, order: str = "severity") -> dict[str, Any]:
        """Open, in-progress and resolved (awaiting the visit) complaints with customer, tier, owner, SLA
        deadline, escalation level and ``overdue``; ``counts`` per severity x tier."""
        async with self.connect() as conn:
            return await complaint_board.board(conn, now or utcnow(), order=order)

    async def complaints_to_escalate(self, now: datetime, *, before_deadline: bool = False) -> list[dict[str, Any]]:
        async with self.connect() as conn:
            return await complaint_board.candidates(conn, now, before_deadline=before_deadline)

    async def escalate_complaint(self, complaint_id: int, from_level: int, to_level: int, now: datetime,
                                 reason: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """One transaction: the level raised (compare-and-set) with its audit entries (actor ``system``);
        returns the board row, or ``None`` when the complaint moved meanwhile (nothing written)."""
        async with self.connect(write=True) as conn:
            if not await complaint_board.escalate(conn, complaint_id, from_level, to_level, now, reason=reason):
                return None
            return await complaint_board.row(conn, complaint_id, now)

    async def hand_on_complaint(self, complaint_id: int, new_owner: int, *, actor: AgentRecord,
                                note: str = "") -> dict[str, Any]:
        """A supervisor gives a complaint (and its open callback visits) to another *agent*; audited with
        the note. Returns ``{"complaint": board row, "previous_owner_agent_id"}``."""
        if actor.role not in complaints.SUPERVISOR_ROLES:
            raise complaints.NotYours(complaint_id)
        async with self.connect(write=True) as conn:
            target = await agents.by_id(conn, new_owner)
            if target is None or target["role"] != "agent":
                raise ValidationFailed(f"{new_owner} is not an agent: complaints go to agents",
                                       {"owner_agent_id": "not an agent"})
            now = utcnow()
            before = await complaints.reassign(conn, complaint_id, new_owner, now)
            await audit.record(conn, actor_login=actor.login, actor_agent_id=actor.id, action="complaint.reassign",
                               entity="complaint", entity_id=complaint_id,
                               before={"owner_agent_id": before["owner_agent_id"]},
                               after={"owner_agent_id": new_owner, "note": note}, at=now)
            return {"complaint": await complaint_board.row(conn, complaint_id, now),
                    "previous_owner_agent_id": before["owner_agent_id"]}

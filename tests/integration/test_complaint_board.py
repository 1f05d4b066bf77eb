"""The complaints board, escalation and hand-over through the real store (SQLite file and PostgreSQL):
what the supervisors see, overdue complaints climbing once per level with an audit trail, the desks told."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from callcenter.errors import CallCenterError, ValidationFailed
from callcenter.escalation import Escalator
from callcenter.settings import ComplaintSettings
from crm_bridge import seed
from crm_bridge.store import AgentRecord, ComplaintInput, Disposition, Store

pytest_plugins = ["tests.integration.pg"]

RULES = ComplaintSettings()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    yield store
    await store.close()


class Desks:
    """What the hub would have sent: supervisors' frames and each agent's frames."""

    def __init__(self) -> None:
        self.supervisors: list[tuple[str, dict[str, Any]]] = []
        self.agents: list[tuple[int, str, dict[str, Any]]] = []
        self.ticked = asyncio.Event()

    def broadcast_supervisors(self, kind: str, data: dict[str, Any]) -> int:
        self.supervisors.append((kind, data))
        return 1

    def send_to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> None:
        self.agents.append((agent_id, kind, data))


async def agent(store: Store, login: str) -> AgentRecord:
    found = await store.agent_by_login(login)
    assert found is not None
    return found


async def file(store: Store, severity: str, number: str = seed.DEMO_VIP_NUMBER, login: str = "1001") -> dict[str, Any]:
    owner = await agent(store, login)
    card = (await store.identify(number))[0]
    result = await store.save_disposition(Disposition(
        str(uuid.uuid4()), f"c-{uuid.uuid4().hex[:8]}", owner.id, "complaint_logged",
        complaint=ComplaintInput("billing", severity, f"{severity} complaint"),
        call_fields={"customer_id": card["customer_id"]}), rules=RULES)
    assert result.complaint_id is not None
    [row] = [c for c in (await store.complaint_board())["complaints"] if c["id"] == result.complaint_id]
    return row


def ids(board: dict[str, Any]) -> list[int]:
    return [c["id"] for c in board["complaints"]]


async def test_board_lists_worked_and_resolved_complaints_with_tier_owner_and_counts(store: Store) -> None:
    before = await store.complaint_board()
    vip_critical = await file(store, "critical")
    family_low = await file(store, "low", number=seed.DEMO_FAMILY_NUMBER, login="1005")
    resolved = await file(store, "medium", number=seed.DEMO_GROUP_NUMBER)
    closed = await file(store, "high")
    sup = await agent(store, "9001")
    await store.advance_complaint_as(resolved["id"], "resolved", actor=sup)
    for status in ("resolved", "confirmed", "closed"):
        await store.advance_complaint_as(closed["id"], status, actor=sup)

    board = await store.complaint_board()
    rows = {c["id"]: c for c in board["complaints"]}
    assert closed["id"] not in rows                                   # closed: off the board
    assert rows[resolved["id"]]["status"] == "resolved"               # waiting for its callback visit
    top = rows[vip_critical["id"]]
    assert (top["tier"], top["severity"], top["owner_login"], top["customer_name"]) == ("vip", "critical", "1001", "李娜")
    assert top["value_class"] and top["escalation_level"] == 0 and not top["overdue"]
    assert top["sla_due_at"] - top["created_at"] == timedelta(hours=2)          # 4 h x VIP 0.5
    assert rows[family_low["id"]]["tier"] == "family"
    severities = [c["severity"] for c in board["complaints"]]
    assert severities == sorted(severities, key=("critical", "high", "medium", "low").index)   # critical first
    assert board["counts"]["critical"]["vip"] == before["counts"]["critical"]["vip"] + 1
    assert board["counts"]["low"]["family"] == before["counts"]["low"]["family"] + 1
    assert sum(n for tiers in board["counts"].values() for n in tiers.values()) == len(board["complaints"])

    by_tier = await store.complaint_board(order="tier")
    tiers = [c["tier"] for c in by_tier["complaints"]]
    assert tiers == sorted(tiers, key=("vip", "group", "family", "individual", "unknown").index)
    with pytest.raises(ValidationFailed) as exc:
        await store.complaint_board(order="owner")
    assert "order" in exc.value.details["fields"]

    later = await store.complaint_board(now=top["sla_due_at"] + timedelta(minutes=1))
    late = {c["id"]: c for c in later["complaints"]}
    assert late[vip_critical["id"]]["overdue"] and not late[resolved["id"]]["overdue"]   # a resolved clock stops
    assert later["overdue"] == sum(c["overdue"] for c in later["complaints"])


async def test_overdue_complaints_climb_one_level_at_a_time_once_each_audited(store: Store) -> None:
    critical = await file(store, "critical")            # VIP: 2 h SLA; levels at 2 h and 3 h
    medium = await file(store, "medium")                # VIP: 36 h SLA; stops at level 1
    desks = Desks()
    now = [critical["sla_due_at"] - timedelta(minutes=1)]
    escalator = Escalator(store, RULES, desks, clock=lambda: now[0])

    assert critical["id"] not in [c["id"] for c in await escalator.tick()]        # still inside its SLA

    now[0] = critical["sla_due_at"] + timedelta(minutes=5)
    raised = {c["id"]: c for c in await escalator.tick()}
    assert raised[critical["id"]]["escalation_level"] == 1 and raised[critical["id"]]["overdue"]
    assert medium["id"] not in raised
    assert critical["id"] not in [c["id"] for c in await escalator.tick()]        # never twice for one level

    owner = (await agent(store, "1001")).id
    told = [d for a, k, d in desks.agents if a == owner and d["complaint"]["id"] == critical["id"]]
    assert [(d["previous_level"], d["level"]) for d in told] == [(0, 1)]
    assert ("complaint_escalated", 1) in [(k, d["level"]) for k, d in desks.supervisors
                                          if k == "complaint_escalated" and d["complaint"]["id"] == critical["id"]]
    assert desks.supervisors[-1][0] == "complaints" and critical["id"] in ids(desks.supervisors[-1][1])

    now[0] = medium["sla_due_at"] + timedelta(days=30)    # long after: critical to 2, medium only to 1
    # Two servers ticking at once: each level is still written once.
    first, second = await asyncio.gather(escalator.tick(), Escalator(store, RULES, Desks(), clock=lambda: now[0]).tick())
    levels = {c["id"]: c["escalation_level"] for c in first + second}
    assert levels[critical["id"]] == 2 and levels[medium["id"]] == 1
    assert sorted(c["id"] for c in first + second).count(critical["id"]) == 1

    trail = await store.audit_entries(entity="complaint", entity_id=critical["id"])
    escalations = [(e["actor_login"], e["before"]["escalation_level"], e["after"]["escalation_level"])
                   for e in reversed(trail) if e["action"] == "complaint.escalate"]
    assert escalations == [("system", 0, 1), ("system", 1, 2)]
    medium_trail = await store.audit_entries(entity="complaint", entity_id=medium["id"])
    assert [e["after"]["escalation_level"] for e in medium_trail if e["action"] == "complaint.escalate"] == [1]
    board = {c["id"]: c for c in (await store.complaint_board(now=now[0]))["complaints"]}
    assert board[critical["id"]]["escalation_level"] == 2


async def test_a_resolved_complaint_does_not_escalate(store: Store) -> None:
    row = await file(store, "critical")
    await store.advance_complaint_as(row["id"], "resolved", actor=await agent(store, "1001"))
    escalator = Escalator(store, RULES, Desks(), clock=lambda: row["sla_due_at"] + timedelta(days=3))
    assert row["id"] not in [c["id"] for c in await escalator.tick()]


async def test_a_failing_database_does_not_kill_the_task(store: Store, database_url: str) -> None:
    row = await file(store, "critical")
    ticks: list[int] = []
    reached = {2: asyncio.Event(), 3: asyncio.Event()}

    def clock() -> datetime:
        ticks.append(1)
        if len(ticks) in reached:
            reached[len(ticks)].set()
        return row["sla_due_at"] + timedelta(minutes=1)

    await store.close()                              # the database goes away
    desks = Desks()
    escalator = Escalator(store, RULES, desks, clock=clock, interval=0.01)
    await escalator.start()
    try:
        await asyncio.wait_for(reached[2].wait(), 5)
        assert escalator.failures >= 1
        await store.open()                           # back: the next tick does the work
        await asyncio.wait_for(reached[3].wait(), 5)
        async with asyncio.timeout(5):
            while not any(k == "complaint_escalated" and d["complaint"]["id"] == row["id"]
                          for k, d in desks.supervisors):
                await asyncio.wait_for(reached.setdefault(len(ticks) + 1, asyncio.Event()).wait(), 5)
    finally:
        await escalator.stop()


async def test_a_supervisor_hands_a_complaint_to_another_agent_audited(store: Store) -> None:
    row = await file(store, "high")
    sup, new_owner, supervisor_2 = await agent(store, "9001"), await agent(store, "1006"), await agent(store, "admin")
    visit = await store.advance_complaint_as(row["id"], "resolved", actor=sup)

    moved = await store.hand_on_complaint(row["id"], new_owner.id, actor=sup, note="1001 is on leave")
    assert moved["complaint"]["owner_login"] == "1006"
    assert moved["previous_owner_agent_id"] == (await agent(store, "1001")).id
    [entry] = [e for e in await store.audit_entries(entity="complaint", entity_id=row["id"])
               if e["action"] == "complaint.reassign"]
    assert (entry["actor_login"], entry["after"]) == ("9001", {"owner_agent_id": new_owner.id, "note": "1001 is on leave"})
    [task] = [t for t in await store.complaint_follow_ups(row["id"]) if t["id"] == visit["callback_visit_id"]]
    assert task["assigned_agent_id"] == new_owner.id                   # the callback visit follows

    with pytest.raises(ValidationFailed) as exc:                        # a supervisor is not a desk agent
        await store.hand_on_complaint(row["id"], supervisor_2.id, actor=sup)
    assert exc.value.details["fields"] == {"owner_agent_id": "not an agent"}
    with pytest.raises(ValidationFailed):
        await store.hand_on_complaint(row["id"], 987654, actor=sup)
    with pytest.raises(CallCenterError) as forbidden:                   # an agent may not hand on this way
        await store.hand_on_complaint(row["id"], new_owner.id, actor=new_owner)
    assert forbidden.value.error_id == "forbidden"
    board = {c["id"]: c for c in (await store.complaint_board())["complaints"]}
    assert board[row["id"]]["owner_login"] == "1006"

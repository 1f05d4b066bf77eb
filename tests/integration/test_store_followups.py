"""Wrap-up follow-ups, callback visits and complaint SLA through the store, on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from callcenter.errors import CallCenterError, ValidationFailed
from callcenter.settings import ComplaintSettings
from crm_bridge import seed
from crm_bridge.models import utcnow
from crm_bridge.records import AgentRecord
from crm_bridge.store import ComplaintInput, Disposition, FollowUpInput, Store

pytest_plugins = ["tests.integration.pg"]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store, customers=seed.MIN_CUSTOMERS)
    yield store
    await store.close()


async def _agent(store: Store, login: str) -> AgentRecord:
    agent = await store.agent_by_login(login)
    assert agent is not None
    return agent


async def _customer(store: Store, number: str = seed.DEMO_INDIVIDUAL_NUMBER) -> int:
    return int((await store.identify(number))[0]["customer_id"])


async def _wrapup(store: Store, agent: AgentRecord, *, severity: str = "high", number: str = seed.DEMO_INDIVIDUAL_NUMBER,
                  follow_up: FollowUpInput | None = None, rules: ComplaintSettings | None = None):
    d = Disposition(str(uuid.uuid4()), f"c-{uuid.uuid4().hex[:8]}", agent.id, "complaint_logged", notes="退款未到账",
                    complaint=ComplaintInput("billing", severity, "charged twice"),
                    call_fields={"customer_id": await _customer(store, number), "queue": "standard",
                                 "caller_number": number},
                    follow_up=follow_up)
    return d, await store.save_disposition(d, rules=rules)


async def test_wrapup_with_complaint_and_follow_up_commits_all_three(store: Store) -> None:
    agent = await _agent(store, "1005")
    due = utcnow() + timedelta(days=2)
    before = utcnow()
    d, result = await _wrapup(store, agent, severity="critical", number=seed.DEMO_VIP_NUMBER,
                              follow_up=FollowUpInput(due, "me", "", "confirm the refund landed"))
    after = utcnow()
    row = await store.interaction(d.interaction_id)
    assert row is not None and row["outcome"] == "complaint_logged"
    [complaint] = row["complaints"]
    assert complaint["owner_agent_id"] == agent.id                    # first-contact responsibility
    # A VIP's critical complaint: 4 h x 0.5.
    assert before + timedelta(hours=2) <= complaint["sla_due_at"] <= after + timedelta(hours=2)
    [task] = await store.tasks_for(agent.id, agent.queues)
    assert task["id"] == result.follow_up_id and task["complaint_id"] == result.complaint_id
    assert (task["kind"], task["due_at"], task["note"], task["mine"], task["overdue"]) == (
        "follow_up", due, "confirm the refund landed", True, False)
    assert task["number"] == seed.DEMO_VIP_NUMBER and task["customer_name"] == "李娜"
    again = await store.save_disposition(d)                         # a retried save files nothing twice
    assert again == result and len(await store.tasks_for(agent.id, agent.queues)) == 1


async def test_configured_sla_rules_set_the_deadline(store: Store) -> None:
    agent = await _agent(store, "1005")
    rules = ComplaintSettings(sla_hours={"critical": 1, "high": 10, "medium": 20, "low": 30},
                              customer_factor={"vip": 1, "group": 1, "family": 1, "individual": 3})
    before = utcnow()
    d, _ = await _wrapup(store, agent, severity="high", rules=rules)
    [complaint] = (await store.interaction(d.interaction_id))["complaints"]
    assert before + timedelta(hours=30) <= complaint["sla_due_at"] <= utcnow() + timedelta(hours=30)


@pytest.mark.parametrize(("follow_up", "field"), [
    (FollowUpInput(utcnow() - timedelta(minutes=5), "me"), "follow_up.due_at"),
    (FollowUpInput(utcnow() + timedelta(days=400), "me"), "follow_up.due_at"),
    (FollowUpInput(utcnow() + timedelta(days=1), "pool", ""), "follow_up.pool"),
    (FollowUpInput(utcnow() + timedelta(days=1), "everyone"), "follow_up.assign"),
])
async def test_a_refused_follow_up_saves_neither_the_outcome_nor_the_complaint(store: Store, follow_up, field) -> None:
    agent = await _agent(store, "1005")
    customer_id = await _customer(store)
    with pytest.raises(ValidationFailed) as exc:
        await _wrapup(store, agent, follow_up=follow_up)
    assert field in exc.value.details["fields"]
    assert await store.list_complaints(customer_id=customer_id, status="open") == []
    assert "退款未到账" not in [r["notes"] for r in await store.recent_interactions(50, customer_id=customer_id)]
    assert await store.tasks_for(agent.id, agent.queues) == []


async def test_pool_tasks_reach_the_queue_s_agents_soonest_first_overdue_flagged(store: Store) -> None:
    owner, colleague, enterprise_only = await _agent(store, "1005"), await _agent(store, "1006"), await _agent(store, "1004")
    now = utcnow()
    later = await store.add_follow_up(due_at=now + timedelta(hours=3), pool="standard", note="later",
                                      number="+8613800000006")
    overdue = await store.add_follow_up(due_at=now - timedelta(hours=1), assigned_agent_id=owner.id, note="late")
    soon = await store.add_follow_up(due_at=now + timedelta(minutes=30), pool="standard", note="soon")
    vip_pool = await store.add_follow_up(due_at=now + timedelta(minutes=10), pool="vip", note="vip pool")
    tasks = await store.tasks_for(owner.id, owner.queues, now)
    assert [t["id"] for t in tasks] == [overdue["id"], soon["id"], later["id"]]
    assert [t["overdue"] for t in tasks] == [True, False, False] and [t["mine"] for t in tasks] == [True, False, False]
    assert [t["id"] for t in await store.tasks_for(colleague.id, colleague.queues, now)] == [soon["id"], later["id"]]
    assert [t["id"] for t in await store.tasks_for(enterprise_only.id, ("enterprise",), now)] == []
    assert vip_pool["id"] not in [t["id"] for t in tasks]
    with pytest.raises(ValidationFailed) as exc:
        await store.add_follow_up(due_at=now, assigned_agent_id=owner.id, pool="standard")
    assert "assigned_agent_id" in exc.value.details["fields"]
    # A colleague of the pool takes one; it leaves everybody's list.
    done = await store.complete_follow_up(soon["id"], result="reached", note="all fine", actor=colleague)
    assert done["follow_up"]["status"] == "done" and done["follow_up"]["done_by_agent_id"] == colleague.id
    assert soon["id"] not in [t["id"] for t in await store.tasks_for(owner.id, owner.queues)]
    with pytest.raises(CallCenterError) as forbidden:
        await store.cancel_follow_up(overdue["id"], actor=colleague)        # not theirs, not a pool task
    assert forbidden.value.error_id == "forbidden"
    with pytest.raises(ValidationFailed) as twice:
        await store.complete_follow_up(soon["id"], result="reached", actor=owner)
    assert "follow_up_id" in twice.value.details["fields"]
    cancelled = await store.cancel_follow_up(overdue["id"], actor=owner, note="customer emailed instead")
    assert cancelled["status"] == "cancelled" and cancelled["result_note"] == "customer emailed instead"
    [entry, *_] = await store.audit_entries(entity="follow_up", entity_id=overdue["id"])
    assert entry["action"] == "follow_up.cancel" and entry["actor_login"] == "1005"


async def test_resolving_books_the_visit_and_a_satisfied_customer_confirms(store: Store) -> None:
    owner, other, supervisor = await _agent(store, "1005"), await _agent(store, "1006"), await _agent(store, "9001")
    _, result = await _wrapup(store, owner)
    cid = result.complaint_id
    with pytest.raises(CallCenterError) as exc:
        await store.advance_complaint_as(cid, "in_progress", actor=other)
    assert exc.value.error_id == "forbidden"
    await store.advance_complaint_as(cid, "in_progress", actor=owner)
    before = utcnow()
    resolved = await store.advance_complaint_as(cid, "resolved", actor=owner)
    assert resolved["status"] == "resolved" and resolved["resolved_at"] >= before
    [visit] = [f for f in await store.complaint_follow_ups(cid) if f["kind"] == "callback_visit"]
    assert visit["id"] == resolved["callback_visit_id"] and visit["assigned_agent_id"] == owner.id
    assert before + timedelta(hours=24) <= visit["due_at"] <= utcnow() + timedelta(hours=24)
    assert visit["number"] == seed.DEMO_INDIVIDUAL_NUMBER
    assert visit["id"] in [t["id"] for t in await store.tasks_for(owner.id, owner.queues)]
    with pytest.raises(ValidationFailed) as wrong:
        await store.complete_follow_up(visit["id"], result="reached", actor=owner)   # a visit asks: satisfied?
    assert "result" in wrong.value.details["fields"]
    with pytest.raises(ValidationFailed) as score:
        await store.complete_follow_up(visit["id"], result="satisfied", satisfaction=6, actor=owner)
    assert "satisfaction" in score.value.details["fields"]
    done = await store.complete_follow_up(visit["id"], result="satisfied", satisfaction=5, note="满意", actor=owner)
    assert done["complaint"]["status"] == "confirmed" and done["complaint"]["confirmed_at"] is not None
    assert done["follow_up"]["satisfaction"] == 5 and done["follow_up"]["result"] == "satisfied"
    closed = await store.advance_complaint_as(cid, "closed", actor=supervisor)        # a supervisor may
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    moves = await store.audit_entries(entity="complaint", entity_id=cid)
    assert [(m["actor_login"], m["after"]["status"]) for m in reversed(moves)] == [
        (owner.login, "in_progress"), (owner.login, "resolved"), (owner.login, "confirmed"),
        (supervisor.login, "closed")]                       # who moved it, never "system"


async def test_an_unsatisfied_customer_reopens_and_no_answer_books_the_visit_again(store: Store) -> None:
    owner = await _agent(store, "1005")
    _, result = await _wrapup(store, owner)
    cid = result.complaint_id
    visit_id = (await store.advance_complaint_as(cid, "resolved", actor=owner))["callback_visit_id"]
    rules = ComplaintSettings(callback_visit_retry_hours=2)
    before = utcnow()
    missed = await store.complete_follow_up(visit_id, result="no_answer", actor=owner, rules=rules)
    assert missed["complaint"] is None and missed["next_visit_id"] is not None
    retry = await store.follow_up(missed["next_visit_id"])
    assert retry is not None and retry["kind"] == "callback_visit" and retry["status"] == "open"
    assert before + timedelta(hours=2) <= retry["due_at"] <= utcnow() + timedelta(hours=2)
    unhappy = await store.complete_follow_up(retry["id"], result="unsatisfied", satisfaction=2,
                                             note="still charged twice", actor=owner)
    assert unhappy["complaint"]["status"] == "in_progress" and unhappy["complaint"]["resolved_at"] is None
    assert unhappy["follow_up"]["result_note"] == "still charged twice"
    card = (await store.identify(seed.DEMO_INDIVIDUAL_NUMBER))[0]
    assert cid in [c["id"] for c in card["open_complaints"]]                       # back on the pop


async def test_reassigning_hands_over_the_complaint_and_its_open_visit(store: Store) -> None:
    owner, heir, other = await _agent(store, "1005"), await _agent(store, "1006"), await _agent(store, "1003")
    _, result = await _wrapup(store, owner)
    cid = result.complaint_id
    visit_id = (await store.advance_complaint_as(cid, "resolved", actor=owner))["callback_visit_id"]
    with pytest.raises(CallCenterError) as exc:
        await store.reassign_complaint(cid, other.id, other)
    assert exc.value.error_id == "forbidden"
    with pytest.raises(ValidationFailed) as unknown:
        await store.reassign_complaint(cid, 987654, owner)
    assert "new_owner" in unknown.value.details["fields"]
    moved = await store.reassign_complaint(cid, heir.id, owner)
    assert moved["owner_agent_id"] == heir.id and moved["owner_login"] == "1006"
    assert visit_id in [t["id"] for t in await store.tasks_for(heir.id, ())]
    assert visit_id not in [t["id"] for t in await store.tasks_for(owner.id, ())]
    [entry, *_] = await store.audit_entries(entity="complaint", entity_id=cid)
    assert entry["action"] == "complaint.reassign" and entry["after"] == {"owner_agent_id": heir.id}


async def test_the_pop_card_shows_each_open_complaint_s_sla_deadline(store: Store) -> None:
    agent = await _agent(store, "1005")
    before = utcnow()
    _, result = await _wrapup(store, agent, severity="critical", number=seed.DEMO_VIP_NUMBER)
    card = (await store.identify(seed.DEMO_VIP_NUMBER))[0]
    [mine] = [c for c in card["open_complaints"] if c["id"] == result.complaint_id]
    due = datetime.fromisoformat(mine["sla_due_at"])
    assert before + timedelta(hours=2) <= due <= utcnow() + timedelta(hours=2)
    assert card["recent"] and "sla_due_at" not in card["recent"][0]
    assert (await store.customer_card(card["customer_id"]))["open_complaints"][0]["sla_due_at"] == mine["sla_due_at"]

"""Wrap-up with a complaint and a follow-up, then the desk's task list and the callback visit (回访), end
to end over sockets: simulated VIP call -> pop -> wrap-up saved -> `tasks` -> complaint resolved by its
owner -> callback visit on the task list -> the customer is satisfied -> the complaint is confirmed."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.e2e.stack import Console, running_stack
from tests.e2e.test_one_call import AGENT, VIP_LOCAL, available_desk


async def _ended_call(stack, console: Console) -> tuple[str, dict]:
    stack.sim.phone(AGENT).answer_after = 0.3
    call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("2",), talk_seconds=0.3)
    pop = await console.next("pop", where=lambda p: p["call_id"] == call.call_id)
    assert pop["card"]["name"] == "李娜"
    ended = await console.next("call", where=lambda c: c["state"] == "ended" and c["call_id"] == call.call_id)
    return call.call_id, ended


async def test_wrapup_follow_up_reaches_the_task_list_and_the_callback_visit_confirms(tmp_path):
    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as desk:
            call_id, ended = await _ended_call(stack, desk)
            now = datetime.now(UTC)
            wrapup = {"call_id": call_id, "interaction_id": ended["interaction_id"], "outcome": "complaint_logged",
                      "notes": "charged twice for roaming",
                      "complaint": {"category": "billing", "severity": "high", "description": "双重扣费"},
                      "follow_up": {"due_at": (now - timedelta(minutes=1)).isoformat(), "assign": "me",
                                    "note": "check the refund"}}

            refused = await desk.send("disposition", wrapup)           # a due time already past
            assert not refused["ok"] and "follow_up.due_at" in refused["error"]["details"]["fields"]
            assert (await stack.store.interaction(ended["interaction_id"]) or {}).get("outcome") is None

            due = now + timedelta(days=1)
            wrapup["follow_up"]["due_at"] = due.isoformat()
            saved = await desk.send("disposition", wrapup)             # the same wrap-up, corrected
            assert saved["ok"], saved
            complaint_id, follow_up_id = saved["data"]["complaint_id"], saved["data"]["follow_up_id"]
            await desk.next("agent", where=lambda a: a["state"] == "available")

            listed = await desk.send("tasks")
            assert listed["ok"], listed
            [task] = listed["data"]["tasks"]
            assert (task["id"], task["kind"], task["note"], task["complaint_id"]) == (
                follow_up_id, "follow_up", "check the refund", complaint_id)
            assert datetime.fromisoformat(task["due_at"]) == due
            assert task["number"] == DEMO_VIP_NUMBER and task["customer_name"] == "李娜" and not task["overdue"]
            complaint = (await stack.store.list_complaints(owner_agent_id=task["created_by_agent_id"]))[0]
            assert complaint["id"] == complaint_id and complaint["sla_due_at"] is not None

            # Another agent may not move this agent's complaint.
            other = Console(stack.base_url)
            try:
                await other.login("1005", "demo1005")
                forbidden = await other.send("complaint_advance", {"complaint_id": complaint_id, "status": "resolved"})
                assert not forbidden["ok"] and forbidden["error"]["id"] == "forbidden"
            finally:
                await other.close()

            resolved = await desk.send("complaint_advance", {"complaint_id": complaint_id, "status": "resolved"})
            assert resolved["ok"], resolved
            assert resolved["data"]["complaint"]["status"] == "resolved"
            visit_id = resolved["data"]["complaint"]["callback_visit_id"]
            tasks = (await desk.send("tasks"))["data"]["tasks"]
            assert [t["id"] for t in tasks] == [follow_up_id, visit_id]              # soonest due first
            assert tasks[1]["kind"] == "callback_visit" and tasks[1]["complaint_status"] == "resolved"

            done = await desk.send("follow_up_done", {"follow_up_id": visit_id, "result": "satisfied",
                                                      "satisfaction": 5, "note": "refund received"})
            assert done["ok"], done
            assert done["data"]["complaint"]["status"] == "confirmed"
            assert [t["id"] for t in (await desk.send("tasks"))["data"]["tasks"]] == [follow_up_id]
            [stored] = [c for c in await stack.store.list_complaints(status="confirmed") if c["id"] == complaint_id]
            assert stored["confirmed_at"] is not None

            cancelled = await desk.send("follow_up_cancel", {"follow_up_id": follow_up_id, "note": "done on the visit"})
            assert cancelled["ok"] and cancelled["data"]["follow_up"]["status"] == "cancelled"
            assert (await desk.send("tasks"))["data"]["tasks"] == []

"""The complaints board over the real server's websocket: a supervisor sees the open complaints and hands
one to another agent (both desks are told, the board is pushed again); an agent may not do either."""
from __future__ import annotations

from tests.e2e.stack import Console, running_stack


async def test_supervisor_sees_the_board_and_reassigns_an_agent_is_refused(tmp_path):
    async with running_stack(tmp_path) as stack:
        sup, manager = Console(stack.base_url), Console(stack.base_url)
        new_desk, agent = Console(stack.base_url), Console(stack.base_url)
        try:
            await sup.login("9001", "demo9001", view="supervisor")
            await manager.login("admin", "demoadmin", view="supervisor")     # another supervisor watching
            await new_desk.login("1006", "demo1006")
            await agent.login("1005", "demo1005")

            board = await sup.send("complaints", {})
            assert board["ok"], board
            rows = board["data"]["complaints"]
            assert rows and {r["status"] for r in rows} <= {"open", "in_progress", "resolved"}
            assert rows[0]["severity"] == "critical"                         # the seeded group customer's
            assert {a["login"] for a in board["data"]["agents"]} >= {"1005", "1006"}
            assert "9001" not in {a["login"] for a in board["data"]["agents"]}   # complaints go to agents
            target = next(r for r in rows if r["owner_login"] != "1006" and r["status"] != "resolved")
            new_owner = next(a["id"] for a in board["data"]["agents"] if a["login"] == "1006")

            refused = await agent.send("complaints", {})
            assert not refused["ok"] and refused["error"]["id"] == "forbidden"
            refused = await agent.send("complaint_reassign", {"complaint_id": target["id"], "agent_id": new_owner})
            assert not refused["ok"] and refused["error"]["id"] == "forbidden"
            supervisor_id = (await stack.store.agent_by_login("admin")).id
            not_agent = await sup.send("complaint_reassign", {"complaint_id": target["id"], "agent_id": supervisor_id})
            assert not not_agent["ok"] and "owner_agent_id" in not_agent["error"]["details"]["fields"]
            bad = await sup.send("complaint_reassign", {"complaint_id": "x", "agent_id": new_owner})
            assert not bad["ok"] and "complaint_id" in bad["error"]["details"]["fields"]

            moved = await sup.send("complaint_reassign", {"complaint_id": target["id"], "agent_id": new_owner,
                                                          "note": "on leave"})
            assert moved["ok"], moved
            assert moved["data"]["complaint"]["owner_login"] == "1006"
            told = await new_desk.next("complaint_reassigned", where=lambda d: d["complaint"]["id"] == target["id"])
            assert (told["to_agent_id"], told["by"], told["note"]) == (new_owner, "9001", "on leave")
            pushed = await manager.next("complaints", where=lambda b: any(
                r["id"] == target["id"] and r["owner_login"] == "1006" for r in b["complaints"]))
            assert pushed["counts"]["critical"]
            [entry] = [e for e in await stack.store.audit_entries(entity="complaint", entity_id=target["id"])
                       if e["action"] == "complaint.reassign"]
            assert entry["actor_login"] == "9001" and entry["after"]["owner_agent_id"] == new_owner
        finally:
            for console in (sup, manager, new_desk, agent):
                await console.close()

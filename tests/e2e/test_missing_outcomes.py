"""Missing outcomes end to end: an answered call left without an outcome shows on the supervisor's
wallboard row of its agent and in the agent report, until the agent saves it (also after the wrap-up
timer ran out, from the pending list the desk gets)."""
from __future__ import annotations

from datetime import UTC, datetime

from callcenter.metrics import Rules
from crm_bridge.reports import report
from tests.e2e.stack import Console, running_stack
from tests.e2e.test_one_call import AGENT, VIP_LOCAL, available_desk


def row(board: dict, login: str) -> dict:
    return next(a for a in board["agents"] if a["login"] == login)


async def test_an_unsaved_call_counts_on_the_wallboard_and_in_the_report_until_saved(tmp_path):
    async with running_stack(tmp_path, wrapup=1) as stack:
        supervisor = Console(stack.base_url)
        try:
            await supervisor.login("9001", "demo9001", view="supervisor")
            async with available_desk(stack) as desk:
                stack.sim.phone(AGENT).answer_after = 0.3
                call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.3)
                ended = await desk.next("call", where=lambda c: c["state"] == "ended" and c["call_id"] == call.call_id)
                await desk.next("agent", where=lambda a: a["state"] == "available", timeout=10)   # the 1 s timer ran out
                board = await supervisor.next("wallboard", where=lambda b: row(b, "1002")["missing_outcomes"] == 1)
                agent_id = row(board, "1002")["agent_id"]
                pending = await desk.send("wrapups")
                assert [(w["call_id"], w["name"]) for w in pending["data"]["wrapups"]] == [(call.call_id, "李娜")]
                rules = Rules.of(stack.settings)
                today = datetime.now(rules.zone).date()          # the report's days are the centre's local days
                by_agent = await report(stack.store, rules, today, today, "agent", datetime.now(UTC))
                assert next(r for r in by_agent["rows"] if r["key"] == agent_id)["missing_outcomes"] == 1

                saved = await desk.send("disposition", {"call_id": call.call_id, "interaction_id": ended["interaction_id"],
                                                        "outcome": "resolved", "notes": "", "complaint": None})
                assert saved["ok"], saved
                assert (await desk.next("wrapups"))["wrapups"] == []
                await supervisor.next("wallboard", where=lambda b: row(b, "1002")["missing_outcomes"] == 0)
                by_agent = await report(stack.store, rules, today, today, "agent", datetime.now(UTC))
                assert by_agent["total"]["missing_outcomes"] == 0
        finally:
            await supervisor.close()

"""Supervision end to end: a stuck agent on the supervisor's wallboard fixed in one click (Asterisk
unpauses them, the desk says who did it, the audit log keeps it), and a listen session: the simulator
is asked to ring 9001's phone into ChanSpy on the agent's leg."""
from __future__ import annotations

from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.e2e.stack import Console, eventually, running_stack
from tests.e2e.test_one_call import available_desk

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")
TINY = {"supervision": {"paused_minutes": 0.005}}          # 0.3 s


def row(board: dict, login: str) -> dict:
    return next(a for a in board["agents"] if a["login"] == login)


async def test_a_stuck_paused_agent_is_flagged_and_forced_available(tmp_path):
    async with running_stack(tmp_path, config=TINY) as stack:
        supervisor = Console(stack.base_url)
        try:
            await supervisor.login("9001", "demo9001", view="supervisor")
            async with available_desk(stack) as desk:
                assert (await desk.send("pause", {"reason": "lunch"}))["ok"]
                await desk.next("agent", where=lambda a: a["state"] == "paused")
                # The row carries when it turns stuck; a later frame (here: another agent's change) says so.
                board = await supervisor.next("wallboard", where=lambda b: row(b, "1002")["state"] == "paused")
                assert row(board, "1002")["stuck_at"]["reason"] == "paused"
                other = Console(stack.base_url)
                try:
                    await other.login("1003", "demo1003")
                    assert (await other.send("available"))["ok"]
                    board = await supervisor.next("wallboard", where=lambda b: row(b, "1002")["stuck"] is not None)
                finally:
                    await other.close()
                agent = row(board, "1002")
                assert agent["stuck"]["reason"] == "paused"

                reply = await supervisor.send("agent_force", {"agent_id": agent["agent_id"], "action": "available"})
                assert reply["ok"], reply
                notice = await desk.next("notice")
                assert notice == {"kind": "forced", "action": "available", "by": "9001", "reason": ""}
                await desk.next("agent", where=lambda a: a["state"] == "available")
                unpaused = await eventually(
                    lambda: _first(stack.sim_events, "QueueMemberPause", lambda e: e.get("MemberName") == "1002"
                                   and e.get("Paused") == "0"), what="Asterisk unpaused 1002")
                assert unpaused is not None
                board = await supervisor.next("wallboard", where=lambda b: row(b, "1002")["state"] == "available")
                assert row(board, "1002")["stuck"] is None
                audit = await stack.store.audit_entries(entity="agent", entity_id=agent["agent_id"])
                forced = next(e for e in audit if e["action"] == "agent.force")
                assert forced["actor_login"] == "9001"
                assert forced["before"]["state"] == "paused" and forced["after"]["wants"] == "available"
                bad = await supervisor.send("agent_force", {"agent_id": agent["agent_id"], "action": "sleep"})
                assert not bad["ok"] and bad["error"]["id"] == "invalid-input"
        finally:
            await supervisor.close()


async def _first(events, name, where):
    return next((e for e in events if e.name == name and where(e)), None)


async def test_the_supervisor_listens_to_an_agent_s_call(tmp_path):
    async with running_stack(tmp_path) as stack:
        supervisor = Console(stack.base_url)
        try:
            await supervisor.login("9001", "demo9001", view="supervisor")
            async with available_desk(stack) as desk:
                refused = await supervisor.send("spy", {"agent_id": 2, "mode": "listen"})
                assert not refused["ok"] and refused["error"]["id"] in ("not-on-call", "no-such-agent")
                call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=30)
                connected = await desk.next("call", where=lambda c: c["state"] == "connected", timeout=15)
                board = await supervisor.next("wallboard", where=lambda b: row(b, "1002")["state"] == "on_call")
                agent_id = row(board, "1002")["agent_id"]
                reply = await supervisor.send("spy", {"agent_id": agent_id, "mode": "listen"})
                assert reply["ok"], reply
                assert reply["data"]["phone"] == "Local/9001@agent-phones/n"
                start = await eventually(lambda: _first(stack.sim_events, "ChanSpyStart", lambda e: True),
                                         what="ChanSpy started on the simulator")
                assert start.get("SpyerChannel").startswith("Local/9001@agent-phones-")
                assert start.get("SpyeeChannel").startswith("Local/1002@agent-phones-")
                dialled = [e.get("DialString") for e in stack.sim_events if e.name == "DialBegin"]
                assert "9001@agent-phones/n" in dialled
                assert connected["call_id"] == call.call_id
        finally:
            await supervisor.close()

"""Routing ladders end to end: the IVR's plan carried out by the dialplan, followed by the engine.

Simulated caller -> FastAGI IVR (decide() against live agent availability) -> Dial() the account
manager, the deputy -> Queue() the VIP pool -> overflow -> the agent's pop, the stored interaction and
the supervisor's wallboard, each with the routing trace. The post-call survey runs when the agent hangs
up first.
"""
from __future__ import annotations

import contextlib
import json

from callcenter import appkeys
from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.e2e.stack import Console, eventually, running_stack

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")     # 李娜, VIP; account manager 1001 (王伟)
PHONE = "Local/{}@agent-phones/n"


def ladder(overflow_after: int) -> dict:
    return {"routing": {
        "ladders": {"vip": [{"agent": "account_manager", "seconds": 1}, {"agent": "deputy", "seconds": 1},
                            {"queue": "vip", "priority": 10, "overflow_after": overflow_after},
                            {"queue": "standard", "priority": 10}]},
        "deputies": {"1001": "1003"},          # 张敏 stands in for 王伟
    }}


LADDER = ladder(overflow_after=1)


@contextlib.asynccontextmanager
async def desks(stack, *logins):
    """Those agents logged in and Available (confirmed by Asterisk), by login."""
    consoles = {}
    try:
        for login in logins:
            console = Console(stack.base_url)
            consoles[login] = console
            await console.login(login, f"demo{login}")
            assert (await console.send("available"))["ok"]
            await console.next("agent", where=lambda a: a["state"] == "available")
        yield consoles
    finally:
        for console in consoles.values():
            await console.close()


async def stored(stack, call_id, **expected):
    async def row():
        rows = await stack.store.recent_interactions(50)
        found = next((r for r in rows if r["call_id"] == call_id), None)
        return found if found and all(found.get(k) == v for k, v in expected.items()) else None
    return await eventually(row, what=f"interaction of {call_id} with {expected}")


async def test_vip_rings_the_account_manager_directly_and_the_survey_answer_is_stored(tmp_path):
    async with running_stack(tmp_path, config=LADDER) as stack, desks(stack, "1001") as desk:
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1", "4"), talk_seconds=0.3,
                                          hangup_by="agent")
        pop = await desk["1001"].next("pop", where=lambda p: p["call_id"] == call.call_id)
        assert pop["card"]["name"] == "李娜"
        assert "account manager 王伟 rings 1 s" in pop["trace"]["en"]
        assert "客户经理 王伟 振铃 1 秒" in pop["trace"]["zh"]
        assert await call.wait_answered(5) == PHONE.format("1001")
        assert not call.joined.is_set()                        # never waited in a queue
        assert call.variables["DIALSTATUS"] == "ANSWER"
        ended = await desk["1001"].next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "agent"
        assert await call.wait_ended(5) == "completed"
        assert any(cmd.startswith("GET DATA survey") for cmd in call.agi_commands)
        row = await stored(stack, call.call_id, survey_score=4)
        assert row["agent_login"] == "1001" and row["status"] == "completed"
        log = [entry["en"] for entry in json.loads(row["routing_trace"])["log"]]
        assert log == ["answered by 王伟", "survey: 4/5"]


async def test_the_caller_hanging_up_on_the_account_manager_is_reported_as_the_caller(tmp_path):
    async with running_stack(tmp_path, config=LADDER) as stack, desks(stack, "1001") as desk:
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.3, hangup_by="caller")
        assert await call.wait_answered(5) == PHONE.format("1001")
        ended = await desk["1001"].next("call", where=lambda c: c["state"] == "ended")
        assert ended["call_id"] == call.call_id and ended["reason"] == "caller"
        assert await call.wait_ended(5) == "completed"
        assert not any(cmd.startswith("GET DATA survey") for cmd in call.agi_commands)
        await stored(stack, call.call_id, status="completed", agent_login="1001")
        # As app_dial does on Asterisk 22.10.1: the agent's leg ends before the caller's own channel.
        hangups = [e.get("Channel") for e in stack.sim_events if e.name == "Hangup"
                   and e.get("Linkedid") == call.front.linkedid]
        agent = [name for name in hangups if name.startswith("Local/1001@agent-phones-")]
        assert hangups == [call.front.name, *sorted(agent), call.chan.name] and len(agent) == 2


async def test_vip_goes_from_the_account_manager_to_the_deputy_to_the_vip_pool(tmp_path):
    async with running_stack(tmp_path, config=ladder(overflow_after=60)) as stack:
        supervisor = Console(stack.base_url)
        try:
            await supervisor.login("9001", "demo9001", view="supervisor")
            async with desks(stack, "1001", "1003", "1002") as desk:
                stack.sim.phone(PHONE.format("1001")).answers = False      # the manager does not pick up
                stack.sim.phone(PHONE.format("1003")).answers = False      # nor does the deputy
                call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)

                def waiting(board):
                    vip = next(q for q in board["queues"] if q["name"] == "vip")
                    return next((c for c in vip["waiting"] if c["call_id"] == call.call_id and c["trace"]), None)

                board = await supervisor.next("wallboard", where=waiting)
                assert "account manager 王伟 rings 1 s → deputy 张敏 rings 1 s" in waiting(board)["trace"]["en"]

                for login in ("1001", "1003"):           # each rang with the pop, then lost it
                    await desk[login].next("pop", where=lambda p: p["call_id"] == call.call_id)
                    await desk[login].next("pop_withdrawn", where=lambda p: p["call_id"] == call.call_id)
                assert await call.wait_joined(10) == ("vip", 10)
                pop = await desk["1002"].next("pop", where=lambda p: p["call_id"] == call.call_id, timeout=15)
                assert "王伟: no answer → 张敏: no answer" in pop["trace"]["en"]
                assert await call.wait_answered(15) == PHONE.format("1002")
                row = await stored(stack, call.call_id, status="completed")
                trace = json.loads(row["routing_trace"])
                log = [entry["en"] for entry in trace["log"]]
                assert log[:2] == ["王伟: no answer", "张敏: no answer"]
                assert log[-1].startswith("answered by Emily Chen in vip")
                assert trace["plan"][0]["target"] == "1001" and trace["plan"][1]["target"] == "1003"
                assert row["agent_login"] == "1002" and row["queue"] == "vip"
        finally:
            await supervisor.close()


async def paused(desk, reason="lunch"):
    assert (await desk.send("pause", {"reason": reason}))["ok"]
    await desk.next("agent", where=lambda a: a["state"] == "paused")


async def test_a_vip_caller_overflows_from_the_vip_pool_to_the_standard_queue(tmp_path):
    # Asterisk 22 reports the vip step's timeout as QueueCallerAbandon + QueueCallerLeave: with a 1 s
    # callback threshold, taking it for an abandon would file a callback for a caller being served.
    config = {**LADDER, "callbacks": {"abandoned_after": 1}}
    async with running_stack(tmp_path, config=config) as stack, desks(stack, "1002", "1005") as desk:
        supervisor = Console(stack.base_url)
        try:
            await supervisor.login("9001", "demo9001", view="supervisor")
            # The VIP pool is staffed but its only agent is at lunch: after 1 s the caller moves on.
            await paused(desk["1002"])
            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)
            pop = await desk["1005"].next("pop", where=lambda p: p["call_id"] == call.call_id, timeout=15)
            assert "account manager 王伟 logged out" in pop["trace"]["en"]
            assert "queue vip (priority 10) for 1 s" in pop["trace"]["en"]
            assert "vip: no answer in 1 s → overflow" in pop["trace"]["en"]
            assert pop["queue"] == "standard"
            assert await call.wait_answered(10) == PHONE.format("1005")
            assert call.queue == "standard"
            assert stack.sim.queue_state("vip").abandoned == 1       # what app_queue itself counts
            row = await stored(stack, call.call_id, status="completed")
            assert row["queue"] == "standard" and row["agent_login"] == "1005" and row["answered_at"] is not None
            log = [entry["en"] for entry in json.loads(row["routing_trace"])["log"]]
            assert log[:2] == ["vip: no answer in 1 s → overflow", "queue standard"]
            assert log[-1].startswith("answered by 刘洋 in standard")
            assert await stack.store.list_callbacks(statuses=("pending", "dialing")) == []
            # Counted once, answered in standard; neither answered nor abandoned in vip.
            await stack.app[appkeys.RECORDER].flushed()
            async with supervisor.http.get(f"{supervisor.base_url}/api/reports?by=queue") as resp:
                by_queue = {r["key"]: r for r in (await resp.json())["rows"]}
            assert "vip" not in by_queue
            assert (by_queue["standard"]["answered"], by_queue["standard"]["abandoned"]) == (1, 0)
        finally:
            await supervisor.close()


async def test_a_caller_who_hangs_up_after_an_overflow_is_abandoned_and_called_back(tmp_path):
    # 1 s in vip + 1.5 s in standard: only the wait over both steps reaches the 2 s threshold.
    config = {**LADDER, "callbacks": {"abandoned_after": 2}}
    async with running_stack(tmp_path, config=config) as stack, desks(stack, "1002", "1005") as desk:
        await paused(desk["1002"])
        await paused(desk["1005"], "training")
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), patience=1.5)
        assert await call.wait_ended(15) == "abandoned"
        assert call.queue == "standard"
        [callback] = await eventually(lambda: stack.store.list_callbacks(statuses=("pending", "dialing")),
                                      what="the abandoned caller on the callback list")
        assert (callback["source"], callback["queue"], callback["call_id"]) == ("abandoned", "standard", call.call_id)
        row = await stored(stack, call.call_id, status="abandoned")
        assert row["queue"] == "standard" and row["hold_seconds"] >= 2
        log = [entry["en"] for entry in json.loads(row["routing_trace"])["log"]]
        assert log[:2] == ["vip: no answer in 1 s → overflow", "queue standard"]


async def test_a_waiting_caller_gains_priority_as_time_credit(tmp_path):
    aging = {"routing": {**LADDER["routing"], "aging": {"every_seconds": 1, "step": 1, "max_bonus": 3}}}
    async with running_stack(tmp_path, config=aging) as stack, desks(stack, "1005") as desk:
        assert (await desk["1005"].send("pause", {"reason": "training"}))["ok"]
        await desk["1005"].next("agent", where=lambda a: a["state"] == "paused")
        call = await stack.sim.place_call("13800000006", "Liu Qiang", digits=("1",), patience=10)
        assert await call.wait_joined(10) == ("standard", 0)

        async def priority_in_asterisk():
            waiting = stack.sim.queue_state("standard").waiting
            entry = next((w for w in waiting if w.call_id == call.call_id), None)
            return entry is not None and entry.priority >= 2 and entry.priority
        assert await eventually(priority_in_asterisk, timeout=8, what="QueueChangePriorityCaller raising the caller")
        stack.sim.hangup(call)


async def test_a_caller_with_an_open_complaint_reaches_its_owner_first(tmp_path):
    from sqlalchemy import insert

    from crm_bridge.models import Complaint
    rules = {"routing": {"complaint": {"ladder": [{"agent": "complaint_owner", "seconds": 2},
                                                  {"queue": "standard", "priority": 5}]}}}
    async with running_stack(tmp_path, config=rules) as stack:
        owner = await stack.store.agent_by_login("1003")                  # 张敏 took the first call
        card = (await stack.store.identify(DEMO_VIP_NUMBER))[0]
        async with stack.store.connect(write=True) as conn:
            await conn.execute(insert(Complaint).values(customer_id=card["customer_id"], category="billing",
                                                        severity="high", description="double charge",
                                                        status="in_progress", owner_agent_id=owner.id))
        async with desks(stack, "1003", "1002") as desk:
            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)
            pop = await desk["1003"].next("pop", where=lambda p: p["call_id"] == call.call_id)
            assert "open complaint #" in pop["trace"]["en"] and "complaint owner 张敏 rings 2 s" in pop["trace"]["en"]
            assert pop["card"]["open_complaints"][0]["owner_login"] == "1003"
            assert await call.wait_answered(5) == PHONE.format("1003")
            row = await stored(stack, call.call_id, status="completed")
            assert json.loads(row["routing_trace"])["case"] == "complaint" and row["agent_login"] == "1003"


async def test_the_survey_follows_a_queue_call_only_when_the_agent_hangs_up_first(tmp_path):
    async with running_stack(tmp_path, wrapup=0) as stack, desks(stack, "1005"):
        rated = await stack.sim.place_call("13800000006", "Liu Qiang", digits=("1", "5"), talk_seconds=0.2,
                                           hangup_by="agent")
        assert await rated.wait_answered(10) == PHONE.format("1005")
        assert await rated.wait_ended(10) == "completed"
        assert rated.variables["QUEUESTATUS"] == "CONTINUE"
        await stored(stack, rated.call_id, survey_score=5)

        left = await stack.sim.place_call("13800000007", "Caller", digits=("1", "5"), talk_seconds=0.2,
                                          hangup_by="caller")
        assert await left.wait_ended(15) == "completed"
        assert not any(c.startswith("GET DATA survey") for c in left.agi_commands)
        row = await stored(stack, left.call_id, status="completed")
        assert row["survey_score"] is None


async def test_the_demo_vip_rings_her_account_manager_with_the_shipped_complaint_rule(tmp_path):
    # README "Two commands": 1001 manages 李娜 and her phone rings directly. With config.yaml's routing,
    # complaints go before the tier ladder: it holds because the seeded complaint's owner is 1001.
    from pathlib import Path

    import yaml
    shipped = yaml.safe_load((Path(__file__).parents[2] / "config.yaml").read_text(encoding="utf-8"))
    rules = {"routing": {"complaint": shipped["routing"]["complaint"]}}
    async with running_stack(tmp_path, config=rules) as stack, desks(stack, "1001") as desk:
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)
        pop = await desk["1001"].next("pop", where=lambda p: p["call_id"] == call.call_id)
        assert "complaint owner 王伟 rings 20 s" in pop["trace"]["en"]
        assert await call.wait_answered(5) == PHONE.format("1001")

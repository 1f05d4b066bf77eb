"""The supervisor's emergency "closed now" switch, end to end: supervisor console -> server -> the IVR
of the next simulated call (closed message, CC_ACTION=closed, never queued) -> reopen -> queued again.
"""
from __future__ import annotations

from crm_bridge.seed import DEMO_VIP_NUMBER
from tests.e2e.stack import Console, eventually, running_stack
from tests.e2e.test_one_call import available_desk

VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")       # the caller ID as a Chinese carrier delivers it
INDIVIDUAL = "13800000006"                             # Liu Qiang, an individual: the standard queue


def switch_of(entries: list[dict], queue: str) -> dict:
    return next(e for e in entries if e["queue"] == queue)


async def assert_closed_in_the_ivr(call) -> None:
    """The call ended in the IVR: closed message streamed, CC_ACTION=closed, never joined a queue."""
    assert await call.wait_ended(10) == "ivr_hangup"
    assert not call.joined.is_set()
    assert call.variables.get("CC_ACTION") == "closed"
    assert "STREAM FILE closed" in " ".join(call.agi_commands)


async def test_closing_the_vip_queue_sends_the_next_caller_away_and_reopening_queues_them_again(tmp_path):
    async with running_stack(tmp_path) as stack:
        supervisor = Console(stack.base_url)
        watcher = Console(stack.base_url)                    # another supervisor's wallboard
        try:
            hello = await supervisor.login("9001", "demo9001", view="supervisor")
            assert switch_of(hello["switches"], "vip")["closed"] is False
            await watcher.login("9001", "demo9001", view="supervisor")
            async with available_desk(stack) as desk:
                reply = await supervisor.send("queue_switch", {"queue": "vip", "closed": True,
                                                               "reason": "system outage"})
                assert reply["ok"], reply
                seen = await watcher.next("switches", where=lambda d: switch_of(d["switches"], "vip")["closed"])
                assert switch_of(seen["switches"], "vip")["by"] == "9001"

                call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",))
                await assert_closed_in_the_ivr(call)

                async def recorded_as_ended_in_ivr():
                    rows = await stack.store.recent_interactions(20, status="ivr_hangup")
                    return next((r for r in rows if r["call_id"] == call.call_id), None)

                row = await eventually(recorded_as_ended_in_ivr, what="closed call recorded as ended in the IVR")
                assert row["queue"] == "vip" and row["agent_id"] is None

                reply = await supervisor.send("queue_switch", {"queue": "vip", "closed": False})
                assert reply["ok"] and reply["data"]["switch"]["closed"] is False, reply
                await watcher.next("switches", where=lambda d: not switch_of(d["switches"], "vip")["closed"])

                call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)
                assert await call.wait_joined(10) == ("vip", 10)
                assert call.variables.get("CC_ACTION") != "closed"
                pop = await desk.next("pop", where=lambda p: p["call_id"] == call.call_id)
                assert pop["card"]["name"] == "李娜"
        finally:
            await supervisor.close()
            await watcher.close()


async def test_a_closed_queue_stays_closed_after_a_server_restart(tmp_path):
    async with running_stack(tmp_path) as stack:
        supervisor = Console(stack.base_url)
        try:
            await supervisor.login("9001", "demo9001", view="supervisor")
            reply = await supervisor.send("queue_switch", {"queue": "standard", "closed": True, "reason": "台风"})
            assert reply["ok"], reply
        finally:
            await supervisor.close()

        async with stack.restarted_server() as again:
            supervisor = Console(again.base_url)
            try:
                hello = await supervisor.login("9001", "demo9001", view="supervisor")
                switch = switch_of(hello["switches"], "standard")
                assert (switch["closed"], switch["by"], switch["reason"]) == (True, "9001", "台风")

                call = await again.sim.place_call(INDIVIDUAL, "Liu Qiang", digits=("1",))
                await assert_closed_in_the_ivr(call)

                reply = await supervisor.send("queue_switch", {"queue": "standard", "closed": False})
                assert reply["ok"], reply
                call = await again.sim.place_call(INDIVIDUAL, "Liu Qiang", digits=("1",), patience=0.2)
                assert (await call.wait_joined(10))[0] == "standard"
            finally:
                await supervisor.close()

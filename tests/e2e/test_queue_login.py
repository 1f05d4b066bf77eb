"""Per-queue login end to end: an agent works only the queues they tick; the choice survives restarts."""
from __future__ import annotations

from tests.e2e.stack import Console, eventually, running_stack
from tests.e2e.test_one_call import go_available

AGENT = "Local/1002@agent-phones/n"          # Emily Chen: vip + standard


async def test_an_agent_who_leaves_a_queue_is_not_offered_its_calls_and_stays_out_after_a_restart(tmp_path):
    async with running_stack(tmp_path) as stack:
        desk = Console(stack.base_url)
        try:
            hello = await desk.login("1002", "demo1002")
            assert hello["snapshot"]["agent"]["all_queues"] == ["vip", "standard"]
            await go_available(desk)
            assert (await desk.send("queues", {"queues": ["vip"]}))["ok"]
            view = await desk.next("agent", where=lambda a: a["chosen_queues"] == ["vip"])
            assert view["all_queues"] == ["vip", "standard"]

            async def out_of_standard():
                return stack.sim.queue_state("standard").member(AGENT) is None
            await eventually(out_of_standard, what="1002 removed from standard in Asterisk")
            assert stack.sim.queue_state("vip").member(AGENT) is not None

            call = await stack.sim.place_call("13800000006", "Liu Qiang", digits=("1",), patience=1.0)
            assert (await call.wait_joined(10))[0] == "standard"
            assert await call.wait_ended(10) == "abandoned"      # nobody works standard now: 1002 never rang
            assert call.agent_interface is None

            bad = await desk.send("queues", {"queues": []})
            assert not bad["ok"] and bad["error"]["details"]["fields"] == {"queues": "invalid"}
        finally:
            await desk.close()
        async with stack.restarted_server() as again:
            console = Console(again.base_url)
            try:
                hello = await console.login("1002", "demo1002")
                assert hello["snapshot"]["agent"]["chosen_queues"] == ["vip"]
                assert again.sim.queue_state("standard").member(AGENT) is None
                assert again.sim.queue_state("vip").member(AGENT) is not None
            finally:
                await console.close()

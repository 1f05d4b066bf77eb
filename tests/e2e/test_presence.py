"""Presence across a server restart (issue 10): sockets dropped by a restart are not agents leaving."""
from __future__ import annotations

from callcenter import appkeys
from tests.e2e.stack import Console, eventually, running_stack

AGENT = "Local/1002@agent-phones/n"
SHORT = {"console": {"presence": {"disconnect_pause_seconds": 1, "disconnect_logout_seconds": 2}}}


async def test_a_server_restart_neither_pauses_nor_logs_out_an_agent_with_a_desk_open(tmp_path):
    async with running_stack(tmp_path, config=SHORT) as stack:
        console = Console(stack.base_url)
        try:
            hello = await console.login("1002", "demo1002")
            agent_id = hello["user"]["agent_id"]
            assert (await console.send("available"))["ok"]
            await console.next("agent", where=lambda a: a["state"] == "available")
            async with stack.restarted_server() as again:      # the old server closes every desk on its way out
                engine = again.app[appkeys.ENGINE]

                async def resynced():
                    agent = engine.model.agents.get(agent_id)
                    return agent is not None and agent.state.value == "available"

                await eventually(resynced, what="the agent available again after the resync")
                agent = engine.model.agents[agent_id]
                assert (agent.wants, agent.lost_from, agent.desk_seen) == ("available", None, False)
                assert not [key for key in engine._timers if key.startswith("presence-")]   # nobody is watched
                member = again.sim.queue_state("vip").member(AGENT)
                assert member is not None and not member.paused
                removed = [e for e in again.sim_events if e.name == "QueueMemberRemoved"]
                assert not removed
                record = await again.store.agent_by_login("1002")
                assert (record.presence, record.presence_reason) == ("available", "")
        finally:
            await console.close()

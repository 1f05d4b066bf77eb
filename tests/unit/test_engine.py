"""The engine shell: effects carried out, and what must not be lost at shutdown is not."""
from __future__ import annotations

import asyncio

from callcenter import domain as d
from callcenter.engine import Engine
from callcenter.settings import settings_from_mapping


class _Hub:
    def send_to_agent(self, agent_id, kind, data) -> None:
        pass

    def mark_wallboard_dirty(self) -> None:
        pass


class _Recorder:
    def record(self, interaction_id, fields) -> None:
        pass


async def test_the_last_wish_of_an_agent_is_saved_even_when_the_server_stops_right_after():
    saved: list[tuple[int, str, str]] = []
    gate, entered = asyncio.Event(), asyncio.Event()

    async def slow_save(agent_id: int, wants: str, reason: str) -> None:
        entered.set()
        await gate.wait()                      # the database is slow today
        saved.append((agent_id, wants, reason))

    async def send_ami(headers):
        return None

    async def identify(number):
        return []

    engine = Engine(settings_from_mapping({}), hub=_Hub(), recorder=_Recorder(), send_ami=send_ami,
                    identify=identify, save_presence=slow_save)
    await engine.start()
    engine.post(d.AgentsLoaded((d.AgentInfo(1, "1001", "Li", "Local/1001@agent-phones/n", ("vip",)),)))
    engine.post(d.AgentGoAvailable(1))
    engine.post(d.AgentGoPaused(1, "training"))
    await asyncio.wait_for(entered.wait(), 5)  # both commands applied (one batch); the save is stuck
    engine.post(d.AgentGoAvailable(1))         # a wish made while the save is stuck waits behind it
    engine.post(d.AgentGoPaused(1, "meeting"))
    asyncio.get_running_loop().call_soon(gate.set)
    await engine.stop()
    # One batch is one write, the last wish (callcenter/presence_writes.py); the wishes made during the
    # stuck save land after it, once, as the last of them.
    assert saved == [(1, "paused", "training"), (1, "paused", "meeting")]

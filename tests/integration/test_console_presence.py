"""The console tells the engine about desks (presence) and takes "pause after this call" (real websockets)."""
from __future__ import annotations

import asyncio
from typing import Any

from callcenter.domain import AgentPauseAfterCall, DeskConnected, DeskDisconnected
from tests.integration.test_console_web import TIMEOUT, Console, command, console, receive  # noqa: F401 (fixture)


def watch(console: Console, kind: type) -> asyncio.Event:
    """An event set when the engine is posted an event of *kind*."""
    seen = asyncio.Event()
    post = console.engine.post

    def spy(event: Any) -> None:
        post(event)
        if isinstance(event, kind):
            seen.set()
    console.engine.post = spy  # type: ignore[method-assign]
    return seen


async def test_the_last_desk_closing_is_posted_once_every_tab_is_gone(console: Console) -> None:
    gone = watch(console, DeskDisconnected)
    await console.login("alice")
    first, second = await console.ws(), await console.ws()
    await receive(first)
    await receive(second)
    assert console.engine.posted.count(DeskConnected(1)) == 2
    await first.close()
    assert (await command(second, "ping"))["ok"] is True      # the server has handled the first close by now
    assert not gone.is_set()                                  # another tab is still open: present
    await second.close()
    await asyncio.wait_for(gone.wait(), TIMEOUT)
    assert console.engine.posted[-1] == DeskDisconnected(1)


async def test_pause_after_call_arms_and_cancels(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    assert (await command(ws, "pause_after_call", {"reason": "lunch"}))["ok"] is True
    assert console.engine.posted[-1] == AgentPauseAfterCall(1, "lunch")
    assert (await command(ws, "pause_after_call", {"reason": None}))["ok"] is True
    assert console.engine.posted[-1] == AgentPauseAfterCall(1, "")
    bad = await command(ws, "pause_after_call", {"reason": "nap"})
    assert bad["ok"] is False and bad["error"]["id"] == "invalid-input"


async def test_the_supervisor_view_is_no_desk(console: Console) -> None:
    await console.login("sue")
    ws = await console.ws()
    await receive(ws)
    assert not any(isinstance(e, DeskConnected) for e in console.engine.posted)


async def test_a_server_shutting_down_is_not_the_agents_leaving(console: Console) -> None:
    await console.login("alice")
    ws = await console.ws()
    await receive(ws)
    await console.hub.close_all()                 # what on_shutdown does: every socket closed, then waited for
    assert (await asyncio.wait_for(ws.receive(), TIMEOUT)).type.name in ("CLOSE", "CLOSED", "CLOSING")
    await console.client.server.close()           # every handler has finished
    assert not any(isinstance(e, DeskDisconnected) for e in console.engine.posted)

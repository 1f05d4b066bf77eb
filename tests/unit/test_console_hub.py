"""The hub with stand-in sockets: encode once, per-socket queues, slow and broken browsers, notifier."""
from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from console import hub as hub_module
from console import protocol
from console.hub import Hub

TIMEOUT = 2.0


class FakeSocket:
    """What the hub uses of aiohttp's WebSocketResponse."""

    def __init__(self, *, stuck: bool = False, broken: bool = False) -> None:
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.stuck = stuck
        self.broken = broken
        self.closed = False
        self.close_code: int | None = None
        self.closed_event = asyncio.Event()

    async def send_str(self, text: str) -> None:
        if self.broken:
            raise ConnectionResetError("browser went away")
        if self.stuck:
            await asyncio.Event().wait()        # a browser that never reads
        await self.frames.put(orjson.loads(text))

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        self.closed, self.close_code = True, code
        self.closed_event.set()
        return True

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.frames.get(), TIMEOUT)


def hello() -> str:
    return protocol.encode("hello", {"seq": 0})


async def test_one_encode_per_send_whatever_the_number_of_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    hub = Hub()
    sockets = [FakeSocket() for _ in range(5)]
    conns = [hub.connect_agent(ws, 1, hello=hello()) for ws in sockets]
    calls = []
    real = protocol.encode
    monkeypatch.setattr(hub_module.protocol, "encode", lambda *a, **k: calls.append(a) or real(*a, **k))
    hub.send_to_agent(1, "pop", {"call_id": "c-1"})
    assert len(calls) == 1
    for ws in sockets:
        assert (await ws.next())["type"] == "hello"
        frame = await ws.next()
        assert (frame["type"], frame["seq"], frame["data"]) == ("pop", 1, {"call_id": "c-1"})
    for conn in conns:
        await hub.disconnect(conn)


async def test_a_stuck_browser_is_closed_4429_and_nobody_else_waits() -> None:
    hub = Hub(queue_size=4)
    stuck, healthy = FakeSocket(stuck=True), FakeSocket()
    hub.connect_agent(stuck, 1, hello=hello())
    other = hub.connect_agent(healthy, 2, hello=hello())
    await healthy.next()
    for n in range(10):                          # sync calls: they return at once, never wait for the browser
        hub.send_to_agent(1, "agent", {"n": n})
    await asyncio.wait_for(stuck.closed_event.wait(), TIMEOUT)
    assert stuck.close_code == protocol.CLOSE_TOO_SLOW
    assert hub.agents_online() == {2}
    for n in range(10):
        hub.send_to_agent(2, "agent", {"n": n})
        assert (await healthy.next())["data"]["n"] == n
    hub.send_to_agent(1, "agent", {"n": 10})
    assert hub.last_seq(1) == 11                 # the stuck agent's stream goes on, for its reconnect
    await hub.disconnect(other)
    await hub.close_all()


async def test_a_broken_socket_only_ends_its_own_writer() -> None:
    hub = Hub()
    broken, fine = FakeSocket(broken=True), FakeSocket()
    hub.connect_agent(broken, 1, hello=hello())
    conn = hub.connect_agent(fine, 1, hello=hello())
    await fine.next()
    for n in range(3):
        hub.send_to_agent(1, "agent", {"n": n})
    assert [(await fine.next())["seq"] for _ in range(3)] == [1, 2, 3]
    assert hub.agents_online() == {1}
    hub.send_to_agent(1, "agent", {"n": 9})
    assert (await fine.next())["seq"] == 4
    await hub.disconnect(conn)
    assert hub.agents_online() == frozenset()


async def test_replay_buffer_is_bounded_and_a_new_epoch_replays_all_it_has() -> None:
    hub = Hub(replay_size=3)
    for n in range(5):
        hub.send_to_agent(7, "agent", {"n": n})
    ws = FakeSocket()
    conn = hub.connect_agent(ws, 7, hello=hello(), resume=0, epoch=hub.epoch)
    await ws.next()
    assert [(await ws.next())["seq"] for _ in range(3)] == [3, 4, 5]
    await hub.disconnect(conn)
    ws = FakeSocket()
    conn = hub.connect_agent(ws, 7, hello=hello(), resume=4, epoch="an-older-process")
    await ws.next()
    assert [(await ws.next())["seq"] for _ in range(3)] == [3, 4, 5]
    await hub.disconnect(conn)


async def test_seq_is_per_agent_and_unencodable_data_is_dropped_without_raising() -> None:
    hub = Hub()
    for _ in range(3):
        hub.send_to_agent(1, "agent", {})
    hub.send_to_agent(2, "agent", {})
    assert (hub.last_seq(1), hub.last_seq(2)) == (3, 1)
    hub.send_to_agent(1, "agent", {"bad": object()})     # logged and dropped: the engine never sees it fail
    assert hub.last_seq(1) == 3
    hub.ack(1, 2)
    hub.ack(1, 99)          # beyond what was sent: ignored
    assert hub.acked(1) == 2


async def test_supervisor_broadcast_and_the_rate_limited_notifier() -> None:
    hub = Hub(wallboard_interval=0.2)
    boards: list[int] = []

    def wallboard() -> dict[str, Any]:
        boards.append(len(boards))
        return {"n": len(boards)}

    hub.mark_wallboard_dirty()              # nobody watching: no snapshot is taken
    await hub.start(wallboard)
    await asyncio.sleep(0)
    sup = FakeSocket()
    conn = hub.connect_supervisor(sup, 3, hello=hello())
    await sup.next()
    loop = asyncio.get_running_loop()
    for _ in range(50):                      # a burst of changes -> one snapshot now, one after the interval
        hub.mark_wallboard_dirty()
    first = await sup.next()
    started = loop.time()
    hub.mark_wallboard_dirty()
    second = await sup.next()
    assert first["type"] == "wallboard" and "seq" not in first
    assert loop.time() - started >= 0.15
    assert (first["data"]["n"], second["data"]["n"]) == (len(boards) - 1, len(boards))
    assert len(boards) <= 3
    assert hub.broadcast_supervisors("wallboard", {"n": 0}) == 1
    await hub.stop()
    await hub.disconnect(conn)


async def test_a_failing_wallboard_does_not_stop_the_notifier(caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub(wallboard_interval=0.01)
    results: list[Any] = [RuntimeError("engine hiccup"), {"ok": True}]

    def wallboard() -> dict[str, Any]:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    sup = FakeSocket()
    hub.connect_supervisor(sup, 3, hello=hello())
    await sup.next()
    await hub.start(wallboard)
    hub.mark_wallboard_dirty()
    await asyncio.sleep(0.05)
    hub.mark_wallboard_dirty()
    assert (await sup.next())["data"] == {"ok": True}
    assert "engine.wallboard() failed" in caplog.text
    await hub.stop()
    await hub.close_all()


async def test_close_all_closes_everyone_and_refuses_later_sockets() -> None:
    hub = Hub()
    agent_ws, sup_ws = FakeSocket(), FakeSocket()
    hub.connect_agent(agent_ws, 1, hello=hello())
    hub.connect_supervisor(sup_ws, 3, hello=hello())
    await hub.close_all()
    assert (agent_ws.close_code, sup_ws.close_code) == (protocol.CLOSE_GOING_AWAY, protocol.CLOSE_GOING_AWAY)
    assert hub.agents_online() == frozenset() and hub.supervisors_online() == 0
    late = FakeSocket()
    hub.connect_agent(late, 1, hello=hello())
    await hub.close_all()
    assert late.close_code == protocol.CLOSE_GOING_AWAY


async def test_start_needs_a_wallboard_source_and_runs_once() -> None:
    with pytest.raises(RuntimeError):
        await Hub().start()
    hub = Hub(wallboard=lambda: {})
    await hub.start()
    with pytest.raises(RuntimeError):
        await hub.start()
    await hub.stop()
    await hub.stop()                         # idempotent


async def test_lifetime_starts_and_stops_the_notifier() -> None:
    hub = Hub()
    ctx = hub.lifetime(lambda: {})(None)  # type: ignore[arg-type]
    await ctx.__anext__()
    assert hub._notifier is not None and not hub._notifier.done()
    task = hub._notifier
    with pytest.raises(StopAsyncIteration):
        await ctx.__anext__()
    assert task.done() and hub._notifier is None

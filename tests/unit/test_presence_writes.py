"""Presence writes coalesced per agent, pause periods in order per agent (callcenter/presence_writes.py)."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter import effects as fx
from callcenter.presence_writes import PresenceWrites

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.written: list[tuple[Any, ...]] = []

    async def save_presence(self, agent_id: int, wants: str, reason: str, **kw: Any) -> None:
        await asyncio.sleep(0)
        self.written.append(("presence", agent_id, wants, reason))

    async def pause_started(self, agent_id: int, reason: str, at: Any, limit_seconds: int | None) -> None:
        await asyncio.sleep(0)
        self.written.append(("started", agent_id, reason, at))

    async def pause_ended(self, agent_id: int, at: Any) -> None:
        await asyncio.sleep(0)
        self.written.append(("ended", agent_id, at))


async def test_a_storm_of_wishes_becomes_the_last_one_and_never_delays_another_agent() -> None:
    store = Store()
    writes = PresenceWrites(store.save_presence, store, concurrency=1)
    for i in range(1000):
        writes.presence(fx.SavePresence(1, "paused" if i % 2 else "available", "lunch" if i % 2 else ""))
        assert writes.pending(1) <= 1
    writes.presence(fx.SavePresence(2, "paused", "training"))
    assert await writes.drain(5)
    assert store.written == [("presence", 1, "paused", "lunch"), ("presence", 2, "paused", "training")]
    assert writes.coalesced == 999 and writes.writers == 0
    # A wish made while the previous one is being written waits for it, then lands after it.
    writes.presence(fx.SavePresence(1, "available"))
    await asyncio.sleep(0)                                  # the writer has started (stuck in the store)
    writes.presence(fx.SavePresence(1, "paused", "break"))
    writes.presence(fx.SavePresence(1, "paused", "meeting"))
    assert await writes.drain(5)
    assert store.written[2:] == [("presence", 1, "available", ""), ("presence", 1, "paused", "meeting")]


async def test_pause_periods_land_in_order_per_agent_and_a_flood_drops_whole_short_periods() -> None:
    store = Store()
    writes = PresenceWrites(store.save_presence, store, concurrency=1, max_pending=4)
    events: list[Any] = []
    for i in range(20):
        at = T0 + timedelta(seconds=i)
        events.append(fx.PauseStarted(1, "break", at) if i % 2 == 0 else fx.PauseEnded(1, at))
    for e in events:
        writes.pause(e)
        assert writes.pending(1) <= 5
    writes.pause(fx.PauseStarted(2, "lunch", T0))
    assert await writes.drain(5)
    mine = [w for w in store.written if w[1] == 1]
    assert [w[0] for w in mine] == ["started", "ended"] * (len(mine) // 2)      # still alternating
    assert [w[-1] for w in mine] == sorted(w[-1] for w in mine)                  # in time order
    assert mine[-1][-1] == T0 + timedelta(seconds=19)                             # the last one is kept
    assert writes.dropped_periods == 10 - len(mine) // 2 > 0
    assert store.written.index(("started", 2, "lunch", T0)) <= 2


async def test_a_failed_write_is_logged_and_the_next_wish_goes_on(caplog: Any) -> None:
    written: list[str] = []

    async def flaky(agent_id: int, wants: str, reason: str) -> None:
        if wants == "available":
            raise RuntimeError("database is locked")
        written.append(wants)

    writes = PresenceWrites(flaky, None)
    writes.presence(fx.SavePresence(1, "available"))
    await asyncio.sleep(0)
    writes.presence(fx.SavePresence(1, "paused", "lunch"))
    assert await writes.drain(5)
    assert written == ["paused"] and "database is locked" in caplog.text

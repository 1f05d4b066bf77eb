"""The spooled writes' rules, on a stand-in store that can be switched off: a write the database does not
take in time is kept; while writes are kept a new one goes behind them (never overtakes); they land in
the order they were made, and each kind's listeners hear the result."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from callcenter.errors import StoreUnavailable
from crm_bridge.spool.journal import Journal
from crm_bridge.spool.replay import Spool
from crm_bridge.spool.writes import CALLBACK, QUEUED, SpooledWrites


class SwitchableStore:
    def __init__(self) -> None:
        self.mode = "up"            # up | down (refuses at once) | hung (never answers)
        self.written: list[tuple[str, Any]] = []

    async def _gate(self) -> None:
        if self.mode == "down":
            raise StoreUnavailable("the CRM database is not reachable (test)")
        if self.mode == "hung":
            await asyncio.sleep(3600)

    async def set_presence(self, agent_id: int, presence: str, reason: str = "", *, queues: Any = None) -> None:
        await self._gate()
        self.written.append(("presence", (agent_id, presence, reason)))

    async def add_callback(self, **fields: Any) -> dict[str, Any]:
        await self._gate()
        self.written.append(("callback", fields["number"]))
        return {"id": len(self.written), **fields}


async def test_kept_writes_land_in_order_and_new_ones_wait_behind_them(tmp_path: Path) -> None:
    store = SwitchableStore()
    spool = Spool(Journal(tmp_path), retry_max=0.05, attempt_timeout=0.5)   # a hung try ends soon
    writes = SpooledWrites(store, spool, pause_log=None, wait=0.2)
    landed: list[dict[str, Any]] = []
    spool.on_landed(CALLBACK, lambda entry, row: landed.append({**row, "card": entry.args["card"]}))
    spool.open()
    await spool.start()

    assert await writes.set_presence(7, "available") is None and store.written == [("presence", (7, "available", ""))]
    store.mode = "hung"
    assert await writes.set_presence(7, "paused", "lunch") is QUEUED          # no answer in 0.2 s: kept
    store.mode = "down"
    assert await writes.add_callback(number="+861", queue="q", source="ivr", card={"name": "张三"}) is QUEUED
    store.mode = "up"                                                          # back, but older writes wait:
    assert await writes.set_presence(7, "available") is QUEUED                 # this one goes behind them
    await asyncio.wait_for(spool.drained(), 5)
    assert store.written[1:] == [("presence", (7, "paused", "lunch")), ("callback", "+861"),
                                 ("presence", (7, "available", ""))]
    assert landed == [{"id": 3, "number": "+861", "queue": "q", "source": "ivr", "card": {"name": "张三"}}]
    assert await writes.set_presence(7, "paused", "training") is None          # drained: straight to the store
    await spool.stop()

"""The recorder: batches, merges, retries transient failures, never lets one bad row block the rest."""
from __future__ import annotations

import asyncio

from callcenter.errors import StoreUnavailable, ValidationFailed
from callcenter.recorder import Recorder


class FlakyStore:
    def __init__(self, fail_times: int = 0, bad_agent: int | None = None) -> None:
        self.fail_times = fail_times
        self.bad_agent = bad_agent
        self.rows: dict[str, dict] = {}
        self.calls = 0

    async def write(self, rows) -> None:
        self.calls += 1
        if self.fail_times:
            self.fail_times -= 1
            raise StoreUnavailable()
        if self.bad_agent is not None and any(f.get("agent_id") == self.bad_agent for _, f in rows):
            raise ValidationFailed("the batch refers to a customer or agent that does not exist")
        for key, fields in rows:
            self.rows.setdefault(key, {}).update(fields)


async def test_updates_to_one_row_are_merged_later_fields_winning():
    store = FlakyStore()
    rec = Recorder(store.write)
    await rec.start()
    rec.record("a", {"status": "queued", "queue": "vip"})
    rec.record("a", {"status": "completed"})
    rec.record("b", {"status": "abandoned"})
    await asyncio.wait_for(rec.flushed(), 5)
    await rec.stop()
    assert store.rows == {"a": {"status": "completed", "queue": "vip"}, "b": {"status": "abandoned"}}
    assert store.calls == 1


async def test_database_down_is_retried_until_written():
    store = FlakyStore(fail_times=3)
    rec = Recorder(store.write, retry_max=0.01)
    await rec.start()
    rec.record("a", {"status": "completed"})
    await asyncio.wait_for(rec.flushed(), 5)
    await rec.stop()
    assert store.rows["a"]["status"] == "completed"


async def test_a_refused_row_does_not_block_the_others_and_keeps_its_facts():
    store = FlakyStore(bad_agent=999)
    rec = Recorder(store.write)
    await rec.start()
    rec.record("bad", {"status": "completed", "agent_id": 999, "queue": "vip"})
    rec.record("good", {"status": "abandoned", "agent_id": None})
    await asyncio.wait_for(rec.flushed(), 5)
    rec.record("later", {"status": "queued"})
    await asyncio.wait_for(rec.flushed(), 5)
    await rec.stop()
    assert store.rows["good"]["status"] == "abandoned"
    assert store.rows["bad"] == {"status": "completed", "queue": "vip"}
    assert store.rows["later"]["status"] == "queued"

"""Nothing a caller or an agent asked for is lost while the database is away (issue 11): the writes
are kept in the spool, survive a restart, and land in order when the database is back."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crm_bridge.pauses import PauseLog, open_pauses
from crm_bridge.records import ComplaintInput, Disposition
from crm_bridge.spool.journal import Journal
from crm_bridge.spool.replay import Spool
from crm_bridge.spool.writes import CALLBACK, DISPOSITION, QUEUED, SpooledWrites
from crm_bridge.store import Store
from tests.integration.outage import database_down

pytest_plugins = ["tests.integration.pg"]

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def spooled(store: Store, directory: Path) -> tuple[Spool, SpooledWrites, list[tuple[str, Any]]]:
    spool = Spool(Journal(directory), retry_max=0.2, attempt_timeout=2.0)
    writes = SpooledWrites(store, spool, PauseLog(store), wait=0.5)
    landed: list[tuple[str, Any]] = []
    spool.on_landed(CALLBACK, lambda entry, row: landed.append((CALLBACK, row)))
    spool.on_landed(DISPOSITION, lambda entry, result: landed.append((DISPOSITION, result)))
    spool.open()
    return spool, writes, landed


async def test_writes_during_an_outage_survive_a_restart_and_land_in_order(
        store: Store, database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    pg = request.getfixturevalue("pg_server") if database_url.startswith("postgresql") else None
    agent = (await store.agent_by_login("1001")).id
    spool, writes, _ = spooled(store, tmp_path / "spool")
    await spool.start()
    assert await writes.set_presence(agent, "available", "") is None        # the database is there: written now

    async with database_down(database_url, pg):
        kept = [
            await writes.add_callback(number="+8613800000001", queue="general", source="abandoned",
                                      credit_from=T0, card={"name": "张三", "since": T0}),
            await writes.add_callback(number="+8613800000002", queue="general", source="ivr", credit_from=T0),
            # the same caller again, earlier credit: one open request, the earlier place
            await writes.add_callback(number="+8613800000001", queue="general", source="ivr",
                                      credit_from=T0 - timedelta(minutes=5)),
            await writes.set_presence(agent, "paused", "lunch"),
            await writes.pause_started(agent, "lunch", T0, 3600),
            await writes.record_interactions([("i-out-1", {"call_id": "c-out-1", "agent_id": agent,
                                                           "status": "completed", "answered_at": T0,
                                                           "caller_number": "+8613800000003"})]),
            await writes.save_disposition(Disposition(
                interaction_id="i-out-1", call_id="c-out-1", agent_id=agent, outcome="resolved", notes="说明",
                complaint=ComplaintInput("billing", "high", "charged twice"))),
            await writes.set_presence(agent, "available", ""),              # the last wish wins
            await writes.pause_ended(agent, T0 + timedelta(minutes=30)),
        ]
        assert all(result is QUEUED for result in kept)
        assert writes.queued_outcomes() == {"i-out-1"}
        await spool.stop(drain_timeout=0.3)                                    # the server stops mid-outage

        spool, writes, landed = spooled(store, tmp_path / "spool")             # and starts again
        assert len(spool.journal.pending) == len(kept)
        assert writes.queued_outcomes() == {"i-out-1"}
        await spool.start()

    await spool.drained()
    assert spool.journal.pending == [] and spool.rejected == 0
    assert (tmp_path / "spool" / "writes.jsonl").stat().st_size == 0          # emptied once all landed
    open_rows = {r["number"]: r for r in await store.open_callbacks()}
    assert set(open_rows) == {"+8613800000001", "+8613800000002"}
    assert open_rows["+8613800000001"]["credit_from"].replace(tzinfo=UTC) == T0 - timedelta(minutes=5)
    row = await store.interaction("i-out-1")
    assert (row["outcome"], row["notes"], row["caller_number"]) == ("resolved", "说明", "+8613800000003")
    assert [c["category"] for c in row["complaints"]] == ["billing"]
    record = await store.agent_by_id(agent)
    assert (record.presence, record.presence_reason) == ("available", "")
    assert await open_pauses(store) == []
    callbacks = [row for kind, row in landed if kind == CALLBACK]
    assert [r["number"] for r in callbacks] == ["+8613800000001", "+8613800000002", "+8613800000001"]
    assert all(r["id"] for r in callbacks)
    assert [r.interaction_id for kind, r in landed if kind == DISPOSITION] == ["i-out-1"]
    await spool.stop()

    # replaying the same outcome again (a crash between landing and "done") files nothing twice
    spool, writes, _ = spooled(store, tmp_path / "spool")
    await spool.start()
    spool.keep(DISPOSITION, "i-out-1", {"disposition": {
        "interaction_id": "i-out-1", "call_id": "c-out-1", "agent_id": agent, "outcome": "resolved",
        "notes": "说明", "complaint": {"category": "billing", "severity": "high", "description": "charged twice"},
        "call_fields": {}, "follow_up": None}})
    await spool.drained()
    assert len((await store.interaction("i-out-1"))["complaints"]) == 1
    await spool.stop()


async def test_a_write_the_database_refuses_is_kept_aside_not_lost(store: Store, tmp_path: Path) -> None:
    spool, writes, _ = spooled(store, tmp_path / "spool")
    await spool.start()
    spool.keep(CALLBACK, "bad", {"fields": {"number": "", "queue": "general", "source": "ivr"}, "card": None})
    ok = spool.keep(CALLBACK, "+8613800000009",
                    {"fields": {"number": "+8613800000009", "queue": "general", "source": "ivr"}, "card": None})
    await spool.drained()
    assert spool.rejected == 1 and spool.landed == 1 and ok.seq == 2
    rejected = (tmp_path / "spool" / "rejected.jsonl").read_text()
    assert '"key":"bad"' in rejected and "does not fit" in rejected
    await spool.stop()

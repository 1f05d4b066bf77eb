"""A database written before a column existed keeps working: the store adds missing nullable columns."""
from __future__ import annotations

import sqlite3

from crm_bridge.store import Store


async def test_an_older_interactions_table_gets_the_new_columns(tmp_path):
    path = tmp_path / "old.db"
    store = Store(f"sqlite+aiosqlite:///{path}")
    await store.open()
    await store.close()
    with sqlite3.connect(path) as db:            # as the previous release left it: no trace, no survey
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'interactions'").fetchone()
        older = "\n".join(line for line in sql.splitlines() if "routing_trace" not in line and "survey_score" not in line)
        db.execute("DROP TABLE interactions")
        db.execute(older)
        assert "survey_score" not in {r[1] for r in db.execute("PRAGMA table_info(interactions)")}
    store = Store(f"sqlite+aiosqlite:///{path}")
    await store.open()
    try:
        await store.record_interactions([("i1", {"call_id": "c1", "status": "completed", "survey_score": 4,
                                                 "routing_trace": '{"case": "tier"}'})])
        row = await store.interaction("i1")
        assert (row["survey_score"], row["routing_trace"]) == (4, '{"case": "tier"}')
    finally:
        await store.close()

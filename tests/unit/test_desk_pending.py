"""The pending wrap-ups list the desk shows: stored rows and the engine's held wrap-ups, merged."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.desk.pending import merge

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def row(n: int, **extra):
    return {"interaction_id": f"ix{n}", "call_id": f"c{n}", "caller_number": f"138{n}", "queue": "vip",
            "answered_at": T0 + timedelta(minutes=n), **extra}


def test_one_item_per_call_oldest_first_with_the_stored_name():
    items = merge([row(2, name="赵敏"), row(1)], [row(2, name=None), row(3)], saved=set(), live=None)
    assert [i["interaction_id"] for i in items] == ["ix1", "ix2", "ix3"]
    assert items[1]["name"] == "赵敏" and items[0]["answered_at"] == (T0 + timedelta(minutes=1)).isoformat()


def test_a_call_saved_meanwhile_and_the_live_call_are_left_out():
    # ix2: the engine still holds it, the database already has its outcome; ix3: ringing/talking now.
    items = merge([row(1), row(3)], [row(2), row(3)], saved={"ix2"}, live="ix3")
    assert [i["interaction_id"] for i in items] == ["ix1"]

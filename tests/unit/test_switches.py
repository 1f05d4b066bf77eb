"""The supervisors' "closed now" queue switches: committed first, then in force, then announced."""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.errors import StoreUnavailable, ValidationFailed
from callcenter.settings import Settings
from callcenter.switches import MAX_REASON, NoSuchQueue, QueueSwitches
from console import protocol

T0 = datetime(2024, 5, 3, 8, 0, tzinfo=UTC)


class FakeStore:
    """Rows as the store keeps them; ``gates`` hold the next commits open, ``fail`` makes them fail."""

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows = {r["queue"]: r for r in rows or []}
        self.commits: list[tuple[str, bool, str, str, datetime]] = []
        self.gates: list[asyncio.Event] = []
        self.entered = asyncio.Event()
        self.fail: Exception | None = None
        self.on_commit: list[Any] = []

    async def queue_switches(self) -> list[dict[str, Any]]:
        if self.fail is not None:
            raise self.fail
        return list(self.rows.values())

    async def set_queue_switch(self, queue: str, *, closed: bool, reason: str, changed_by: str,
                               changed_at: datetime) -> dict[str, Any] | None:
        self.entered.set()
        if self.gates:
            await self.gates.pop(0).wait()
        if self.fail is not None:
            raise self.fail
        for hook in self.on_commit:
            hook()
        before = self.rows.get(queue)
        self.rows[queue] = {"queue": queue, "closed": closed, "reason": reason, "changed_by": changed_by,
                            "changed_at": changed_at}
        self.commits.append((queue, closed, reason, changed_by, changed_at))
        return before


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def make(store: FakeStore | None = None) -> tuple[QueueSwitches, FakeStore, list[tuple[str, dict[str, Any]]]]:
    store = store or FakeStore()
    sent: list[tuple[str, dict[str, Any]]] = []
    switches = QueueSwitches(Settings(), store, lambda kind, data: sent.append((kind, data)), clock=Clock())
    return switches, store, sent


async def test_nothing_is_closed_until_a_supervisor_says_so() -> None:
    switches, _, _ = make()
    await switches.load()
    assert switches.closed() == frozenset()
    assert switches.view() == [{"queue": q, "closed": False, "reason": "", "by": None, "at": None}
                               for q in ("vip", "enterprise", "standard")]


async def test_closing_commits_then_closes_then_tells_the_supervisors() -> None:
    switches, store, sent = make()
    seen_at_commit: list[frozenset[str]] = []
    store.on_commit.append(lambda: seen_at_commit.append(switches.closed()))
    entry = await switches.set("vip", True, by="9001", reason="fire drill")
    assert seen_at_commit == [frozenset()], "the switch must not be in force before it is committed"
    assert store.commits == [("vip", True, "fire drill", "9001", T0 + timedelta(minutes=1))]
    assert switches.closed() == {"vip"}
    assert entry == {"queue": "vip", "closed": True, "reason": "fire drill", "by": "9001",
                     "at": "2024-05-03T08:01:00+00:00"}
    assert sent == [("switches", {"switches": switches.view()})]
    assert switches.view()[0] == entry


async def test_reopening_keeps_who_and_when_and_opens_the_queue() -> None:
    switches, store, sent = make()
    await switches.set("standard", True, by="9001", reason="  system outage ")
    assert store.commits[0][2] == "system outage"
    entry = await switches.set("standard", False, by="9002")
    assert switches.closed() == frozenset()
    assert entry == {"queue": "standard", "closed": False, "reason": "", "by": "9002",
                     "at": "2024-05-03T08:02:00+00:00"}
    assert [data["switches"][2]["closed"] for _, data in sent] == [True, False]


async def test_an_unknown_queue_is_a_clear_error_and_nothing_is_saved() -> None:
    switches, store, sent = make()
    with pytest.raises(NoSuchQueue) as info:
        await switches.set("nope", True, by="9001")
    assert info.value.error_id == "no-such-queue"
    assert "'nope'" in info.value.message and "vip, enterprise, standard" in info.value.message
    assert store.commits == [] and sent == [] and switches.closed() == frozenset()


@pytest.mark.parametrize("kwargs,field", [
    ({"closed": "yes"}, "closed"),
    ({"reason": "x" * (MAX_REASON + 1)}, "reason"),
    ({"by": ""}, "by"),
])
async def test_bad_values_are_refused_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    switches, store, _ = make()
    args = {"closed": True, "by": "9001", "reason": "", **kwargs}
    with pytest.raises(ValidationFailed) as info:
        await switches.set("vip", args["closed"], by=args["by"], reason=args["reason"])
    assert field in info.value.details["fields"]
    assert store.commits == []


async def test_a_failed_commit_changes_nothing_and_tells_nobody() -> None:
    switches, store, sent = make()
    store.fail = StoreUnavailable()
    with pytest.raises(StoreUnavailable):
        await switches.set("vip", True, by="9001")
    assert switches.closed() == frozenset() and sent == []
    assert switches.view()[0]["closed"] is False


async def test_load_restores_the_closed_queues_and_ignores_queues_no_longer_configured(
        caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        {"queue": "vip", "closed": True, "reason": "outage", "changed_by": "9001", "changed_at": T0},
        {"queue": "standard", "closed": False, "reason": "", "changed_by": "9001", "changed_at": T0},
        {"queue": "retired", "closed": True, "reason": "", "changed_by": "9001", "changed_at": T0},
    ]
    switches, _, sent = make(FakeStore(rows))
    with caplog.at_level(logging.WARNING, logger="callcenter.switches"):
        await switches.load()
    assert switches.closed() == {"vip"}
    assert switches.view()[0] == {"queue": "vip", "closed": True, "reason": "outage", "by": "9001",
                                  "at": "2024-05-03T08:00:00+00:00"}
    assert switches.view()[2]["by"] == "9001" and switches.view()[2]["closed"] is False
    assert "'retired'" in caplog.text
    assert sent == []


async def test_load_fails_loudly_when_the_store_is_down() -> None:
    store = FakeStore()
    store.fail = StoreUnavailable()
    switches, _, _ = make(store)
    with pytest.raises(StoreUnavailable):
        await switches.load()


async def test_each_flip_is_logged_with_who_when_and_the_state_before(caplog: pytest.LogCaptureFixture) -> None:
    switches, _, _ = make()
    with caplog.at_level(logging.WARNING, logger="callcenter.switches"):
        await switches.set("vip", True, by="9001", reason="fire drill")
        await switches.set("vip", False, by="9002")
    first, second = (r.getMessage() for r in caplog.records)
    assert first == "queue vip CLOSED by 9001 at 2024-05-03T08:01:00+00:00 (was never switched): fire drill"
    assert second == ("queue vip reopened by 9002 at 2024-05-03T08:02:00+00:00 "
                      "(was closed since 2024-05-03T08:01:00+00:00 by 9001)")


async def test_a_failing_notifier_does_not_undo_a_committed_flip() -> None:
    def broken(kind: str, data: dict[str, Any]) -> None:
        raise RuntimeError("hub gone")

    store = FakeStore()
    switches = QueueSwitches(Settings(), store, broken)
    entry = await switches.set("vip", True, by="9001")
    assert entry["closed"] is True and switches.closed() == {"vip"} and len(store.commits) == 1


async def test_concurrent_flips_leave_memory_as_the_last_commit() -> None:
    """A slow first commit: the second flip waits for it instead of overtaking it in memory."""
    switches, store, sent = make()
    slow = asyncio.Event()
    store.gates.append(slow)
    first = asyncio.create_task(switches.set("vip", True, by="9001"))
    await asyncio.wait_for(store.entered.wait(), 5)
    second = asyncio.create_task(switches.set("vip", False, by="9002"))
    asyncio.get_running_loop().call_soon(slow.set)      # runs after the second flip's first step
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert [c[1] for c in store.commits] == [True, False]
    assert switches.closed() == frozenset() and store.rows["vip"]["closed"] is False
    assert sent[-1][1]["switches"][0]["by"] == "9002"


def test_closed_is_the_same_cheap_frozenset_between_flips() -> None:
    switches, _, _ = make()
    assert switches.closed() is switches.closed()


# --------------------------------------------------------------------------- the console command
def test_decode_queue_switch_trims_and_checks_types() -> None:
    data = protocol.decode_queue_switch({"queue": " vip ", "closed": True, "reason": " storm "})
    assert data == protocol.QueueSwitchData("vip", True, "storm")
    assert protocol.decode_queue_switch({"queue": "vip", "closed": False}).reason == ""
    assert "queue_switch" in protocol.COMMANDS and "queue_switch" in protocol.SUPERVISOR_COMMANDS


@pytest.mark.parametrize("data,field", [
    ({"closed": True}, "queue"),
    ({"queue": 7, "closed": True}, "queue"),
    ({"queue": "q" * 65, "closed": True}, "queue"),
    ({"queue": "vip"}, "closed"),
    ({"queue": "vip", "closed": 1}, "closed"),
    ({"queue": "vip", "closed": True, "reason": ["x"]}, "reason"),
    ({"queue": "vip", "closed": True, "reason": "r" * (protocol.MAX_SWITCH_REASON + 1)}, "reason"),
])
def test_decode_queue_switch_names_the_bad_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        protocol.decode_queue_switch(data)
    assert field in info.value.details["fields"]

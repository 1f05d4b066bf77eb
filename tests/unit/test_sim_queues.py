"""app_queue bookkeeping of the simulator: ordering, turns, strategies, statistics (pure)."""
from __future__ import annotations

import random

import pytest

from callcenter.simulator.config import QueueSpec, SimulatorConfig
from callcenter.simulator.queues import DEVICE_INUSE, Entry, Member, QueueState


def queue(strategy: str = "rrmemory", members: int = 3) -> QueueState:
    q = QueueState("vip", QueueSpec(strategy=strategy))  # type: ignore[arg-type]
    for i in range(1, members + 1):
        iface = f"Local/100{i}@agent-phones/n"
        q.members[iface] = Member(iface, f"agent100{i}", iface)
    return q


def test_callers_are_ordered_by_priority_then_arrival():
    q = queue()
    positions = [q.join(Entry(uid, prio, float(i))) for i, (uid, prio) in
                 enumerate([("a", 0), ("b", 10), ("c", 5), ("d", 10), ("e", 0)])]
    assert positions == [1, 1, 2, 2, 5]
    assert [e.uniqueid for e in q.entries] == ["b", "d", "c", "a", "e"]
    assert [e.original_position for e in q.entries] == [1, 2, 2, 1, 5]
    assert q.leave(q.entries[1]) == 2
    assert [q.position(e) for e in q.entries] == [1, 2, 3, 4]


def test_paused_busy_and_ringing_members_are_not_available():
    q = queue(members=4)
    m1, m2, m3, m4 = q.members.values()
    m1.paused = True
    m2.status = DEVICE_INUSE
    m3.ringing_for = "x"
    assert q.available() == [m4]


def test_autofill_turns():
    q = queue(members=2)
    entries = [Entry(str(i), 0, float(i)) for i in range(3)]
    for e in entries:
        q.join(e)
    assert [q.is_our_turn(e) for e in entries] == [True, True, False]
    entries[0].ringing = True            # a caller already ringing someone does not hold the others back
    assert q.is_our_turn(entries[2])
    for m in q.members.values():
        m.paused = True
    assert not q.is_our_turn(entries[0])


def test_rrmemory_rotates_after_the_last_member_rung():
    q = queue("rrmemory")
    rng = random.Random(1)
    picked = []
    for _ in range(4):
        [m] = q.choose(rng)
        picked.append(m.name)
        q.rr_last = m.interface
    assert picked == ["agent1001", "agent1002", "agent1003", "agent1001"]


def test_strategies():
    rng = random.Random(3)
    q = queue("ringall")
    assert [m.name for m in q.choose(rng)] == ["agent1001", "agent1002", "agent1003"]
    q = queue("linear")
    assert [m.name for m in q.choose(rng)] == ["agent1001"]
    q = queue("leastrecent")
    for m, last in zip(q.members.values(), (30, 10, 20)):
        m.last_call = last
    assert [m.name for m in q.choose(rng)] == ["agent1002"]
    q = queue("fewestcalls")
    for m, taken in zip(q.members.values(), (3, 2, 1)):
        m.calls_taken = taken
    assert [m.name for m in q.choose(rng)] == ["agent1003"]
    q = queue("random")
    assert len(q.choose(rng)) == 1


def test_lowest_penalty_first():
    q = queue("ringall")
    first, second, third = q.members.values()
    first.penalty = 1
    assert q.choose(random.Random()) == [second, third]


def test_statistics_like_app_queue():
    q = queue()
    q.record_connect(8)
    assert q.holdtime == 8                       # the first sample seeds the average
    q.record_connect(4)
    assert q.holdtime == (8 * 3 + 4) >> 2
    q.record_complete(8, 12)
    q.record_complete(40, 4)
    assert (q.completed, q.completed_in_sl, q.talktime) == (2, 1, (12 * 3 + 4) >> 2)
    q.record_abandon(5)
    assert q.service_level_perf() == ("50.0", "66.7")


def test_config_rejects_general_and_unknown_default():
    with pytest.raises(ValueError, match="general"):
        SimulatorConfig(queues={"general": QueueSpec()}, default_queue="general")
    with pytest.raises(ValueError, match="default_queue"):
        SimulatorConfig(queues={"vip": QueueSpec()}, default_queue="standard")
    with pytest.raises(ValueError, match="strategy"):
        QueueSpec(strategy="roundrobin")  # type: ignore[arg-type]

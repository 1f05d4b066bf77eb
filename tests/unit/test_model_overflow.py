"""A queue step that overflows vs a caller who abandons: the model sees them in Asterisk 22's real order.

On a real Asterisk 22.10.1 every ``Queue()`` exit without an agent sends ``QueueCallerAbandon`` then
``QueueCallerLeave`` (app_queue.c ``record_abandoned`` on the ``QUEUE_TIMEOUT`` path and on a hang-up;
``queue_abandon.ami.txt`` lines 1523 and 1739). What follows tells them apart: the caller channel's
``Hangup`` (line 1796, after the queue events) is an abandon; the same Uniqueid joining the next queue
or being dialled is an overflow. The events below are literal, in that order.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.tables import Activity, CallState
from tests.unit.test_model import IFACE, IFACE2, T0, VIP_CARD, agent_messages, make_model, of

CALLER = "Local/100@inbound-00000002;2"
WANG_LEG = "Local/1002@agent-phones-0000000a;1"
ROUTING = {"queue": "vip", "credit_seconds": 0, "first_target": None,
           "plan": [{"kind": "queue", "target": "vip", "seconds": 30, "priority": 10},
                    {"kind": "queue", "target": "standard", "seconds": None, "priority": 10}],
           "trace": {"en": "VIP by number → queue vip (priority 10) for 30 s", "zh": "VIP客户 → vip 队列 30 秒"}}


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def routed(model):
    model.apply(d.MemberAdded("standard", IFACE2, "1002"), T0)
    model.apply(d.IvrCompleted("c1", "+8613800000001", "vip", 10, VIP_CARD, ("1",), "service", "zh",
                               routing=ROUTING), T0)
    return model.apply(d.CallerJoined("c1", "vip", CALLER, "13800000001", "Li Na", 1, 1), T0)


def vip_times_out(model, after: int = 30):
    """app_queue's QUEUE_TIMEOUT path: QueueCallerAbandon (HoldTime = the wait in vip), QueueCallerLeave."""
    out = model.apply(d.CallerAbandoned("c1", "vip", 1, after), at(after))
    out += model.apply(d.CallerLeft("c1", "vip", 0), at(after))
    return out


def problems(effects):
    return [p for p in of(effects, fx.Problem)]


def statuses(effects):
    return [r.fields["status"] for r in of(effects, fx.RecordInteraction)]


def test_a_queue_timeout_is_not_an_abandon_and_the_next_queue_s_agent_gets_the_pop():
    model = make_model()
    out = routed(model)
    out += vip_times_out(model)
    assert model.calls["c1"].state is CallState.LEFT            # not final: what follows decides
    out += model.apply(d.CallerJoined("c1", "standard", CALLER, "13800000001", "Li Na", 1, 1), at(30))
    assert model.calls["c1"].state is CallState.QUEUED
    ring = model.apply(d.AgentRinging("c1", "standard", IFACE2, "1002"), at(33))
    (pop,) = agent_messages(ring, "pop")
    assert pop.agent_id == 2 and pop.data["queue"] == "standard"
    assert "vip: no answer in 30 s → overflow" in pop.data["trace"]["en"]
    out += ring
    out += model.apply(d.CallerLeft("c1", "standard", 0), at(35))
    out += model.apply(d.AgentAnswered("c1", "standard", IFACE2, "1002", 5, 2), at(35))
    out += model.apply(d.CallCompleted("c1", "standard", IFACE2, "1002", 5, 60, "caller"), at(95))
    out += model.apply(d.ChannelHungUp("c1", CALLER, 16), at(95))
    assert not problems(out)
    assert not of(out, fx.SaveCallback)
    assert "abandoned" not in statuses(out)
    row = of(out, fx.RecordInteraction)[-1].fields
    assert (row["status"], row["queue"], row["agent_id"]) == ("completed", "standard", 2)
    assert row["queued_at"] == T0                                # the wait counts from the first queue
    log = [entry["en"] for entry in json.loads(row["routing_trace"])["log"]]
    assert log[0] == "vip: no answer in 30 s → overflow" and log[1] == "queue standard"
    assert log[-1].startswith("answered by Wang Wei in standard")


def test_a_caller_hanging_up_in_the_queue_is_abandoned_only_at_the_hangup():
    """The order of queue_abandon.ami.txt: Abandon, Leave, then the caller channel's Hangup."""
    model = make_model()
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.CallerJoined("c9", "vip", CALLER, "13800000002", "Abandoner", 1, 1), T0)
    model.apply(d.AgentRinging("c9", "vip", IFACE, "1001"), at(10))
    gone = model.apply(d.CallerAbandoned("c9", "vip", 1, 12), at(12))
    assert agent_messages(gone, "pop_withdrawn")[0].data == {"call_id": "c9"}    # the phone stopped ringing
    assert model.agents[1].activity is Activity.IDLE
    assert not of(gone, fx.SaveCallback) and "abandoned" not in statuses(gone)
    gone += model.apply(d.CallerLeft("c9", "vip", 0), at(12))
    end = model.apply(d.ChannelHungUp("c9", CALLER, 16), at(12))
    assert not problems(gone + end)
    (row,) = of(end, fx.RecordInteraction)
    assert row.fields["status"] == "abandoned" and row.fields["hold_seconds"] == 12
    assert row.fields["ended_at"] == at(12)
    (callback,) = of(end, fx.SaveCallback)
    assert (callback.fields["queue"], callback.fields["source"]) == ("vip", "abandoned")
    assert "c9" not in model.calls


def test_an_abandon_after_an_overflow_files_the_callback_for_the_whole_wait():
    model = make_model()
    out = routed(model)
    out += vip_times_out(model, after=8)                         # 8 s in vip: under the 10 s threshold alone
    out += model.apply(d.CallerJoined("c1", "standard", CALLER, "13800000001", "Li Na", 1, 1), at(8))
    out += model.apply(d.CallerAbandoned("c1", "standard", 1, 4), at(12))
    out += model.apply(d.CallerLeft("c1", "standard", 0), at(12))
    assert not of(out, fx.SaveCallback)
    end = model.apply(d.ChannelHungUp("c1", CALLER, 16), at(12))
    assert not problems(out + end)
    (callback,) = of(end, fx.SaveCallback)                       # 8 s + 4 s = 12 s >= 10 s
    assert callback.fields["queue"] == "standard" and callback.fields["credit_from"] == T0
    row = of(end, fx.RecordInteraction)[-1].fields
    assert (row["status"], row["queue"], row["hold_seconds"]) == ("abandoned", "standard", 12)
    log = [entry["en"] for entry in json.loads(row["routing_trace"])["log"]]
    assert log[0] == "vip: no answer in 8 s → overflow"


def test_a_caller_hanging_up_while_an_agent_step_rings_after_an_overflow_ends_abandoned():
    model = make_model()
    routed(model)
    vip_times_out(model)
    ring = model.apply(d.DialStarted("c1", "9.9", WANG_LEG, "1002@agent-phones/n", CALLER), at(30))
    (pop,) = agent_messages(ring, "pop")
    assert pop.agent_id == 2 and model.calls["c1"].state is CallState.DIALING
    end = model.apply(d.DialFinished("c1", "9.9", "CANCEL"), at(40))
    end += model.apply(d.ChannelHungUp("c1", CALLER, 16), at(40))
    assert not problems(end)
    assert agent_messages(end, "pop_withdrawn")[0].agent_id == 2
    assert model.agents[2].activity is Activity.IDLE and "c1" not in model.calls
    row = of(end, fx.RecordInteraction)[-1].fields
    assert (row["status"], row["hold_seconds"], row["ended_at"]) == ("abandoned", 40, at(40))
    assert len(of(end, fx.SaveCallback)) == 1


# (events after the first join, in order) -> the call's state after the last one
SEQUENCES = {
    "timeout, then the next queue": ([d.CallerAbandoned("c1", "vip", 1, 30), d.CallerLeft("c1", "vip"),
                                      d.CallerJoined("c1", "standard", CALLER, "1", "", 1, 1)], CallState.QUEUED),
    "timeout, then an agent step": ([d.CallerAbandoned("c1", "vip", 1, 30), d.CallerLeft("c1", "vip"),
                                     d.DialStarted("c1", "9.9", WANG_LEG)], CallState.DIALING),
    "timeout, then the hang-up": ([d.CallerAbandoned("c1", "vip", 1, 30), d.CallerLeft("c1", "vip"),
                                   d.ChannelHungUp("c1", CALLER)], None),
    "abandon, waiting for what follows": ([d.CallerAbandoned("c1", "vip", 1, 30), d.CallerLeft("c1", "vip")],
                                          CallState.LEFT),
    "leave without an abandon (link gap), then the hang-up": ([d.CallerLeft("c1", "vip"),
                                                              d.ChannelHungUp("c1", CALLER)], None),
}


@pytest.mark.parametrize("events, state", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_what_follows_a_queue_exit_decides(events, state):
    model = make_model()
    out = routed(model)
    for i, event in enumerate(events):
        out += model.apply(event, at(30 + i))
    assert not problems(out)
    if state is None:
        assert "c1" not in model.calls and statuses(out)[-1] == "abandoned"
    else:
        assert model.calls["c1"].state is state and "abandoned" not in statuses(out)


def test_the_recorded_abandon_replayed_into_the_model_is_abandoned_at_the_caller_s_hangup():
    from tests.unit.test_ami_replay import ABANDON_CALL, replay
    events, _ = replay("queue_abandon.ami.txt")
    model = make_model()
    seen = []
    for event in events:
        effects = model.apply(event, at(5))
        seen.append((type(event).__name__, statuses(effects)))
        assert not problems(effects)
    assert seen[-3:] == [("CallerAbandoned", []), ("CallerLeft", ["left"]), ("ChannelHungUp", ["abandoned"])]
    assert ABANDON_CALL not in model.calls


def test_after_a_blind_transfer_to_a_queue_only_the_wait_since_the_transfer_counts():
    model = make_model()
    routed(model)
    model.apply(d.AgentRinging("c1", "vip", IFACE2, "1002"), at(1))
    model.apply(d.CallerLeft("c1", "vip", 0), at(2))
    model.apply(d.AgentAnswered("c1", "vip", IFACE2, "1002", 2, 1), at(2))
    model.apply(d.CallTransferred("c1", WANG_LEG, "queue-direct", "standard"), at(100))
    out = model.apply(d.CallerJoined("c1", "standard", CALLER, "13800000001", "Li Na", 1, 1), at(100))
    out += model.apply(d.CallerAbandoned("c1", "standard", 1, 4), at(104))
    out += model.apply(d.CallerLeft("c1", "standard", 0), at(104))
    out += model.apply(d.ChannelHungUp("c1", CALLER, 16), at(104))
    assert not problems(out) and not of(out, fx.SaveCallback)      # 4 s < 10 s: the talk is no wait
    row = of(out, fx.RecordInteraction)[-1].fields
    assert (row["status"], row["hold_seconds"]) == ("abandoned", 4)

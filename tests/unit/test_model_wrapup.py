"""Wrap-up that cannot be cut short: the agent is out of every queue from the call's connect until the
outcome is saved or the wrap-up timer ends, and the desk is told when the timer ends."""
from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model import views
from callcenter.model.tables import Activity
from tests.unit.test_model import IFACE, T0, VIP_CARD, agent_messages, make_model, of
from tests.unit.test_model_routes import LEG, routed

CALLER = "Local/100@inbound-00000000;2"


def pauses(effects):
    return [(a.headers["Queue"], a.headers["Paused"], a.headers.get("Reason")) for a in of(effects, fx.AmiAction)
            if a.headers["Action"] == "QueuePause"]


def in_both_queues(model):
    model.agents[1].wants = "available"
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.MemberAdded("standard", IFACE, "1001"), T0)


def queue_call_connected(model):
    model.apply(d.IvrCompleted("c1", "+8613800000001", "vip", 10, VIP_CARD), T0)
    model.apply(d.CallerJoined("c1", "vip", CALLER, "13800000001", "", 1, 1), T0)
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), T0 + timedelta(seconds=2))
    return model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 3, 1), T0 + timedelta(seconds=3))


def asterisk_confirms(model, *queues, paused=True, reason="wrap-up"):
    for queue in queues:
        model.apply(d.MemberPaused(queue, IFACE, "1001", paused, reason if paused else ""), T0 + timedelta(seconds=3))


def test_a_queue_call_pauses_the_agent_in_every_queue_on_connect_and_the_desk_shows_on_call():
    model = make_model()
    in_both_queues(model)
    connect = queue_call_connected(model)
    assert pauses(connect) == [("standard", "true", "wrap-up"), ("vip", "true", "wrap-up")]
    asterisk_confirms(model, "vip", "standard")
    agent = model.agents[1]
    assert agent.state.value == "on_call" and agent.view()["reason"] == ""


def test_a_direct_dial_step_answer_pauses_the_agent_too():
    model = make_model()
    routed(model)
    model.agents[1].wants = "available"
    model.apply(d.DialStarted("c1", "9.9", LEG, "1001@agent-phones/n"), T0)
    answer = model.apply(d.DialFinished("c1", "9.9", "ANSWER"), T0 + timedelta(seconds=5))
    assert pauses(answer) == [("vip", "true", "wrap-up")]
    assert model.agents[1].state.value == "on_call"


def test_the_end_of_a_call_sends_no_second_pause_and_tells_the_desk_when_the_wrap_up_ends():
    model = make_model(wrapup=30)
    in_both_queues(model)
    queue_call_connected(model)
    asterisk_confirms(model, "vip", "standard")
    done = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 3, 60, "caller"), T0 + timedelta(seconds=63))
    assert pauses(done) == []                      # the pause from the connect holds
    (frame,) = agent_messages(done, "agent")
    assert frame.data["state"] == "wrap_up"
    assert frame.data["wrapup_ends_at"] == (T0 + timedelta(seconds=93)).isoformat()


@pytest.mark.parametrize("ending", [d.DispositionSaved(1, "c1", "resolved"), d.WrapUpExpired(1, "c1")])
def test_saving_or_the_timer_is_what_brings_the_agent_back(ending):
    model = make_model()
    in_both_queues(model)
    queue_call_connected(model)
    asterisk_confirms(model, "vip", "standard")
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 3, 60, "caller"), T0 + timedelta(seconds=63))
    back = model.apply(ending, T0 + timedelta(seconds=70))
    assert sorted(pauses(back)) == [("standard", "false", None), ("vip", "false", None)]
    assert model.agents[1].view()["wrapup_ends_at"] is None


def test_a_reconnect_during_the_call_keeps_the_agent_out_of_the_queues():
    # The AMI link came back while the agent talks and Asterisk had lost the pause (a restart):
    # re-telling what agents want must not put a talking agent back in the queues.
    model = make_model()
    in_both_queues(model)
    queue_call_connected(model)
    out = model.apply(d.QueueSnapshot(members=(d.MemberAdded("vip", IFACE, "1001"),
                                               d.MemberAdded("standard", IFACE, "1001"))), T0 + timedelta(seconds=9))
    assert pauses(out) == [("vip", "true", "wrap-up"), ("standard", "true", "wrap-up")]
    assert model.agents[1].activity is Activity.ON_CALL


def test_an_agent_who_paused_keeps_their_own_reason_through_the_call():
    model = make_model()
    in_both_queues(model)
    queue_call_connected(model)
    asterisk_confirms(model, "vip", "standard")
    model.apply(d.AgentGoPaused(1, "lunch"), T0 + timedelta(seconds=10))
    asterisk_confirms(model, "vip", "standard", reason="lunch")
    done = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 3, 60, "caller"), T0 + timedelta(seconds=63))
    assert pauses(done) == []
    saved = model.apply(d.DispositionSaved(1, "c1", "resolved"), T0 + timedelta(seconds=70))
    assert pauses(saved) == []                     # still paused for lunch: nothing to change
    assert model.agents[1].state.value == "paused"


def test_the_wallboard_shows_each_agent_s_missing_outcomes_as_the_store_counted_them():
    model = make_model()
    in_both_queues(model)
    queue_call_connected(model)
    done = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 3, 60, "caller"), T0 + timedelta(seconds=63))
    assert fx.CountMissingOutcomes() in done               # counted again once the call ended
    out = model.apply(d.MissingOutcomesCounted(((1, 3),)), T0 + timedelta(seconds=64))
    assert out == [fx.SupervisorsChanged()]
    board = {a["agent_id"]: a for a in views.wallboard(model, T0)["agents"]}
    assert board[1]["missing_outcomes"] == 3 and board[2]["missing_outcomes"] == 0
    assert fx.CountMissingOutcomes() in model.apply(d.DispositionSaved(1, "c1", "resolved"), T0 + timedelta(seconds=70))
    assert model.apply(d.MissingOutcomesCounted(((1, 3),)), T0 + timedelta(seconds=71)) == []   # unchanged


def test_with_no_wrap_up_time_the_agent_is_back_in_the_queues_as_the_call_ends():
    model = make_model(wrapup=0)
    in_both_queues(model)
    connect = queue_call_connected(model)
    assert len(pauses(connect)) == 2                       # out of the queues while talking all the same
    asterisk_confirms(model, "vip", "standard")
    done = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 3, 60, "caller"), T0 + timedelta(seconds=63))
    (timer,) = of(done, fx.StartTimer)
    assert timer.seconds == 0.0 and pauses(done) == []
    back = model.apply(timer.event, T0 + timedelta(seconds=63))
    assert sorted(pauses(back)) == [("standard", "false", None), ("vip", "false", None)]

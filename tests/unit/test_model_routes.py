"""The model on the live routing path: a ladder's agent step (Dial), time credit, the survey answer."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model import views
from callcenter.model.routes import channel_device
from callcenter.model.tables import Activity, CallState
from tests.unit.test_model import IFACE, T0, VIP_CARD, agent_messages, make_model, of

CALLER = "Local/100@inbound-00000000;2"
LEG = "Local/1001@agent-phones-0000002a;1"
ROUTING = {"queue": "vip", "credit_seconds": 0, "first_target": "1001",
           "plan": [{"kind": "agent", "target": "1001", "seconds": 20, "priority": 0},
                    {"kind": "queue", "target": "vip", "seconds": 60, "priority": 10},
                    {"kind": "queue", "target": "standard", "seconds": None, "priority": 10}],
           "trace": {"en": "VIP by number → account manager 李娜 rings 20 s", "zh": "VIP客户（按号码识别）→ 客户经理 李娜 振铃 20 秒"}}


def routed(model, *, survey=False):
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    return model.apply(d.IvrCompleted("c1", "+8613800000001", "vip", 10, VIP_CARD, ("1",), "service", "zh",
                                      routing=ROUTING, survey=survey), T0)


def test_channel_names_map_to_their_device():
    assert channel_device(LEG) == "Local/1001@agent-phones"
    assert channel_device("PJSIP/1001-0000000a") == "PJSIP/1001"


def test_a_direct_ring_pops_the_agent_then_connects_completes_and_wraps_up():
    model = make_model()
    routed(model)
    ring = model.apply(d.DialStarted("c1", "9.9", LEG, "1001@agent-phones/n"), T0 + timedelta(seconds=2))
    (pop,) = agent_messages(ring, "pop")
    assert pop.agent_id == 1 and pop.data["trace"]["en"].startswith("VIP by number → account manager")
    assert model.calls["c1"].state is CallState.DIALING and model.agents[1].activity is Activity.RINGING
    assert views.wallboard(model, T0)["queues"][0]["waiting"][0]["state"] == "dialing"
    answer = model.apply(d.DialFinished("c1", "9.9", "ANSWER"), T0 + timedelta(seconds=5))
    assert agent_messages(answer, "call")[0].data["state"] == "connected"
    assert model.calls["c1"].agent_id == 1 and model.calls["c1"].hold_seconds == 3
    done = model.apply(d.ChannelHungUp("9.9", LEG, 16), T0 + timedelta(seconds=65))     # the agent hangs up
    assert agent_messages(done, "call")[0].data["reason"] == "agent"
    assert model.agents[1].activity is Activity.WRAP_UP
    assert of(done, fx.StartTimer)[0].key == "wrapup:1"
    record = of(done, fx.RecordInteraction)[0].fields
    assert record["status"] == "completed" and record["talk_seconds"] == 60
    assert json.loads(record["routing_trace"])["log"] == [{"en": "answered by 李娜", "zh": "李娜 接听"}]


def connected_direct(model):
    routed(model)
    model.apply(d.DialStarted("c1", "9.9", LEG, "1001@agent-phones/n"), T0)
    model.apply(d.DialFinished("c1", "9.9", "ANSWER"), T0 + timedelta(seconds=5))


# The Hangup order Asterisk 22.10.1 gives when the CALLER of a Dial() step hangs up: app_dial hangs up
# the agent's leg before the caller's own channel ends. Only the caller's HangupRequest comes first.
CALLER_HANGS_UP_LOCAL = [
    d.HangupRequested("c1", CALLER, 16),                                  # its ;1 half is gone
    d.ChannelHungUp("c0", "Local/100@inbound-00000000;1", 16),            # caller ;1
    d.ChannelHungUp("9.9", LEG, 16),                                      # agent ;1 (the dialled leg)
    d.ChannelHungUp("9.10", "Local/1001@agent-phones-0000002a;2", 16),   # agent ;2
    d.ChannelHungUp("c1", CALLER, 16),                                    # caller ;2 (the call)
]
CALLER_HANGS_UP_SIP = [
    d.HangupRequested("c1", "PJSIP/carrier-00000001", 16),                # the BYE (ast_queue_hangup)
    d.ChannelHungUp("9.9", LEG, 16),
    d.ChannelHungUp("9.10", "Local/1001@agent-phones-0000002a;2", 16),
    d.ChannelHungUp("c1", "PJSIP/carrier-00000001", 16),
]
AGENT_HANGS_UP = [                       # option g: the caller's channel goes on (survey), ends later
    d.ChannelHungUp("9.10", "Local/1001@agent-phones-0000002a;2", 16),
    d.ChannelHungUp("9.9", LEG, 16),
    d.HangupRequested("c1", CALLER, 16),                                  # after the survey
    d.ChannelHungUp("c0", "Local/100@inbound-00000000;1", 16),
    d.ChannelHungUp("c1", CALLER, 16),
]


@pytest.mark.parametrize(("events", "reason"), [(CALLER_HANGS_UP_LOCAL, "caller"), (CALLER_HANGS_UP_SIP, "caller"),
                                                (AGENT_HANGS_UP, "agent")], ids=["local-caller", "sip-caller", "agent"])
def test_who_hung_up_a_direct_call_in_the_order_asterisk_reports_it(events, reason):
    model = make_model()
    connected_direct(model)
    out = []
    for i, event in enumerate(events):
        out += model.apply(event, T0 + timedelta(seconds=60 + i))
    (ended,) = [m for m in agent_messages(out, "call") if m.data["state"] == "ended"]
    assert ended.data["reason"] == reason and ended.data["talk_seconds"] >= 55
    assert model.agents[1].activity is Activity.WRAP_UP and "c1" not in model.calls
    assert of(out, fx.RecordInteraction)[-1].fields["status"] == "completed" and not of(out, fx.Problem)


def test_a_direct_ring_not_answered_frees_the_agent_and_the_call_moves_on():
    model = make_model()
    routed(model)
    model.apply(d.DialStarted("c1", "9.9", LEG), T0)
    out = model.apply(d.DialFinished("c1", "9.9", "NOANSWER"), T0 + timedelta(seconds=20))
    assert agent_messages(out, "pop_withdrawn")[0].agent_id == 1
    assert model.agents[1].activity is Activity.IDLE and model.calls["c1"].state is CallState.LEFT
    joined = model.apply(d.CallerJoined("c1", "vip", CALLER, "138", "", 1, 1), T0 + timedelta(seconds=21))
    assert model.calls["c1"].state is CallState.QUEUED
    assert [e for e in model.calls["c1"].route_log] == [("李娜: no answer", "李娜：未接听"), ("queue vip", "vip 队列")]
    assert not of(joined, fx.Problem)


def test_the_caller_hanging_up_while_the_agent_rings_is_an_abandon():
    model = make_model()
    routed(model)
    model.apply(d.DialStarted("c1", "9.9", LEG), T0)
    model.apply(d.DialFinished("c1", "9.9", "CANCEL"), T0 + timedelta(seconds=3))
    out = model.apply(d.ChannelHungUp("c1", CALLER, 16), T0 + timedelta(seconds=3))
    assert of(out, fx.RecordInteraction)[-1].fields["status"] == "abandoned"
    assert model.agents[1].activity is Activity.IDLE and "c1" not in model.calls


def test_app_queue_dials_are_left_to_agent_called():
    model = make_model()
    routed(model)
    model.apply(d.CallerJoined("c1", "vip", CALLER, "138", "", 1, 1), T0)
    assert model.apply(d.DialStarted("c1", "9.9", LEG), T0) == []
    assert model.calls["c1"].state is CallState.QUEUED and model.agents[1].activity is Activity.IDLE


def test_waiting_callers_gain_priority_as_time_credit():
    model = make_model()
    routed(model)
    joined = model.apply(d.CallerJoined("c1", "vip", CALLER, "138", "", 1, 1), T0)
    (timer,) = of(joined, fx.StartTimer)
    assert timer.key == "aging:c1" and timer.seconds == 30 and timer.event == d.AgingDue("c1")
    aged = model.apply(d.AgingDue("c1"), T0 + timedelta(seconds=30))
    (action,) = of(aged, fx.AmiAction)
    assert action.headers == {"Action": "QueueChangePriorityCaller", "Queue": "vip", "Caller": CALLER,
                              "Priority": "11", "Immediate": "yes"}
    assert model.calls["c1"].priority == 11
    capped = model.apply(d.AgingDue("c1"), T0 + timedelta(seconds=3600))
    assert of(capped, fx.AmiAction)[0].headers["Priority"] == "22"      # base 10 + max_bonus 12
    assert not of(capped, fx.StartTimer)                                # nothing more to gain


def test_a_survey_answer_is_recorded_with_the_call():
    model = make_model()
    routed(model, survey=True)
    out = model.apply(d.SurveyAnswered("c1", 5), T0)
    assert of(out, fx.RecordInteraction)[0].fields["survey_score"] == 5
    assert of(model.apply(d.SurveyAnswered("c1", 9), T0), fx.Problem)
    assert of(model.apply(d.SurveyAnswered("nope", 3), T0), fx.Problem)

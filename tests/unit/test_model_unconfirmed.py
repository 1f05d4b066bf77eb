"""Calls known only from a FastAGI session expire unless Asterisk (AMI) confirms them (issue 11)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import translate
from callcenter.model.state import Model
from callcenter.settings import settings_from_mapping
from tests.recordings import recording

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(seconds=45)
CARD = {"customer_id": 7, "name": "赵敏", "customer_type": "vip", "value_class": "major"}


def make_model(seconds: float = 45) -> Model:
    ids = iter(f"ix{i}" for i in range(1000))
    model = Model(settings_from_mapping({"fastagi": {"unconfirmed_call_seconds": seconds}}),
                  new_id=lambda: next(ids))
    model.apply(d.AmiConnected(), T0)
    model.apply(d.ChannelsSnapshot(frozenset()), T0)
    return model


def of(effects, kind):
    return [e for e in effects if isinstance(e, kind)]


def ivr_result(call_id: str = "c1") -> d.IvrCompleted:
    return d.IvrCompleted(call_id, "13800000001", "vip", 10, CARD, ("1",), "service", "zh")


def test_a_call_only_fastagi_reported_is_dropped_when_asterisk_says_nothing_about_it():
    model = make_model()
    effects = model.apply(ivr_result(), T0)
    [timer] = of(effects, fx.StartTimer)
    assert (timer.key, timer.seconds, timer.event) == ("unconfirmed:c1", 45, d.UnconfirmedCallDue("c1"))
    assert "c1" in model.calls

    effects = model.apply(timer.event, LATER)

    assert "c1" not in model.calls and not model.unconfirmed
    [row] = of(effects, fx.RecordInteraction)
    assert row.fields["status"] == "ivr_hangup" and row.fields["ended_at"] == LATER   # in no queue's figures
    [problem] = of(effects, fx.Problem)
    assert problem.context["call_id"] == "c1" and "never by Asterisk" in problem.message
    assert of(effects, fx.SupervisorsChanged)


@pytest.mark.parametrize("confirmation", [
    pytest.param(d.CallerJoined("c1", "vip", "Local/100@inbound-00000000;2", "13800000001", "", 1, 1), id="queue-join"),
    pytest.param(d.DialStarted("c1", "c2", "Local/1001@agent-phones-00000001;1"),
                 id="agent-step-dial"),
    pytest.param(d.ChannelHungUp("c1", "Local/100@inbound-00000000;2"), id="hung-up-in-the-menu"),
    pytest.param(d.QueueSnapshot(waiting=(d.CallerJoined("c1", "vip", "ch", "", "", 1, 1),)), id="queue-status"),
    pytest.param(d.ChannelsSnapshot(frozenset({"c1"})), id="core-show-channels"),
])
def test_any_ami_word_about_the_call_confirms_it(confirmation):
    model = make_model()
    model.apply(ivr_result(), T0)
    effects = model.apply(confirmation, T0 + timedelta(milliseconds=20))
    assert fx.CancelTimer("unconfirmed:c1") in effects
    assert not model.unconfirmed
    before = model.calls.get("c1")
    assert model.apply(d.UnconfirmedCallDue("c1"), LATER) == []     # a timer that raced the cancel
    assert model.calls.get("c1") is before


def test_a_queue_join_before_the_ivr_result_arms_no_timer():
    model = make_model()
    model.apply(d.CallerJoined("c1", "vip", "ch", "13800000001", "", 1, 1), T0)
    effects = model.apply(ivr_result(), T0)
    assert not of(effects, fx.StartTimer) and not model.unconfirmed


def test_with_the_ami_link_down_the_timer_waits_for_the_link():
    model = make_model()
    model.apply(ivr_result(), T0)
    model.apply(d.AmiDisconnected(), T0)
    effects = model.apply(d.UnconfirmedCallDue("c1"), LATER)
    assert [type(e) for e in effects] == [fx.StartTimer] and "c1" in model.calls
    model.apply(d.AmiConnected(), LATER)
    effects = model.apply(d.UnconfirmedCallDue("c1"), LATER + timedelta(seconds=45))
    assert "c1" not in model.calls and of(effects, fx.Problem)


def _recorded_events(name: str):
    """The recorded AMI frames, each with the domain events it translates to."""
    text = recording(name).decode("utf-8")
    for frame in text.split("\r\n\r\n"):
        headers = dict(line.split(": ", 1) for line in frame.split("\r\n") if ": " in line)
        yield headers, translate.translate(headers)


def test_a_real_calls_events_confirm_it_right_after_its_fastagi_session():
    """queue_call.ami.txt (Asterisk 22.10.1): the IVR result is posted when the AGI session ends
    (``AGISTATUS``); every event of the real call that follows reaches the model, and the call is
    confirmed by its queue join a few dialplan priorities later, whatever the timer."""
    model = make_model(seconds=1)
    call_id = ""
    timers: list[fx.StartTimer] = []
    for headers, events in _recorded_events("queue_call.ami.txt"):
        if headers.get("Variable") == "AGISTATUS":
            call_id = headers["Uniqueid"]
            timers += of(model.apply(ivr_result(call_id), T0), fx.StartTimer)
            assert model.unconfirmed == {call_id}
        for event in events:
            model.apply(event, T0)
            if isinstance(event, d.CallerJoined) and event.call_id == call_id:
                assert not model.unconfirmed
    assert call_id == "1795458074.1" and len(timers) == 1
    assert model.apply(timers[0].event, LATER) == []          # the timer, had it fired, finds it confirmed
    assert not model.unconfirmed

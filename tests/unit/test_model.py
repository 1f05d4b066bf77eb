"""The pure model: state tables and whole-call scenarios with literal events and a fixed clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model import views
from callcenter.model.state import Model
from callcenter.model.tables import ACTIVITY_TRANSITIONS, CALL_TRANSITIONS, Activity, CallState
from callcenter.settings import settings_from_mapping

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
IFACE = "Local/1001@agent-phones/n"
IFACE2 = "Local/1002@agent-phones/n"
LI_NA = d.AgentInfo(1, "1001", "李娜", IFACE, ("vip", "standard"))
WANG = d.AgentInfo(2, "1002", "Wang Wei", IFACE2, ("standard",))
VIP_CARD = {"customer_id": 7, "name": "赵敏", "customer_type": "vip", "value_class": "major"}


def make_model(wrapup: int = 30) -> Model:
    settings = settings_from_mapping({"queues": {"vip": {"wrapup_seconds": wrapup}, "enterprise": {},
                                                 "standard": {"wrapup_seconds": wrapup}}})
    ids = iter(f"ix{i}" for i in range(1000))
    model = Model(settings, new_id=lambda: next(ids))
    model.apply(d.AgentsLoaded((LI_NA, WANG)), T0)
    return model


def of(effects, kind):
    return [e for e in effects if isinstance(e, kind)]


def agent_messages(effects, kind):
    return [e for e in effects if isinstance(e, fx.SendToAgent) and e.kind == kind]


# ------------------------------------------------------------------ the tables themselves
CALL_EVENTS = {
    d.CallerJoined: d.CallerJoined("c1", "vip", "ch", "138", "", 1, 1),
    d.AgentRinging: d.AgentRinging("c1", "vip", IFACE, "1001"),
    d.AgentNoAnswer: d.AgentNoAnswer("c1", "vip", IFACE, "1001"),
    d.AgentAnswered: d.AgentAnswered("c1", "vip", IFACE, "1001"),
    d.CallCompleted: d.CallCompleted("c1", "vip", IFACE, "1001"),
    d.CallerAbandoned: d.CallerAbandoned("c1", "vip"),
    d.CallerLeft: d.CallerLeft("c1", "vip"),
    d.ChannelHungUp: d.ChannelHungUp("c1", "ch"),
}


@pytest.mark.parametrize("state, event_type", [(s, e) for s in CallState for e in CALL_EVENTS])
def test_every_call_transition_is_in_the_table_or_reported(state, event_type):
    model = make_model()
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.IvrCompleted("c1", "138", "vip", 10, VIP_CARD), T0)
    call = model.calls["c1"]
    call.state = state
    agent = model.agents[1]
    agent.call_id = "c1"
    agent.activity = {CallState.RINGING: Activity.RINGING, CallState.CONNECTED: Activity.ON_CALL}.get(state, Activity.IDLE)
    if state is CallState.RINGING:
        call.ringing.add(1)
    effects = model.apply(CALL_EVENTS[event_type], T0)
    allowed = CALL_TRANSITIONS[state].get(event_type)
    problems = [p for p in of(effects, fx.Problem) if p.message == "illegal call transition"]
    if allowed is None:
        assert problems and problems[0].context == {"call_id": "c1", "state": state.value, "event": event_type.__name__}
        assert model.calls["c1"].state is state
    else:
        assert not problems


@pytest.mark.parametrize("activity, event_type", [(a, e) for a, row in ACTIVITY_TRANSITIONS.items() for e in row])
def test_activity_table_targets_are_activities(activity, event_type):
    assert isinstance(ACTIVITY_TRANSITIONS[activity][event_type], Activity)


# ------------------------------------------------------------------ scenarios
def answered_call(model: Model):
    out = []
    out += model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    out += model.apply(d.IvrCompleted("c1", "+8613800000001", "vip", 10, VIP_CARD, ("1",), "service", "zh"), T0)
    out += model.apply(d.CallerJoined("c1", "vip", "Local/100@inbound-00000000;2", "13800000001", "", 1, 1), T0)
    ring = model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), T0 + timedelta(seconds=4))
    connect = model.apply(d.CallerLeft("c1", "vip"), T0 + timedelta(seconds=5))
    connect += model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 5, 1), T0 + timedelta(seconds=5))
    done = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 5, 60, "caller"), T0 + timedelta(seconds=65))
    return out, ring, connect, done


def test_a_call_started_when_it_reached_the_ivr_not_when_the_ivr_finished():
    model = make_model()
    out = model.apply(d.IvrCompleted("c1", "138", "vip", 10, VIP_CARD, ivr_seconds=42.5), T0)
    assert of(out, fx.RecordInteraction)[0].fields["started_at"] == T0 - timedelta(seconds=42.5)
    joined = model.apply(d.CallerJoined("c1", "vip", "Local/100@inbound-00000000;2", "138", "", 1, 1),
                         T0 + timedelta(seconds=1))
    fields = of(joined, fx.RecordInteraction)[0].fields
    assert (fields["started_at"], fields["queued_at"]) == (T0 - timedelta(seconds=42.5), T0 + timedelta(seconds=1))


def test_the_arrival_also_holds_when_the_queue_join_was_seen_before_the_ivr_result():
    model = make_model()
    model.apply(d.CallerJoined("c1", "vip", "Local/100@inbound-00000000;2", "138", "", 1, 1), T0)
    out = model.apply(d.IvrCompleted("c1", "138", "vip", 10, VIP_CARD, ivr_seconds=30), T0 + timedelta(seconds=1))
    assert of(out, fx.RecordInteraction)[0].fields["started_at"] == T0 - timedelta(seconds=29)


def test_pop_goes_to_the_ringing_agent_with_the_ivr_card_and_wait():
    model = make_model()
    _, ring, _, _ = answered_call(model)
    (pop,) = agent_messages(ring, "pop")
    assert pop.agent_id == 1
    assert pop.data["card"]["name"] == "赵敏"
    assert pop.data["ivr"] == {"digits": ["1"], "menu_choice": "service", "language": "zh", "failed": False}
    assert pop.data["waited_seconds"] == 4 and pop.data["priority"] == 10
    assert not of(ring, fx.RecordInteraction)        # nothing written on the ringing path


def test_completed_call_goes_to_wrap_up_paused_and_is_recorded():
    model = make_model()
    _, _, connect, done = answered_call(model)
    assert model.agents[1].state.value == "wrap_up"
    # Paused at the connect already (test_model_wrapup.py); Asterisk's QueueMemberPause was not fed back
    # here, so the end of the call asks again: the queues it is in, app_queue refuses others.
    (pause,) = of(connect, fx.AmiAction)
    assert pause.headers == {"Action": "QueuePause", "Interface": IFACE, "Paused": "true", "Reason": "wrap-up",
                             "Queue": "vip"}
    assert [a.headers for a in of(done, fx.AmiAction)] == [pause.headers]
    (timer,) = of(done, fx.StartTimer)
    assert timer.seconds == 30 and timer.event == d.WrapUpExpired(1, "c1")
    (row,) = of(done, fx.RecordInteraction)
    assert row.fields["status"] == "completed" and row.fields["agent_id"] == 1
    assert row.fields["talk_seconds"] == 60 and row.fields["queue"] == "vip"
    assert row.fields["answered_at"] == T0 + timedelta(seconds=5)
    assert views.wrapup_call(model, 1, "c1")["interaction_id"] == "ix0"


def test_an_agent_complete_without_the_callers_fields_ends_the_members_call():
    """A live Asterisk 22.10.1 published AgentComplete with no Uniqueid as the caller's channel went
    away: the call is the member's, and ends as usual (wrap-up, desk told), not left hanging."""
    model = make_model()
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.IvrCompleted("c1", "+8613800000001", "vip", 10, VIP_CARD, ("1",), "service", "zh"), T0)
    model.apply(d.CallerJoined("c1", "vip", "Local/100@inbound-00000000;2", "13800000001", "", 1, 1), T0)
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), T0 + timedelta(seconds=4))
    model.apply(d.CallerLeft("c1", "vip"), T0 + timedelta(seconds=5))
    model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 5, 1), T0 + timedelta(seconds=5))
    done = model.apply(d.CallCompleted("", "vip", IFACE, "1001", 5, 60, "caller"), T0 + timedelta(seconds=65))
    assert not of(done, fx.Problem)
    assert model.agents[1].state.value == "wrap_up"
    (ended,) = [m for m in agent_messages(done, "call") if m.data["state"] == "ended"]
    assert ended.data["call_id"] == "c1"


def test_disposition_ends_wrap_up_and_unpauses():
    model = make_model()
    answered_call(model)
    model.agents[1].wants = "available"
    effects = model.apply(d.DispositionSaved(1, "c1", "resolved"), T0 + timedelta(seconds=70))
    assert model.agents[1].state.value == "available" or of(effects, fx.AmiAction)
    assert fx.CancelTimer("wrapup:1") in effects
    assert [a.headers["Paused"] for a in of(effects, fx.AmiAction)] == ["false"]
    assert views.wrapup_call(model, 1, "c1") is None


def test_outcome_can_still_be_saved_after_the_wrap_up_timer():
    model = make_model()
    answered_call(model)
    model.apply(d.WrapUpExpired(1, "c1"), T0 + timedelta(seconds=100))
    assert model.agents[1].activity is Activity.IDLE
    assert views.wrapup_call(model, 1, "c1") is not None
    model.apply(d.DispositionSaved(1, "c1", "resolved"), T0 + timedelta(seconds=120))
    assert views.wrapup_call(model, 1, "c1") is None


def test_call_without_ivr_result_asks_for_a_lookup():
    model = make_model()
    effects = model.apply(d.CallerJoined("c2", "standard", "ch", "13800000005", "", 1, 1), T0)
    assert fx.LookupCaller("c2", "13800000005") in effects


def test_ring_no_answer_returns_the_call_to_the_queue():
    model = make_model()
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.CallerJoined("c3", "vip", "ch", "1", "", 1, 1), T0)
    model.apply(d.AgentRinging("c3", "vip", IFACE, "1001"), T0)
    effects = model.apply(d.AgentNoAnswer("c3", "vip", IFACE, "1001", 15000), T0)
    assert model.calls["c3"].state is CallState.QUEUED
    assert agent_messages(effects, "pop_withdrawn")


def test_go_available_adds_missing_queues_and_snapshot_reapplies_after_reconnect():
    model = make_model()
    effects = model.apply(d.AgentGoAvailable(1), T0)
    assert [a.headers["Action"] for a in of(effects, fx.AmiAction)] == ["QueueAdd", "QueueAdd"]
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.MemberAdded("standard", IFACE, "1001"), T0)
    assert model.agents[1].state.value == "available"
    # Asterisk restarted: dynamic members are gone; the snapshot is empty -> re-add both.
    effects = model.apply(d.QueueSnapshot(), T0)
    assert sorted(a.headers["Queue"] for a in of(effects, fx.AmiAction)) == ["standard", "vip"]


def test_pause_with_reason():
    model = make_model()
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.MemberAdded("standard", IFACE, "1001"), T0)
    effects = model.apply(d.AgentGoPaused(1, "lunch"), T0)
    assert {a.headers["Reason"] for a in of(effects, fx.AmiAction)} == {"lunch"}
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "lunch"), T0)
    effects = model.apply(d.MemberPaused("standard", IFACE, "1001", True, "lunch"), T0)
    assert model.agents[1].state.value == "paused" and model.agents[1].reason == "lunch"
    assert agent_messages(effects, "agent")[0].data["state"] == "paused"


def test_wallboard_orders_waiting_calls_like_app_queue():
    model = make_model()
    model.apply(d.IvrCompleted("a", "1", "standard", 0), T0)
    model.apply(d.CallerJoined("a", "standard", "ch", "1", "", 1, 1), T0)
    model.apply(d.IvrCompleted("b", "2", "standard", 5), T0)
    model.apply(d.CallerJoined("b", "standard", "ch", "2", "", 2, 2), T0 + timedelta(seconds=1))
    board = views.wallboard(model, T0 + timedelta(seconds=2))
    (standard,) = [q for q in board["queues"] if q["name"] == "standard"]
    assert [w["call_id"] for w in standard["waiting"]] == ["b", "a"]


def test_unknown_member_is_a_problem_not_a_crash():
    model = make_model()
    effects = model.apply(d.AgentRinging("zz", "vip", "PJSIP/9999", "x"), T0)
    assert of(effects, fx.Problem)


def test_a_call_that_ended_during_an_ami_gap_frees_the_agent_into_wrap_up():
    model = make_model()
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.IvrCompleted("c1", "138", "vip", 10, VIP_CARD), T0)
    model.apply(d.CallerJoined("c1", "vip", "ch", "138", "", 1, 1), T0)
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), T0)
    model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 3, 1), T0)
    model.apply(d.AmiDisconnected("gone"), T0 + timedelta(seconds=10))
    model.apply(d.AmiConnected(), T0 + timedelta(seconds=40))
    model.apply(d.IvrCompleted("new", "139", "vip", 10), T0 + timedelta(seconds=41))   # began after login
    effects = model.apply(d.ChannelsSnapshot(frozenset({"other"})), T0 + timedelta(seconds=41))
    assert model.agents[1].state.value == "wrap_up"
    assert views.wrapup_call(model, 1, "c1") is not None          # the outcome can still be saved
    rows = [r.fields for r in of(effects, fx.RecordInteraction)]
    assert rows[0]["status"] == "completed" and rows[0]["talk_seconds"] == 41     # answered at T0, gone by T0+41
    assert "c1" not in model.calls and "new" in model.calls


def test_channels_snapshot_from_a_core_show_channels_reply():
    from callcenter.ami import translate
    snap = translate.channels_snapshot([
        {"Event": "CoreShowChannel", "Channel": "Local/100@inbound-00000000;2", "Uniqueid": "1795458074.1"},
        {"Event": "CoreShowChannelsComplete", "ListItems": "1"}])
    assert snap.channel_ids == frozenset({"1795458074.1"})


@pytest.mark.parametrize("members, wants, reason", [
    ((), "logged_out", ""),
    ((d.MemberAdded("vip", IFACE, "1001", True, "lunch"), d.MemberAdded("standard", IFACE, "1001", True, "lunch")),
     "paused", "lunch"),
    ((d.MemberAdded("vip", IFACE, "1001", False, ""),), "available", ""),
])
def test_an_unknown_wish_is_taken_from_asterisk_never_forced_to_logout(members, wants, reason):
    model = make_model()
    effects = model.apply(d.QueueSnapshot(members=members), T0)
    agent = model.agents[1]
    assert (agent.wants, agent.want_reason) == (wants, reason)
    assert fx.SavePresence(1, wants, reason) in effects
    assert not [a for a in of(effects, fx.AmiAction) if a.headers["Action"] == "QueueRemove"]


def test_a_restored_wish_is_retold_to_an_asterisk_that_lost_its_members():
    model = make_model()
    model.apply(d.PresenceRestored(1, "paused", "training"), T0)
    effects = model.apply(d.QueueSnapshot(), T0)
    adds = [a.headers for a in of(effects, fx.AmiAction) if a.agent_id == 1]
    assert {h["Queue"] for h in adds} == {"vip", "standard"}
    assert all(h["Paused"] == "true" and h["Reason"] == "training" for h in adds)

"""Pause after this call, presence following the desk's connection, and pause periods (pure model)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model import views
from callcenter.model.state import Model
from callcenter.settings import settings_from_mapping

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
IFACE = "Local/1001@agent-phones/n"
LI_NA = d.AgentInfo(1, "1001", "李娜", IFACE, ("vip",))


def make_model(wrapup: int = 30, pause: float = 60, logout: float = 900) -> Model:
    settings = settings_from_mapping({
        "queues": {"vip": {"wrapup_seconds": wrapup}, "enterprise": {}, "standard": {}},
        "console": {"pause_reasons": [{"code": "break", "limit_minutes": 15}, "training"],
                    "presence": {"disconnect_pause_seconds": pause, "disconnect_logout_seconds": logout}}})
    model = Model(settings, new_id=iter(f"ix{i}" for i in range(100)).__next__)
    model.apply(d.AgentsLoaded((LI_NA,)), T0)
    return model


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def pauses(effects):
    return [(a.headers["Paused"], a.headers.get("Reason", "")) for a in effects
            if isinstance(a, fx.AmiAction) and a.headers["Action"] == "QueuePause"]


def available(model: Model) -> None:
    model.apply(d.AgentGoAvailable(1), T0)
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)


def on_call(model: Model) -> None:
    available(model)
    model.apply(d.IvrCompleted("c1", "138", "vip", 0), at(1))
    model.apply(d.CallerJoined("c1", "vip", "ch", "138", "", 1, 1), at(1))
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), at(2))
    model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 1, 1), at(3))


def sent_views(effects):
    return [e.data for e in effects if isinstance(e, fx.SendToAgent) and e.kind == "agent"]


# ------------------------------------------------------------------ pause after this call
def test_armed_during_a_call_the_desk_shows_it_and_nothing_changes_in_asterisk():
    model = make_model()
    on_call(model)
    effects = model.apply(d.AgentPauseAfterCall(1, "break"), at(10))
    assert sent_views(effects)[0]["pause_after_call"] == "break"
    assert not pauses(effects) and model.agents[1].wants == "available"


def test_after_the_saved_wrap_up_the_agent_is_paused_with_the_code_never_unpaused_first():
    model = make_model()
    on_call(model)
    model.apply(d.AgentPauseAfterCall(1, "break"), at(10))
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 1, 60, "caller"), at(63))
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "wrap-up"), at(63))
    effects = model.apply(d.DispositionSaved(1, "c1", "resolved"), at(70))
    assert pauses(effects) == [("true", "break")]
    assert fx.SavePresence(1, "paused", "break", None) in effects
    assert (model.agents[1].wants, model.agents[1].want_reason, model.agents[1].pause_next) == ("paused", "break", "")
    effects = model.apply(d.MemberPaused("vip", IFACE, "1001", True, "break"), at(70))
    assert (model.agents[1].state.value, model.agents[1].reason) == ("paused", "break")
    assert sent_views(effects)[-1]["reason"] == "break"       # the desk is told the new code


def test_the_wrap_up_time_running_out_pauses_too():
    model = make_model()
    on_call(model)
    model.apply(d.AgentPauseAfterCall(1, "training"), at(10))
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 1, 60, "caller"), at(63))
    effects = model.apply(d.WrapUpExpired(1, "c1"), at(93))
    assert pauses(effects) == [("true", "training")]


def test_a_ring_that_is_not_answered_ends_in_the_pause():
    model = make_model()
    available(model)
    model.apply(d.CallerJoined("c1", "vip", "ch", "138", "", 1, 1), at(1))
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), at(2))
    model.apply(d.AgentPauseAfterCall(1, "break"), at(3))
    effects = model.apply(d.AgentNoAnswer("c1", "vip", IFACE, "1001", 15000), at(17))
    assert pauses(effects) == [("true", "break")]


def test_cancelled_the_agent_goes_back_to_the_queues_as_usual():
    model = make_model()
    on_call(model)
    model.apply(d.AgentPauseAfterCall(1, "break"), at(10))
    effects = model.apply(d.AgentPauseAfterCall(1, ""), at(20))
    assert sent_views(effects)[0]["pause_after_call"] is None
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 1, 60, "caller"), at(63))
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "wrap-up"), at(63))
    effects = model.apply(d.DispositionSaved(1, "c1", "resolved"), at(70))
    assert pauses(effects) == [("false", "")]


def test_an_idle_agent_who_asks_is_paused_now():
    model = make_model()
    available(model)
    effects = model.apply(d.AgentPauseAfterCall(1, "break"), at(5))
    assert pauses(effects) == [("true", "break")] and model.agents[1].pause_next == ""


# ------------------------------------------------------------------ the desk's connection
def test_a_desk_gone_starts_both_timers_and_coming_back_cancels_them():
    model = make_model(pause=60, logout=900)
    available(model)
    model.apply(d.DeskConnected(1), T0)
    effects = model.apply(d.DeskDisconnected(1), at(10))
    timers = {t.key: (t.seconds, t.event) for t in effects if isinstance(t, fx.StartTimer)}
    assert timers == {"presence-pause:1": (60.0, d.DeskAbsent(1, "pause")),
                      "presence-logout:1": (900.0, d.DeskAbsent(1, "logout"))}
    effects = model.apply(d.DeskConnected(1), at(20))
    assert {fx.CancelTimer("presence-pause:1"), fx.CancelTimer("presence-logout:1")} <= set(
        e for e in effects if isinstance(e, fx.CancelTimer))


def test_an_absent_available_agent_is_paused_connection_lost_and_restored_available_unsaved():
    model = make_model()
    available(model)
    model.apply(d.DeskConnected(1), T0)
    model.apply(d.DeskDisconnected(1), at(10))
    effects = model.apply(d.DeskAbsent(1, "pause"), at(70))
    assert pauses(effects) == [("true", "connection_lost")]
    assert not [e for e in effects if isinstance(e, fx.SavePresence)]     # the agent's own wish stays stored
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "connection_lost"), at(70))
    assert model.agents[1].reason == "connection_lost"
    effects = model.apply(d.DeskConnected(1), at(80))
    assert pauses(effects) == [("false", "")]
    assert [e.data for e in effects if isinstance(e, fx.SendToAgent) and e.kind == "notice"] == [
        {"kind": "presence", "action": "restored"}]


def test_logged_out_after_the_second_step_and_a_paused_agent_gets_their_code_back():
    model = make_model()
    available(model)
    model.apply(d.AgentGoPaused(1, "training"), T0)
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "training"), T0)
    model.apply(d.DeskConnected(1), T0)
    model.apply(d.DeskDisconnected(1), at(10))
    assert not pauses(model.apply(d.DeskAbsent(1, "pause"), at(70)))       # already out, with its code
    effects = model.apply(d.DeskAbsent(1, "logout"), at(910))
    assert [a.headers["Action"] for a in effects if isinstance(a, fx.AmiAction)] == ["QueueRemove"]
    model.apply(d.MemberRemoved("vip", IFACE, "1001"), at(910))
    effects = model.apply(d.DeskConnected(1), at(1000))
    (add,) = [a.headers for a in effects if isinstance(a, fx.AmiAction)]
    assert (add["Action"], add["Paused"], add["Reason"]) == ("QueueAdd", "true", "training")


def test_another_open_tab_or_a_desk_back_before_the_timer_keeps_the_agent_as_is():
    model = make_model()
    available(model)
    model.apply(d.DeskConnected(1), T0)
    model.apply(d.DeskDisconnected(1), at(10))
    model.apply(d.DeskConnected(1), at(30))
    assert model.apply(d.DeskAbsent(1, "pause"), at(70)) == []     # a timer that lost the race


def test_agents_whose_desk_never_opened_are_not_watched_and_a_supervisor_wish_wins():
    model = make_model()
    available(model)                                   # a robot agent / a server just restarted
    assert model.agents[1].desk_seen is False
    model.apply(d.DeskConnected(1), T0)
    model.apply(d.DeskDisconnected(1), at(10))
    model.apply(d.DeskAbsent(1, "pause"), at(70))
    model.apply(d.AgentGoPaused(1, "break", by="sup"), at(80))
    effects = model.apply(d.DeskConnected(1), at(90))
    assert not pauses(effects) and model.agents[1].want_reason == "break"


@pytest.mark.parametrize("pause,logout,keys", [(0, 900, {"presence-logout:1"}), (60, 0, {"presence-pause:1"}),
                                               (0, 0, set())])
def test_a_step_set_to_zero_never_happens(pause, logout, keys):
    model = make_model(pause=pause, logout=logout)
    available(model)
    model.apply(d.DeskConnected(1), T0)
    effects = model.apply(d.DeskDisconnected(1), at(10))
    assert {t.key for t in effects if isinstance(t, fx.StartTimer)} == keys


# ------------------------------------------------------------------ pause periods and limits
def test_pause_periods_open_and_close_with_the_code_and_its_limit():
    model = make_model()
    available(model)
    model.apply(d.AgentGoPaused(1, "break"), at(5))
    effects = model.apply(d.MemberPaused("vip", IFACE, "1001", True, "break"), at(6))
    assert fx.PauseStarted(1, "break", at(6), 900) in effects
    effects = model.apply(d.MemberPaused("vip", IFACE, "1001", True, "training"), at(100))
    assert [e for e in effects if isinstance(e, (fx.PauseEnded, fx.PauseStarted))] == [
        fx.PauseEnded(1, at(100)), fx.PauseStarted(1, "training", at(100), None)]
    effects = model.apply(d.MemberPaused("vip", IFACE, "1001", False), at(200))
    assert [e for e in effects if isinstance(e, (fx.PauseEnded, fx.PauseStarted))] == [fx.PauseEnded(1, at(200))]


def test_the_wallboard_row_shows_the_limit_and_the_time_over_it():
    model = make_model()
    available(model)
    model.apply(d.AgentGoPaused(1, "break"), at(5))
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "break"), at(6))
    (row,) = views.wallboard(model, at(6 + 900 + 125))["agents"]
    assert row["pause_limit_seconds"] == 900 and row["pause_over_seconds"] == 125
    assert row["pause_over_at"] == at(906).isoformat()
    (row,) = views.wallboard(model, at(60))["agents"]
    assert row["pause_over_seconds"] == 0


def test_after_a_restart_nobody_is_watched_and_an_open_pause_keeps_its_start():
    model = make_model()
    model.apply(d.PresenceRestored(1, "paused", "break"), T0)
    model.apply(d.PausesRestored(((1, "break", T0 - timedelta(minutes=20)),)), T0)
    effects = model.apply(d.QueueSnapshot((d.MemberAdded("vip", IFACE, "1001", True, "break"),)), T0)
    assert not [e for e in effects if isinstance(e, (fx.StartTimer, fx.PauseStarted, fx.PauseEnded))]
    (row,) = views.wallboard(model, T0)["agents"]
    assert row["pause_over_seconds"] == 5 * 60                 # 20 min of a 15 min break, across the restart


def test_an_open_pause_that_ended_while_the_server_was_down_is_closed():
    model = make_model()
    model.apply(d.PresenceRestored(1, "available"), T0)
    model.apply(d.PausesRestored(((1, "break", T0 - timedelta(minutes=20)),)), T0)
    effects = model.apply(d.QueueSnapshot((d.MemberAdded("vip", IFACE, "1001"),)), T0)
    assert [e for e in effects if isinstance(e, fx.PauseEnded)] == [fx.PauseEnded(1, T0)]


def test_with_no_wrap_up_time_the_armed_code_pauses_as_the_call_ends():
    model = make_model(wrapup=0)
    on_call(model)
    model.apply(d.AgentPauseAfterCall(1, "break"), at(10))
    effects = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 1, 60, "caller"), at(63))
    assert pauses(effects) == [("true", "break")]           # no caller offered before the wrap-up ends
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "break"), at(63))
    effects = model.apply(d.WrapUpExpired(1, "c1"), at(63))
    assert pauses(effects) == [] and model.agents[1].want_reason == "break"


def test_a_connection_lost_pause_is_never_adopted_as_the_agents_wish():
    model = make_model()
    effects = model.apply(d.QueueSnapshot((d.MemberAdded("vip", IFACE, "1001", True, "connection_lost"),)), T0)
    assert fx.SavePresence(1, "available", "") in effects
    assert pauses(effects) == [("false", "")]


def test_an_agent_who_armed_a_pause_then_closed_the_desk_ends_the_call_paused_with_their_code():
    model = make_model()
    on_call(model)
    model.apply(d.DeskConnected(1), T0)
    model.apply(d.AgentPauseAfterCall(1, "break"), at(10))
    model.apply(d.DeskDisconnected(1), at(11))
    assert not pauses(model.apply(d.DeskAbsent(1, "pause"), at(71)))      # the armed code says more
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 1, 60, "caller"), at(80))
    effects = model.apply(d.WrapUpExpired(1, "c1"), at(110))
    assert pauses(effects) == [("true", "break")] and model.agents[1].lost_from is None

"""Supervisor fixes in the pure model: forced available / pause / log out as the agent's own wish (the
desk is told who set it), a stuck wrap-up ended as the timer would, and ChanSpy on an agent's call."""
from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.tables import Activity
from callcenter.model.views import wallboard, wrapup_call
from tests.unit.test_model import IFACE, T0, agent_messages, make_model, of
from tests.unit.test_model_control import LEG, connected

SUP_PHONE = "Local/9001@agent-phones/n"


def actions(effects):
    return [e.headers for e in of(effects, fx.AmiAction)]


def test_forced_available_unpauses_the_agent_and_tells_their_desk():
    model = make_model()
    model.apply(d.AmiConnected(), T0)
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.MemberAdded("standard", IFACE, "1001"), T0)
    model.apply(d.AgentGoPaused(1, "lunch"), T0)
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "lunch"), T0)
    model.apply(d.MemberPaused("standard", IFACE, "1001", True, "lunch"), T0)
    out = model.apply(d.AgentGoAvailable(1, by="9001"), T0)
    assert {(h["Action"], h["Paused"]) for h in actions(out)} == {("QueuePause", "false")}
    (notice,) = agent_messages(out, "notice")
    assert notice.data == {"kind": "forced", "action": "available", "by": "9001", "reason": ""}
    assert of(out, fx.SavePresence)[0].wants == "available"


def test_the_agent_s_own_commands_send_no_notice():
    model = make_model()
    assert not agent_messages(model.apply(d.AgentGoAvailable(1), T0), "notice")


@pytest.mark.parametrize("event, action, wants", [
    (d.AgentGoPaused(1, "meeting", by="9001"), "pause", "paused"),
    (d.AgentLogOut(1, by="9001"), "logout", "logged_out"),
])
def test_forced_pause_and_logout_are_the_agent_s_wish(event, action, wants):
    model = make_model()
    model.apply(d.AmiConnected(), T0)
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    out = model.apply(event, T0)
    assert model.agents[1].wants == wants
    (notice,) = agent_messages(out, "notice")
    assert notice.data["action"] == action and notice.data["by"] == "9001"
    assert actions(out)[0]["Action"] == ("QueuePause" if action == "pause" else "QueueRemove")


def test_forced_available_ends_a_stuck_wrap_up_and_the_outcome_stays_savable():
    model = make_model(wrapup=600)
    model.agents[1].wants = "available"
    connected(model)
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 2, 30, "caller"), T0 + timedelta(seconds=40))
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "wrap-up"), T0 + timedelta(seconds=40))
    later = T0 + timedelta(minutes=7)
    board = {a["agent_id"]: a for a in wallboard(model, later)["agents"]}
    assert board[1]["stuck"] == {"reason": "wrap_up", "minutes": 6}
    out = model.apply(d.AgentGoAvailable(1, by="9001"), later)
    assert model.agents[1].activity is Activity.IDLE
    assert fx.CancelTimer("wrapup:1") in out
    assert {"Action": "QueuePause", "Interface": IFACE, "Paused": "false", "Queue": "vip"} in actions(out)
    assert wrapup_call(model, 1, "c1") is not None          # still savable, as after the timer
    # the timer firing later changes nothing
    assert not actions(model.apply(d.WrapUpExpired(1, "c1"), T0 + timedelta(minutes=10)))


@pytest.mark.parametrize("mode, options", [("listen", "qE"), ("whisper", "qwE"), ("barge", "qBE")])
def test_spy_originates_the_supervisor_s_phone_into_chanspy_on_the_agent_s_leg(mode, options):
    model = make_model()
    connected(model)
    out = model.apply(d.SpyOnAgent(9, 1, mode, SUP_PHONE, "9001"), T0 + timedelta(seconds=10))
    assert actions(out) == [{"Action": "Originate", "Channel": SUP_PHONE, "Application": "ChanSpy",
                             "Data": f"{LEG},{options}", "CallerID": '"supervisor" <9001>', "Async": "true",
                             "Timeout": "15000"}]


def test_spy_on_an_agent_without_a_call_dials_nothing():
    model = make_model()
    out = model.apply(d.SpyOnAgent(9, 1, "listen", SUP_PHONE), T0)
    assert not actions(out) and of(out, fx.Problem)

"""The end of a call as a real Asterisk 22.10.1 reports it (issue 9 failures 2, 3, 4; STYLE.md traps):
the desk hangs up the agent's phone side, and a call taken out of app_queue's bridge by a hold ends
from the Hangup events it gets. Literal events in the order Asterisk sends them, a fixed clock."""
from __future__ import annotations

from datetime import timedelta

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami.actions import phone_side
from callcenter.model.tables import Activity, CallState
from tests.unit.test_model import IFACE, T0, agent_messages, make_model, of
from tests.unit.test_model_control import CALLER, LEG, actions, connected

PHONE = "Local/1001@agent-phones-00000001;2"         # the ;2 half: the agent's phone side


def held_then_resumed(model):
    call = connected(model)                          # answered at T0+3
    model.apply(d.HoldCall(1), T0 + timedelta(seconds=10))
    model.apply(d.ResumeCall(1), T0 + timedelta(seconds=20))
    return call


def ended(effects):
    [frame] = [m.data for m in agent_messages(effects, "call") if m.data["state"] == "ended"]
    return frame


def test_phone_side_is_the_second_half_of_a_local_member_else_the_channel_itself():
    assert phone_side(LEG) == PHONE
    assert phone_side("PJSIP/1001-00000004") == "PJSIP/1001-00000004"
    assert phone_side(PHONE) == PHONE


def test_the_desk_hangs_up_the_phone_side_and_app_queue_completes_with_reason_agent():
    model = make_model()
    connected(model)
    assert actions(model.apply(d.HangUpCall(1), T0 + timedelta(seconds=30))) == [
        {"Action": "Hangup", "Channel": PHONE, "Cause": "16"}]
    # What app_queue sends then (Queue option c: the caller goes on to the survey).
    effects = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 2, 27, "agent"), T0 + timedelta(seconds=30))
    assert ended(effects)["reason"] == "agent"
    assert model.agents[1].activity is Activity.WRAP_UP
    for event in (d.ChannelHungUp("9.2", PHONE), d.ChannelHungUp("9.1", LEG)):
        assert model.apply(event, T0 + timedelta(seconds=30)) == []


def test_the_desk_hangs_up_a_sip_member_channel_itself():
    model = make_model()
    model.ami_up = True
    model.apply(d.MemberAdded("vip", "PJSIP/1001", "1001"), T0)
    model.apply(d.CallerJoined("c1", "vip", CALLER, "138", "", 1, 1), T0)
    model.apply(d.AgentRinging("c1", "vip", "PJSIP/1001", "1001", "PJSIP/1001-00000004"), T0)
    model.apply(d.AgentAnswered("c1", "vip", "PJSIP/1001", "1001", 2, 1, "PJSIP/1001-00000004"), T0)
    assert [h["Channel"] for h in actions(model.apply(d.HangUpCall(1), T0))] == ["PJSIP/1001-00000004"]


def test_hold_resume_then_the_caller_hangs_up_ends_the_call_without_agent_complete():
    model = make_model()
    call = held_then_resumed(model)
    # After the Bridge: the caller's Hangup, then the agent's leg ([cc-hold-agent] 2 Hangup()); no AgentComplete.
    effects = model.apply(d.ChannelHungUp("c1", CALLER, 16), T0 + timedelta(seconds=63))
    frame = ended(effects)
    assert (frame["reason"], frame["talk_seconds"]) == ("caller", 60)
    assert model.agents[1].activity is Activity.WRAP_UP
    row = of(effects, fx.RecordInteraction)[-1].fields
    assert row["status"] == "completed" and row["ended_at"] == T0 + timedelta(seconds=63)
    assert row["talk_seconds"] == 60
    assert of(effects, fx.StartTimer)                      # the wrap-up starts now
    assert [a["Action"] for a in actions(effects)] == ["QueuePause"]   # nothing parked: nothing to hang up
    assert "c1" not in model.calls and call.state is CallState.COMPLETED
    for event in (d.ChannelHungUp("9.1", LEG), d.ChannelHungUp("9.2", PHONE)):
        assert model.apply(event, T0 + timedelta(seconds=63)) == []
    assert model.detached_legs == {}


def test_hold_resume_then_the_caller_hangs_up_even_when_the_agents_leg_goes_first():
    """Seen on a live 22.10.1: the caller's HangupRequest, then the agent leg's Hangup (the bridge coming
    apart) before the caller's own Hangup. The caller ended the call."""
    model = make_model()
    held_then_resumed(model)
    assert model.apply(d.HangupRequested("c1", CALLER, 16), T0 + timedelta(seconds=63)) == []
    effects = model.apply(d.ChannelHungUp("9.1", LEG, 16), T0 + timedelta(seconds=63))
    assert ended(effects)["reason"] == "caller"
    assert model.apply(d.ChannelHungUp("c1", CALLER, 16), T0 + timedelta(seconds=63)) is not None
    assert "c1" not in model.calls


def test_hold_resume_then_the_desk_hangs_up_ends_the_call_at_the_agents_leg_hangup():
    model = make_model()
    held_then_resumed(model)
    assert [h["Channel"] for h in actions(model.apply(d.HangUpCall(1), T0 + timedelta(seconds=40)))] == [PHONE]
    effects = model.apply(d.ChannelHungUp("9.2", PHONE, 16), T0 + timedelta(seconds=40))
    frame = ended(effects)
    assert (frame["reason"], frame["talk_seconds"]) == ("agent", 37)
    assert model.agents[1].activity is Activity.WRAP_UP
    assert not [a for a in actions(effects) if a["Action"] == "Redirect"]   # the Bridge's after-goto does it
    assert model.apply(d.ChannelHungUp("9.1", LEG, 16), T0 + timedelta(seconds=40)) == []
    survey = model.apply(d.SurveyAnswered("c1", 5), T0 + timedelta(seconds=50))
    assert of(survey, fx.RecordInteraction)[-1].fields["survey_score"] == 5
    gone = model.apply(d.ChannelHungUp("c1", CALLER, 16), T0 + timedelta(seconds=52))
    assert not of(gone, fx.Problem) and "c1" not in model.calls


def test_the_held_caller_hanging_up_hangs_up_the_parked_agent_leg():
    model = make_model()
    call = connected(model)
    model.apply(d.HoldCall(1), T0 + timedelta(seconds=10))
    # app_queue still follows a call that was only redirected: AgentComplete (caller), then the Hangup.
    effects = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 2, 20, "caller"), T0 + timedelta(seconds=23))
    assert ended(effects)["reason"] == "caller" and model.agents[1].activity is Activity.WRAP_UP
    effects = model.apply(d.ChannelHungUp("c1", CALLER, 16), T0 + timedelta(seconds=23))
    assert actions(effects) == [{"Action": "Hangup", "Channel": PHONE, "Cause": "16"}]
    assert not of(effects, fx.Problem) and "c1" not in model.calls and not call.parked
    assert model.apply(d.ChannelHungUp("9.2", PHONE), T0 + timedelta(seconds=23)) == []


def test_the_held_caller_hanging_up_after_an_earlier_resume_ends_the_call_and_frees_the_leg():
    model = make_model()
    held_then_resumed(model)
    model.apply(d.HoldCall(1), T0 + timedelta(seconds=30))
    effects = model.apply(d.ChannelHungUp("c1", CALLER, 16), T0 + timedelta(seconds=33))   # no AgentComplete
    assert ended(effects)["reason"] == "caller"
    assert {"Action": "Hangup", "Channel": PHONE, "Cause": "16"} in actions(effects)


def test_the_parked_leg_going_away_ends_the_agents_part_and_sends_the_caller_on():
    model = make_model()
    connected(model)
    model.apply(d.HoldCall(1), T0 + timedelta(seconds=10))
    effects = model.apply(d.ChannelHungUp("9.2", PHONE, 16), T0 + timedelta(seconds=15))
    assert ended(effects)["reason"] == "agent"
    assert {"Action": "Redirect", "Channel": CALLER, "Context": "cc-hold", "Exten": "s",
            "Priority": "2"} in actions(effects)
    # app_queue (no Bridge yet) reports it too: already ended here, ignored without a problem.
    late = model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 2, 12, "agent"), T0 + timedelta(seconds=15))
    assert late == []
    assert model.apply(d.ChannelHungUp("9.1", LEG, 16), T0 + timedelta(seconds=15)) == []


def test_the_desk_hanging_up_while_held_hangs_up_the_parked_legs_phone_side():
    model = make_model()
    connected(model)
    model.apply(d.HoldCall(1), T0)
    assert [h["Channel"] for h in actions(model.apply(d.HangUpCall(1), T0))] == [PHONE]


def test_a_refused_resume_keeps_the_leg_parked():
    model = make_model()
    call = connected(model)
    model.apply(d.HoldCall(1), T0)
    model.apply(d.ResumeCall(1), T0)
    model.apply(d.ControlFailed(1, "c1", "resume", "Unable to bridge"), T0)
    assert call.held and call.parked == LEG


def test_a_transfer_after_a_resume_gives_the_next_part_back_to_app_queue():
    model = make_model()
    call = held_then_resumed(model)
    model.apply(d.CallTransferred("c1", LEG, "transfer", "standard"), T0 + timedelta(seconds=30))
    assert not call.detached and model.detached_legs == {}

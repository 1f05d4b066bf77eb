"""Attended transfer in the pure model (``atxfer.ami.txt``): Atxfer sent, the target's consultation pop,
the consultation leg answering (a DialEnd without a DialBegin), completion (AttendedTransfer, then
AgentComplete Reason: transfer), cancellation (Unhold of the agent's leg) and refusals."""
from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.tables import (
    ACTIVITY_TRANSITIONS,
    CALL_TRANSITIONS,
    Activity,
    CallState,
)
from tests.unit.test_model import T0, VIP_CARD, agent_messages, make_model, of
from tests.unit.test_model_control import CALLER, LEG, actions, connected

CONSULT = "Local/1002@transfer-0000000a;1"


def consulting(model):
    call = connected(model)
    effects = model.apply(d.TransferCall(1, "attended", "agent", "1002"), T0 + timedelta(seconds=10))
    return call, effects


def test_attended_transfer_sends_atxfer_and_pops_the_customer_on_the_target_as_a_consultation():
    model = make_model()
    call, effects = consulting(model)
    assert actions(effects) == [{"Action": "Atxfer", "Channel": LEG, "Context": "transfer", "Exten": "1002"}]
    assert call.state is CallState.CONSULTING and model.agents[2].activity is Activity.RINGING
    [pop] = agent_messages(effects, "pop")
    assert pop.agent_id == 2 and pop.data["card"] == VIP_CARD
    assert pop.data["consult"] == {"from": "李娜", "to": "Wang Wei", "answered": False, "role": "target"}
    [mine] = agent_messages(effects, "call")
    assert mine.agent_id == 1 and mine.data["consult"]["role"] == "transferer"
    # While consulting: no hold, no second transfer, no plain hang-up; completing waits for the answer.
    for command, error in ((d.HoldCall(1), "no-connected-call"),
                           (d.TransferCall(1, "blind", "queue", "standard"), "no-connected-call"),
                           (d.HangUpCall(1), "consulting"),
                           (d.CompleteTransfer(1), "consultation-not-answered"),
                           (d.CompleteTransfer(2), "no-attended-transfer")):
        assert agent_messages(model.apply(command, T0), "error")[0].data["id"] == error


def test_completed_attended_transfer_wraps_up_the_first_agent_and_gives_the_call_to_the_target():
    model = make_model()
    call, _ = consulting(model)
    first_row = call.interaction_id
    answered = model.apply(d.LegDialEnded("9.52", CONSULT, "transfer", "1002", "ANSWER"), T0 + timedelta(seconds=14))
    assert model.agents[2].activity is Activity.ON_CALL and call.consult.answered
    assert agent_messages(answered, "pop")[0].data["consult"]["answered"] is True

    effects = model.apply(d.CompleteTransfer(1), T0 + timedelta(seconds=20))
    assert actions(effects) == [{"Action": "Hangup", "Channel": LEG, "Cause": "16"}]     # as recorded
    effects = model.apply(d.CallAttendedTransferred("c1", LEG, CONSULT, "9.52"), T0 + timedelta(seconds=20))
    ended = next(m for m in agent_messages(effects, "call") if m.agent_id == 1)
    assert ended.data["state"] == "ended" and ended.data["reason"] == "transfer"
    assert model.agents[1].activity is Activity.WRAP_UP
    [owned] = [m for m in agent_messages(effects, "call") if m.agent_id == 2]
    assert owned.data["state"] == "connected" and owned.data["card"] == VIP_CARD and owned.data["consult"] is None
    assert call.state is CallState.CONNECTED and call.agent_id == 2 and call.agent_channel == CONSULT
    assert call.interaction_id != first_row
    rows = {r.interaction_id: r.fields for r in of(effects, fx.RecordInteraction)}
    assert rows[first_row]["agent_id"] == 1 and rows[call.interaction_id]["agent_id"] == 2
    # app_queue's AgentComplete Reason: transfer and the first agent's leg hanging up change nothing more.
    assert model.apply(d.CallCompleted("c1", "vip", "Local/1001@agent-phones/n", "1001", 2, 17, "transfer"), T0) == []
    model.apply(d.ChannelHungUp("9.50", LEG), T0)
    assert call.state is CallState.CONNECTED and model.agents[2].activity is Activity.ON_CALL
    # The target hangs up (their leg's Hangup): their part ends, wrap-up.
    done = model.apply(d.ChannelHungUp("9.52", CONSULT), T0 + timedelta(seconds=80))
    assert model.agents[2].activity is Activity.WRAP_UP
    assert [m.data["state"] for m in agent_messages(done, "call")] == ["ended"]


def test_cancel_hangs_up_the_consultation_leg_and_unhold_returns_the_caller_to_the_agent():
    model = make_model()
    call, _ = consulting(model)
    # Still ringing: the leg's name is not known yet, AMI Hangup takes a /regex/.
    effects = model.apply(d.CancelTransfer(1), T0)
    assert actions(effects) == [{"Action": "Hangup", "Channel": "/^Local/1002@transfer-[0-9a-f]+;1$/", "Cause": "16"}]
    model.apply(d.LegDialEnded("9.52", CONSULT, "transfer", "1002", "ANSWER"), T0)
    assert actions(model.apply(d.CancelTransfer(1), T0)) == [{"Action": "Hangup", "Channel": CONSULT, "Cause": "16"}]
    effects = model.apply(d.ChannelUnheld("9.50", LEG), T0 + timedelta(seconds=30))
    assert call.state is CallState.CONNECTED and call.consult is None and call.agent_id == 1
    assert model.agents[1].activity is Activity.ON_CALL and model.agents[2].activity is Activity.IDLE
    assert agent_messages(effects, "pop_withdrawn")[0].agent_id == 2
    back = agent_messages(effects, "call")[0]
    assert back.agent_id == 1 and back.data["state"] == "connected" and back.data["consult"] is None
    # Back to normal: the agent can hold again.
    assert actions(model.apply(d.HoldCall(1), T0))[0]["Action"] == "Redirect"


def test_the_unhold_before_a_blind_transfer_is_not_a_consultation():
    model = make_model()
    call = connected(model)
    assert model.apply(d.ChannelUnheld("9.50", LEG), T0) == []
    assert call.state is CallState.CONNECTED


def test_caller_hanging_up_during_the_consultation_ends_the_call_and_frees_the_target():
    model = make_model()
    call, _ = consulting(model)
    model.apply(d.ChannelHungUp("c1", CALLER), T0)
    effects = model.apply(d.CallCompleted("c1", "vip", "Local/1001@agent-phones/n", "1001", 2, 10, "caller"), T0)
    assert call.state is CallState.COMPLETED and model.agents[1].activity is Activity.WRAP_UP
    assert model.agents[2].activity is Activity.IDLE
    assert agent_messages(effects, "pop_withdrawn")[0].agent_id == 2


def test_a_refused_atxfer_is_undone_with_a_clear_error():
    model = make_model()
    call, _ = consulting(model)
    effects = model.apply(d.ControlFailed(1, "c1", "atxfer", "Atxfer failed"), T0)
    assert call.state is CallState.CONNECTED and call.consult is None
    assert model.agents[2].activity is Activity.IDLE
    assert agent_messages(effects, "error")[0].data["id"] == "attended-transfer-failed"


def test_attended_transfer_to_a_number_leaves_the_caller_to_that_number():
    model = make_model()
    call = connected(model)
    effects = model.apply(d.TransferCall(1, "attended", "number", "+8613900000009"), T0)
    # An outside number is "*" + its digits in [transfer]: no agent login is the start of it (the
    # atxfer feature then stops collecting digits at a login's last one).
    assert actions(effects) == [{"Action": "Atxfer", "Channel": LEG, "Context": "transfer", "Exten": "*13900000009"}]
    model.apply(d.LegDialEnded("9.52", "Local/*13900000009@transfer-0000000b;1", "transfer", "*13900000009",
                               "ANSWER"), T0)
    model.apply(d.CallAttendedTransferred("c1", LEG, "Local/*13900000009@transfer-0000000b;1", "9.52"), T0)
    assert call.state is CallState.TRANSFERRED and model.agents[1].activity is Activity.WRAP_UP
    model.apply(d.ChannelHungUp("c1", CALLER), T0)
    assert "c1" not in model.calls


ATTENDED_EVENTS = {
    d.CallAttendedTransferred: d.CallAttendedTransferred("c1", LEG, CONSULT, "9.52"),
}


@pytest.mark.parametrize("state", list(CallState))
def test_attended_transferred_is_legal_only_while_consulting(state):
    model = make_model()
    connected(model)
    model.calls["c1"].state = state
    effects = model.apply(ATTENDED_EVENTS[d.CallAttendedTransferred], T0)
    problems = [p for p in of(effects, fx.Problem) if p.message == "illegal call transition"]
    if CALL_TRANSITIONS[state].get(d.CallAttendedTransferred) is None:
        assert problems and problems[0].context["state"] == state.value
    else:
        assert state is CallState.CONSULTING and problems   # no consultation recorded on the call


@pytest.mark.parametrize("activity, event_type", [
    (a, e) for a, row in ACTIVITY_TRANSITIONS.items() for e in row
    if e in (d.TransferCall, d.LegDialEnded, d.ChannelUnheld)])
def test_consultation_rows_of_the_activity_table_lead_where_the_target_is_expected(activity, event_type):
    expected = {(Activity.IDLE, d.TransferCall): Activity.RINGING,
                (Activity.RINGING, d.LegDialEnded): Activity.ON_CALL,
                (Activity.RINGING, d.ChannelUnheld): Activity.IDLE,
                (Activity.ON_CALL, d.ChannelUnheld): Activity.IDLE}
    assert ACTIVITY_TRANSITIONS[activity][event_type] is expected[(activity, event_type)]


def test_the_atxfer_recording_translates_to_the_consultation_answer_and_the_transfer():
    from callcenter.ami.translate import translate
    from callcenter.simulator.testing import parse_ami_stream
    from tests.recordings import recording

    # The lab's transfer context was called xfer-targets; the shipped dialplan calls it [transfer].
    raw = recording("atxfer.ami.txt").replace(b"xfer-targets", b"transfer")
    events = [e for f in parse_ami_stream(raw) if f.event for e in translate(dict(f.pairs))
              if isinstance(e, (d.LegDialEnded, d.CallAttendedTransferred))]
    assert events == [
        d.LegDialEnded("1795460464.52", "Local/1002@transfer-0000001a;1", "transfer", "1002", "ANSWER"),
        d.CallAttendedTransferred("1795460460.49", "Local/1001@agent-phones-00000019;1",
                                  "Local/1002@transfer-0000001a;1", "1795460464.52"),
    ]


def test_a_reloaded_desk_still_knows_which_side_of_the_consultation_it_is():
    from callcenter.model import views
    model = make_model()
    consulting(model)
    mine = views.agent_snapshot(model, 1, T0)["call"]
    theirs = views.agent_snapshot(model, 2, T0)["call"]
    assert mine["consult"]["role"] == "transferer" and theirs["consult"]["role"] == "target"

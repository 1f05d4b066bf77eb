"""Call control in the pure model: hold/resume, blind transfer followed to the next agent or queue,
hang up, click-to-dial, and refusals; literal events, a fixed clock."""
from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model.control import dial_digits
from callcenter.model.tables import Activity, CallState
from tests.unit.test_model import IFACE, IFACE2, T0, VIP_CARD, agent_messages, make_model, of

CALLER = "Local/100@inbound-00000000;2"
LEG = "Local/1001@agent-phones-00000001;1"


def connected(model):
    model.ami_up = True
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.MemberAdded("standard", IFACE2, "1002"), T0)
    model.apply(d.IvrCompleted("c1", "138", "vip", 10, VIP_CARD), T0)
    model.apply(d.CallerJoined("c1", "vip", CALLER, "138", "", 1, 1), T0)
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001", LEG), T0)
    model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 2, 1, LEG), T0 + timedelta(seconds=3))
    return model.calls["c1"]


def actions(effects):
    return [e.headers for e in of(effects, fx.AmiAction)]


def test_hold_redirects_caller_to_music_and_parks_the_agent_leg_then_resume_bridges_them():
    model = make_model()
    call = connected(model)
    effects = model.apply(d.HoldCall(1), T0 + timedelta(seconds=5))
    assert actions(effects) == [{"Action": "Redirect", "Channel": CALLER, "Context": "cc-hold", "Exten": "s",
                                 "Priority": "1", "ExtraChannel": LEG, "ExtraContext": "cc-hold-agent",
                                 "ExtraExten": "s", "ExtraPriority": "1"}]
    assert call.held and call.state is CallState.CONNECTED
    assert agent_messages(effects, "call")[0].data["held"] is True
    again = model.apply(d.HoldCall(1), T0)
    assert agent_messages(again, "error")[0].data["id"] == "already-on-hold"
    effects = model.apply(d.ResumeCall(1), T0 + timedelta(seconds=9))
    assert actions(effects) == [{"Action": "Bridge", "Channel1": CALLER, "Channel2": LEG, "Tone": "no"}]
    assert not call.held


def test_a_refused_hold_is_undone_and_the_desk_told():
    model = make_model()
    call = connected(model)
    model.apply(d.HoldCall(1), T0)
    effects = model.apply(d.ControlFailed(1, "c1", "hold", "Redirect failed"), T0)
    assert not call.held and agent_messages(effects, "call")[0].data["held"] is False


@pytest.mark.parametrize("command", [d.HoldCall(1), d.ResumeCall(1), d.HangUpCall(1),
                                     d.TransferCall(1, "blind", "queue", "standard")])
def test_commands_without_a_connected_call_are_refused_with_a_stable_id(command):
    model = make_model()
    model.ami_up = True
    effects = model.apply(command, T0)
    assert not of(effects, fx.AmiAction)
    assert agent_messages(effects, "error")[0].data["id"] == "no-connected-call"


def test_blind_transfer_to_an_agent_completes_the_first_part_and_follows_the_caller_to_the_new_ring():
    model = make_model()
    call = connected(model)
    model.apply(d.MemberAdded("standard", IFACE2, "1002"), T0)
    effects = model.apply(d.TransferCall(1, "blind", "agent", "1002"), T0)
    assert actions(effects) == [{"Action": "BlindTransfer", "Channel": LEG, "Context": "transfer", "Exten": "1002"}]
    first_row = call.interaction_id

    effects = model.apply(d.CallTransferred("c1", LEG, "transfer", "1002"), T0 + timedelta(seconds=20))
    assert call.state is CallState.TRANSFERRED
    ended = agent_messages(effects, "call")[0]
    assert ended.agent_id == 1 and ended.data["state"] == "ended" and ended.data["reason"] == "transfer"
    assert model.agents[1].activity is Activity.WRAP_UP and call.interaction_id != first_row
    # app_queue's AgentComplete Reason: transfer belongs to the part already completed.
    assert model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 2, 17, "transfer"), T0) == []

    ring = model.apply(d.DialStarted("c1", "9.9", "Local/1002@agent-phones-00000002;1", channel=CALLER), T0)
    pop = agent_messages(ring, "pop")[0]
    assert pop.agent_id == 2 and pop.data["card"] == VIP_CARD and call.state is CallState.DIALING
    model.apply(d.DialFinished("c1", "9.9", "ANSWER"), T0 + timedelta(seconds=22))
    assert call.state is CallState.CONNECTED and call.agent_id == 2
    assert call.agent_channel == "Local/1002@agent-phones-00000002;1"


def test_blind_transfer_to_a_queue_rejoins_it_from_transferred():
    model = make_model()
    call = connected(model)
    model.apply(d.TransferCall(1, "blind", "queue", "standard"), T0)
    model.apply(d.CallTransferred("c1", LEG, "transfer", "standard"), T0)
    model.apply(d.CallerJoined("c1", "standard", CALLER, "138", "", 1, 1), T0)
    assert call.state is CallState.QUEUED and call.queue == "standard"


def test_transfer_targets_are_checked():
    model = make_model()
    connected(model)
    for command, error in ((d.TransferCall(1, "blind", "queue", "nope"), "no-such-target"),
                           (d.TransferCall(1, "blind", "agent", "1001"), "no-such-target"),
                           (d.TransferCall(1, "attended", "queue", "standard"), "attended-transfer-to-queue")):
        assert agent_messages(model.apply(command, T0), "error")[0].data["id"] == error


def test_click_to_dial_holds_the_agent_out_rings_them_first_and_looks_the_customer_up():
    model = make_model()
    model.ami_up = True
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    effects = model.apply(d.DialNumber(1, "+8613900000001"), T0)
    pause, originate = actions(effects)
    assert pause["Action"] == "QueuePause" and pause["Reason"] == "outbound"
    assert (originate["Action"], originate["Channel"], originate["Context"], originate["Exten"]) == \
        ("Originate", IFACE, "customer-out", "13900000001")
    assert pause["Queue"] == "vip"          # the queue it is in, by name (app_queue refuses any other)
    call_id = originate["ChannelId"]
    assert of(effects, fx.LookupCaller) == [fx.LookupCaller(call_id, "+8613900000001")]
    assert model.agents[1].activity is Activity.RINGING
    model.apply(d.CallerIdentified(call_id, VIP_CARD), T0)
    model.apply(d.DialStarted(call_id, "9.9", "Local/13900000001@customer-phones-00000003;1", channel=LEG), T0)
    effects = model.apply(d.DialFinished(call_id, "9.9", "ANSWER"), T0 + timedelta(seconds=4))
    connected_frame = agent_messages(effects, "call")[0].data
    assert connected_frame["card"] == VIP_CARD and connected_frame["outbound"]
    assert of(effects, fx.RecordInteraction)[-1].fields["menu_choice"] == "click-to-dial"
    assert actions(model.apply(d.HangUpCall(1), T0)) == [{"Action": "Hangup", "Channel": LEG, "Cause": "16"}]
    busy = model.apply(d.DialNumber(1, "+8613900000002"), T0)
    assert agent_messages(busy, "error")[0].data["id"] == "agent-busy"


def test_dial_digits_national_at_home_international_abroad():
    assert dial_digits("+8613900000001") == "13900000001"
    assert dial_digits("+861012345678") == "01012345678"
    assert dial_digits("+14155550100") == "0014155550100"


def test_the_recorded_blind_transfer_translates_to_call_transferred_before_agent_complete():
    from tests.unit.test_ami_replay import replay
    events, _ = replay("blind_transfer_action.ami.txt")
    kinds = [type(e).__name__ for e in events]
    transferred = [e for e in events if isinstance(e, d.CallTransferred)]
    assert transferred == [d.CallTransferred("1795460329.25", "Local/1001@agent-phones-0000000d;1",
                                             "queue-direct", "enterprise")]
    completes = [e for e in events if isinstance(e, d.CallCompleted)]
    assert completes[0].reason == "transfer"
    assert kinds.index("CallTransferred") < kinds.index("CallCompleted")


def test_click_to_dial_by_an_agent_in_no_queue_pauses_nothing():
    # A QueuePause of an interface in no queue is "Interface not found" (app_queue set_member_paused):
    # it must not be sent, or the desk shows an error for a call that is being placed fine.
    model = make_model()
    model.ami_up = True
    effects = model.apply(d.DialNumber(1, "+8613900000001"), T0)
    assert [a["Action"] for a in actions(effects)] == ["Originate"] and not agent_messages(effects, "error")
    call_id = actions(effects)[0]["ChannelId"]
    model.apply(d.DialStarted(call_id, "9.9", "Local/13900000001@customer-phones-00000003;1", channel=LEG), T0)
    model.apply(d.DialFinished(call_id, "9.9", "ANSWER"), T0)
    done = model.apply(d.ChannelHungUp("9.9", "Local/13900000001@customer-phones-00000003;1", 16), T0)
    assert agent_messages(done, "call")[0].data["state"] == "ended"
    assert not [a for a in actions(done) if a["Action"] == "QueuePause"]      # wrap-up: no queue to pause


def test_an_agent_held_for_click_to_dial_who_joins_a_queue_is_paused_in_it():
    model = make_model()
    model.ami_up = True
    model.apply(d.DialNumber(1, "+8613900000001"), T0)
    joined = model.apply(d.MemberAdded("standard", IFACE, "1001"), T0)
    (pause,) = actions(joined)
    assert pause == {"Action": "QueuePause", "Interface": IFACE, "Paused": "true", "Queue": "standard",
                     "Reason": "outbound"}

"""The model's callbacks: placed only for a free agent left over after earlier callers, agent first."""
from __future__ import annotations

from datetime import timedelta

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.model import views
from callcenter.model.tables import Activity, CallState
from tests.unit.test_model import IFACE, T0, agent_messages, make_model, of

ROW = {"id": 7, "number": "13800000006", "queue": "vip", "source": "ivr", "priority": 0, "status": "pending",
       "credit_from": T0, "attempts": 0}
CARD = {"customer_id": 3, "name": "刘强", "customer_type": "individual"}


def floor(*, available: bool):
    model = make_model()
    model.apply(d.AmiConnected(), T0)
    model.apply(d.MemberAdded("vip", IFACE, "1001", paused=not available, reason="" if available else "lunch"), T0)
    model.agents[1].wants = "available" if available else "paused"
    return model


def originates(effects):
    return [e for e in of(effects, fx.AmiAction) if e.headers["Action"] == "Originate"]


def test_nothing_is_placed_while_no_agent_is_free():
    model = floor(available=False)
    assert not originates(model.apply(d.CallbackRequested(ROW, CARD), T0))
    assert views.wallboard(model, T0)["queues"][0]["callbacks"] == 1


def test_a_free_agent_gets_the_callback_agent_phone_first_and_held_out_of_the_queue():
    model = floor(available=True)
    out = model.apply(d.CallbackRequested(ROW, CARD), T0 + timedelta(seconds=90))
    (originate,) = originates(out)
    assert originate.headers["Channel"] == IFACE and originate.headers["Exten"] == "13800000006"
    assert originate.headers["ChannelId"] == "cb-7-1" and originate.headers["Context"] == "customer-out"
    assert originate.on_failure == d.CallbackFailed(7, 1, "originate refused")
    (pause,) = [e for e in of(out, fx.AmiAction) if e.headers["Action"] == "QueuePause"]
    assert (pause.headers["Paused"], pause.headers["Reason"], pause.headers["Queue"]) == ("true", "callback", "vip")
    assert pause.agent_id is None           # a refusal is the server's business, not an error on the desk
    (pop,) = agent_messages(out, "pop")
    assert pop.data["card"]["name"] == "刘强" and pop.data["waited_seconds"] == 90
    assert model.agents[1].activity is Activity.RINGING and model.agents[1].hold == "callback"


def test_callers_who_came_before_keep_their_place():
    model = floor(available=True)
    model.apply(d.IvrCompleted("c1", "138", "vip", 0), T0 - timedelta(seconds=30))
    model.apply(d.CallerJoined("c1", "vip", "ch", "138", "", 1, 1), T0 - timedelta(seconds=30))
    out = model.apply(d.CallbackRequested(ROW, CARD), T0)
    assert not originates(out)              # the only free agent is the earlier caller's


def test_the_customer_answering_connects_and_completes_the_callback():
    model = floor(available=True)
    model.apply(d.CallbackRequested(ROW, CARD), T0)
    model.apply(d.DialStarted("cb-7-1", "9.9", "Local/13800000006@customer-phones-00000003;1"), T0)
    out = model.apply(d.DialFinished("cb-7-1", "9.9", "ANSWER"), T0 + timedelta(seconds=8))
    assert of(out, fx.UpdateCallback)[0].fields["status"] == "done"
    assert model.calls["cb-7-1"].state is CallState.CONNECTED and 7 not in model.callbacks
    done = model.apply(d.ChannelHungUp("9.9", "Local/13800000006@customer-phones-00000003;1"), T0 + timedelta(seconds=68))
    assert agent_messages(done, "call")[0].data["state"] == "ended"
    assert model.agents[1].activity is Activity.WRAP_UP and model.agents[1].hold == ""


def test_no_answer_frees_the_agent_and_retries_later_then_gives_up():
    model = floor(available=True)
    model.apply(d.CallbackRequested(ROW, CARD), T0)
    model.apply(d.MemberPaused("vip", IFACE, "1001", True, "callback"), T0)       # Asterisk did as asked
    model.apply(d.DialStarted("cb-7-1", "9.9", "Local/13800000006@customer-phones-00000003;1"), T0)
    out = model.apply(d.DialFinished("cb-7-1", "9.9", "NOANSWER"), T0 + timedelta(seconds=30))
    assert of(out, fx.UpdateCallback)[-1].fields == {"status": "pending", "last_result": "customer: noanswer"}
    assert model.agents[1].activity is Activity.IDLE and model.agents[1].hold == ""
    unpause = [e for e in of(out, fx.AmiAction) if e.headers["Action"] == "QueuePause"]
    assert unpause and unpause[-1].headers["Paused"] == "false"
    assert not originates(out)                                   # not again at once: retry_seconds
    model.apply(d.MemberPaused("vip", IFACE, "1001", False), T0 + timedelta(seconds=30))
    model.callbacks[7].attempts = 3                              # the last try
    again = model.apply(d.CallbackDue(7), T0 + timedelta(seconds=400))
    assert originates(again)[0].headers["ChannelId"] == "cb-7-4"
    last = model.apply(d.CallbackFailed(7, 4, "no answer in time"), T0 + timedelta(seconds=470))
    assert of(last, fx.UpdateCallback)[-1].fields["status"] == "failed" and 7 not in model.callbacks


def test_an_agent_going_available_is_given_the_due_callback_before_the_unpause():
    model = floor(available=False)
    model.apply(d.CallbackRequested(ROW, CARD), T0)
    out = model.apply(d.AgentGoAvailable(1), T0 + timedelta(seconds=5))
    assert originates(out)
    pauses = [e.headers for e in of(out, fx.AmiAction) if e.headers["Action"] == "QueuePause"]
    assert all(h["Paused"] == "true" for h in pauses)         # never unpaused in between

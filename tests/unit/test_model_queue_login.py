"""Per-queue login: the agent chooses which of their queues to work; it is kept and re-told to Asterisk."""
from __future__ import annotations

from callcenter import domain as d
from callcenter import effects as fx
from tests.unit.test_model import IFACE, T0, agent_messages, make_model, of


def actions(effects):
    return [(e.headers["Action"], e.headers.get("Queue")) for e in of(effects, fx.AmiAction)]


def test_choosing_queues_removes_the_others_and_is_saved():
    model = make_model()                          # agent 1 (1001): vip + standard
    model.apply(d.AmiConnected(), T0)
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.MemberAdded("standard", IFACE, "1001"), T0)
    model.agents[1].wants = "available"
    out = model.apply(d.AgentSelectQueues(1, ("vip",)), T0)
    assert actions(out) == [("QueueRemove", "standard")]
    assert of(out, fx.SavePresence) == [fx.SavePresence(1, "available", "", ("vip",))]
    (view,) = agent_messages(out, "agent")
    assert view.data["chosen_queues"] == ["vip"] and view.data["all_queues"] == ["vip", "standard"]
    # Going available again later keeps the choice: standard is not added back.
    model.apply(d.MemberRemoved("standard", IFACE, "1001"), T0)
    again = model.apply(d.AgentGoAvailable(1), T0)
    assert ("QueueAdd", "standard") not in actions(again)
    assert of(again, fx.SavePresence)[0].queues == ("vip",)


def test_choosing_every_queue_again_means_all_and_adds_them_back():
    model = make_model()
    model.apply(d.AmiConnected(), T0)
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.agents[1].wants, model.agents[1].want_queues = "available", ("vip",)
    out = model.apply(d.AgentSelectQueues(1, ("standard", "vip")), T0)
    assert actions(out) == [("QueueAdd", "standard")]
    assert of(out, fx.SavePresence)[0].queues is None        # all of them


def test_queues_that_are_not_the_agent_s_are_refused_and_nothing_changes():
    model = make_model()
    out = model.apply(d.AgentSelectQueues(1, ("enterprise",)), T0)
    assert agent_messages(out, "error") and not of(out, fx.SavePresence)
    assert model.agents[1].want_queues is None


def test_the_choice_is_restored_at_start_up():
    model = make_model()
    model.apply(d.PresenceRestored(1, "available", "", ("standard",)), T0)
    model.apply(d.AmiConnected(), T0)
    out = model.apply(d.QueueSnapshot(members=()), T0)
    assert actions(out) == [("QueueAdd", "standard")]

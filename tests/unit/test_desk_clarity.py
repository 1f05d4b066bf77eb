"""Desk clarity (issue 10), pure parts: the transfer directory built from the live view, the customer
an agent chose for a call followed by the model (live call and wrap-up), the pop's candidates when a
number is shared, and the click-to-dial refusals."""
from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.errors import ValidationFailed
from callcenter.model import views
from console.desk.call_customer import decode_customer_create, desk_call
from console.desk.click_to_dial import dial_refusal
from console.desk.directory import decode_directory, directory_view
from ivr.inbound import _identify, _Known
from tests.unit.test_model import IFACE, T0, answered_call, make_model, of

CHOSEN = {"customer_id": 12, "name": "王强", "customer_type": "family", "value_class": "non_named"}
BOARD = {"at": "t", "agents": [
    {"agent_id": 1, "login": "1001", "name": "王伟", "state": "on_call", "queues": ["vip"]},
    {"agent_id": 3, "login": "1003", "name": "张敏", "state": "logged_out", "reason": "", "queues": []},
    {"agent_id": 2, "login": "1002", "name": "Emily Chen", "state": "paused", "reason": "lunch", "queues": ["vip"]},
    {"agent_id": 5, "login": "1005", "name": "刘洋", "state": "available", "reason": "", "queues": ["standard"]},
], "queues": [{"name": "vip", "label": "VIP", "waiting_count": 1, "available": 0, "waiting": [{"x": 1}]}]}


# ------------------------------------------------------------------ directory
def test_the_directory_leaves_out_the_asking_agent_and_puts_free_agents_first() -> None:
    view = directory_view(BOARD, me=1)
    assert [(a["login"], a["state"], a["reason"]) for a in view["agents"]] == [
        ("1005", "available", ""), ("1002", "paused", "lunch"), ("1003", "logged_out", "")]
    assert view["queues"] == [{"name": "vip", "label": "VIP", "waiting": 1, "available": 0}]   # no caller details


@pytest.mark.parametrize("query,logins,queues", [
    ("emily", ["1002"], []), ("100", ["1005", "1002", "1003"], []), ("刘", ["1005"], []), ("vip", [], ["vip"]),
])
def test_the_directory_is_searched_by_name_login_or_queue(query, logins, queues) -> None:
    view = directory_view(BOARD, me=1, query=decode_directory({"q": query}))
    assert [a["login"] for a in view["agents"]] == logins and [q["name"] for q in view["queues"]] == queues


@pytest.mark.parametrize("data", [{"q": 1}, {"q": ["a"]}, {"q": "x" * 65}])
def test_a_bad_directory_query_names_the_field(data) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decode_directory(data)
    assert "q" in caught.value.details["fields"]


# ------------------------------------------------------------------ the customer chosen for a call (model)
def test_a_customer_chosen_during_the_call_is_recorded_and_kept_for_the_wrap_up() -> None:
    model = make_model()
    answered_call_until_connected(model)
    effects = model.apply(d.CustomerChosen(1, "c1", CHOSEN), T0 + timedelta(seconds=10))
    (row,) = of(effects, fx.RecordInteraction)
    assert row.fields["customer_id"] == 12 and row.fields["customer_type"] == "family"
    assert views.agent_snapshot(model, 1, T0)["call"]["card"]["name"] == "王强"      # a reload shows it
    model.apply(d.CallCompleted("c1", "vip", IFACE, "1001", 5, 60, "caller"), T0 + timedelta(seconds=65))
    assert views.wrapup_call(model, 1, "c1")["call_fields"]["customer_id"] == 12


def test_a_customer_chosen_during_the_wrap_up_goes_on_the_row_and_the_wrap_up() -> None:
    model = make_model()
    answered_call(model)                                   # ended: waiting for its wrap-up
    effects = model.apply(d.CustomerChosen(1, "c1", CHOSEN), T0 + timedelta(seconds=70))
    (row,) = of(effects, fx.RecordInteraction)
    assert row.interaction_id == "ix0"
    assert (row.fields["customer_id"], row.fields["customer_type"], row.fields["value_class"]) == (12, "family", "non_named")
    assert views.wrapup_call(model, 1, "c1")["call_fields"]["customer_id"] == 12
    assert views.agent_snapshot(model, 1, T0)["call"]["card"]["customer_id"] == 12


def test_a_customer_chosen_for_someone_elses_call_changes_nothing() -> None:
    model = make_model()
    answered_call_until_connected(model)
    assert model.apply(d.CustomerChosen(2, "c1", CHOSEN), T0) == []
    assert model.apply(d.CustomerChosen(99, "c1", CHOSEN), T0) == []
    assert model.calls["c1"].card["customer_id"] == 7


def answered_call_until_connected(model) -> None:
    model.apply(d.MemberAdded("vip", IFACE, "1001"), T0)
    model.apply(d.IvrCompleted("c1", "+8613800000001", "vip", 10, {"customer_id": 7, "name": "赵敏"}), T0)
    model.apply(d.CallerJoined("c1", "vip", "Local/100@inbound-00000000;2", "13800000001", "", 1, 1), T0)
    model.apply(d.AgentRinging("c1", "vip", IFACE, "1001"), T0 + timedelta(seconds=4))
    model.apply(d.AgentAnswered("c1", "vip", IFACE, "1001", 5, 1), T0 + timedelta(seconds=5))


# ------------------------------------------------------------------ console decoding and checks
def test_the_call_must_be_on_the_desk() -> None:
    snapshot = {"call": {"call_id": "c1", "interaction_id": "i1"}, "pending": [{"call_id": "c0", "interaction_id": "i0"}]}
    assert desk_call(snapshot, "c0")["interaction_id"] == "i0"
    with pytest.raises(Exception) as caught:
        desk_call(snapshot, "c9")
    assert caught.value.error_id == "no-such-call"


def test_a_new_customer_is_checked_field_by_field() -> None:
    new = decode_customer_create({"call_id": "c1", "name": " 赵磊 ", "number": "13999999999"})
    assert (new.name, new.customer_type, new.number) == ("赵磊", "individual", "+8613999999999")
    for data, field_name in (({"call_id": "c1", "number": "13999999999"}, "name"),
                             ({"call_id": "c1", "name": "x", "number": "1"}, "number"),
                             ({"call_id": "c1", "name": "x", "number": "13999999999", "customer_type": 3}, "customer_type")):
        with pytest.raises(ValidationFailed) as caught:
            decode_customer_create(data)
        assert field_name in caught.value.details["fields"]


@pytest.mark.parametrize("snapshot,refusal", [
    ({"agent": None, "call": None}, "no-desk"),
    ({"agent": {"state": "on_call"}, "call": {"state": "connected"}}, "agent-busy"),
    ({"agent": {"state": "ringing"}, "call": {"state": "ringing"}}, "agent-busy"),
    ({"agent": {"state": "wrap_up"}, "call": {"state": "wrapup"}}, None),
    ({"agent": {"state": "available"}, "call": None}, None),
])
def test_who_may_dial_from_the_customer_pages(snapshot, refusal) -> None:
    found = dial_refusal(snapshot)
    assert (found.error_id if found else None) == refusal


# ------------------------------------------------------------------ the pop's candidates (IVR)
async def test_a_shared_number_puts_every_customer_on_the_pop_card() -> None:
    cards = [{"customer_id": 21, "name": "王芳", "customer_type": "family", "value_class": "non_named", "tier_rank": 1},
             {"customer_id": 22, "name": "王强", "customer_type": "family", "value_class": "non_named"}]

    async def identify(number: str):
        return cards

    known = _Known()
    card = await _identify(identify, "+861088886666", 1.0, known, "c1")
    assert known.ambiguous and card["customer_id"] in (21, 22)
    assert [c["name"] for c in card["candidates"]] == ["王芳", "王强"]
    assert set(card["candidates"][0]) == {"customer_id", "name", "customer_type", "value_class", "account_manager"}


async def test_a_known_caller_has_no_candidates() -> None:
    async def identify(number: str):
        return [{"customer_id": 7, "name": "李娜"}]

    card = await _identify(identify, "+8613800000001", 1.0, _Known(), "c1")
    assert card is not None and "candidates" not in card

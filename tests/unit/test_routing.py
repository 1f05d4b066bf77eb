"""Routing is a pure function of (caller facts, agent availability, rules, now): a table of cases."""
from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from callcenter import routing_rules
from callcenter.routing import (
    AgentAvailability,
    AgentPresence,
    CallerFacts,
    aged_priority,
    decide,
    next_aging_in,
)
from callcenter.routing_rules import PathError, RoutingRules, check_rules

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
BLOCKED = "+8613900000001"

RULES = RoutingRules.model_validate({
    "ladders": {
        "vip": [{"agent": "account_manager", "seconds": 20}, {"agent": "deputy", "seconds": 15},
                {"queue": "vip", "priority": 10, "overflow_after": 60}, {"queue": "standard", "priority": 10}],
        "group": [{"agent": "account_manager", "seconds": 20}, {"queue": "enterprise", "priority": 5}],
        "family": [{"queue": "standard", "priority": 2}],
        "individual": [{"queue": "standard", "priority": 0}],
        "unknown": [{"queue": "standard", "priority": 0}],
    },
    "deputies": {"lina": "wangfang"},
    "blacklist": {"numbers": [BLOCKED], "action": "reject", "message": "blacklisted"},
    "credit_suspended": {"ladder": [{"queue": "billing", "priority": 5}]},
    "complaint": {"ladder": [{"agent": "complaint_owner", "seconds": 20}, {"queue": "complaints", "priority": 8}]},
    "aging": {"every_seconds": 30, "step": 1, "max_bonus": 12},
})
QUEUES = ("vip", "enterprise", "standard", "billing", "complaints")


def card(customer_type: str = "vip", *, value_class: str = "major", manager: str | None = "lina",
         credit: str = "normal", complaints: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    return {
        "customer_id": 7, "name": "Zhang Wei", "customer_type": customer_type, "value_class": value_class,
        "account_manager": {"lina": "Li Na", "zhaolei": "Zhao Lei"}.get(manager or ""),
        "account_manager_login": manager, "credit_status": credit, "language": "zh",
        "number": "+8613800138000", "match": "exact", "open_complaints": list(complaints), "recent": [],
    }


def agent(login: str, state: str, *queues: str, reason: str = "", name: str = "") -> AgentPresence:
    return AgentPresence(login, state, frozenset(queues), reason, name or login.title())


def floor(**states: str) -> AgentAvailability:
    """Everyone in their usual queues; *states* overrides login -> state (``paused:lunch`` for a reason)."""
    usual = {"lina": ("vip", "enterprise"), "wangfang": ("vip",), "zhaolei": ("enterprise",),
             "v1": ("vip",), "e1": ("enterprise",), "s1": ("standard",), "b1": ("billing",), "c1": ("complaints",)}
    names = {"lina": "Li Na", "wangfang": "Wang Fang", "zhaolei": "Zhao Lei"}
    agents = []
    for login, queues in usual.items():
        state, _, reason = states.get(login, "available").partition(":")
        agents.append(agent(login, state, *queues, reason=reason, name=names.get(login, "")))
    return AgentAvailability.of(agents)


COMPLAINT = {"id": 42, "category": "billing", "severity": "high", "status": "open",
             "owner_login": "zhaolei", "owner_name": "Zhao Lei"}

# id, facts, agents, expected (case, first target, queue, priority, plan targets, skip reasons)
CASES = [
    ("vip-manager-free", CallerFacts("+8613800138000", card(), "number"), floor(),
     ("tier", "lina", "vip", 10, ["lina", "wangfang", "vip", "standard"], [])),
    ("vip-manager-busy-deputy", CallerFacts("+8613800138000", card(), "number"), floor(lina="on_call"),
     ("tier", "wangfang", "vip", 10, ["wangfang", "vip", "standard"], ["on_call"])),
    ("vip-deputy-paused-pool", CallerFacts("+8613800138000", card(), "number"),
     floor(lina="on_call", wangfang="paused:lunch"),
     ("tier", "vip", "vip", 10, ["vip", "standard"], ["on_call", "paused"])),
    ("vip-pool-unstaffed-overflow", CallerFacts("+8613800138000", card(), "number"),
     floor(lina="logged_out", wangfang="logged_out", v1="logged_out"),
     ("tier", "standard", "standard", 10, ["standard"], ["logged_out", "logged_out", "unstaffed"])),
    ("vip-no-manager-no-deputy", CallerFacts("+8613800138000", card(manager=None), "account_pin"), floor(),
     ("tier", "vip", "vip", 10, ["vip", "standard"], ["no_account_manager", "no_deputy"])),
    ("group-manager-busy-enterprise", CallerFacts("+8613800138000", card("group", manager="zhaolei"), "number"),
     floor(zhaolei="wrap_up"), ("tier", "enterprise", "enterprise", 5, ["enterprise"], ["wrap_up"])),
    ("family-standard", CallerFacts("+8613800138000", card("family", manager=None), "number"), floor(),
     ("tier", "standard", "standard", 2, ["standard"], [])),
    ("unknown-caller-standard", CallerFacts("02112345678"), floor(),
     ("tier", "standard", "standard", 0, ["standard"], [])),
    ("blacklisted-by-rules", CallerFacts(BLOCKED), floor(), ("blacklist", "", "", 0, [], [])),
    ("blacklisted-by-ivr", CallerFacts("+8613800138000", card(), "number", blacklisted=True), floor(),
     ("blacklist", "", "", 0, [], [])),
    ("credit-suspended-billing", CallerFacts("+8613800138000", card(credit="suspended"), "number"), floor(),
     ("credit_suspended", "billing", "billing", 5, ["billing"], [])),
    ("open-complaint-owner-first", CallerFacts("+8613800138000", card("individual", complaints=(COMPLAINT,)),
                                               "number"), floor(),
     ("complaint", "zhaolei", "complaints", 8, ["zhaolei", "complaints"], [])),
    ("open-complaint-owner-paused", CallerFacts("+8613800138000", card("individual", complaints=(COMPLAINT,)),
                                                "number"), floor(zhaolei="paused:meeting"),
     ("complaint", "complaints", "complaints", 8, ["complaints"], ["paused"])),
    ("menu-complaint-no-open-complaint", CallerFacts("+8613800138000", card("individual"), "number",
                                                     menu_choice="complaint"), floor(),
     ("complaint", "complaints", "complaints", 8, ["complaints"], ["no_owner"])),
    ("menu-complaint-unknown-caller", CallerFacts("13800138000", menu_choice="complaint"), floor(),
     ("complaint", "complaints", "complaints", 8, ["complaints"], ["no_owner"])),
    ("nobody-logged-in-anywhere", CallerFacts("+8613800138000", card(), "number"),
     AgentAvailability.of([]), ("tier", "standard", "standard", 10, ["standard"],
                                ["unknown_agent", "unknown_agent", "unstaffed"])),
    ("callback-keeps-credit", CallerFacts("+8613800138000", card("individual", manager=None), "number",
                                          credit_seconds=95), floor(),
     ("tier", "standard", "standard", 3, ["standard"], [])),
]


@pytest.mark.parametrize(("facts", "agents", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decision_table(facts: CallerFacts, agents: AgentAvailability, expected: tuple[Any, ...]) -> None:
    case, first, queue, priority, plan, reasons = expected
    decision = decide(facts, agents, RULES, NOW)
    assert decision.case == case
    assert decision.first_target == first
    assert (decision.queue, decision.priority) == (queue, priority)
    assert [s.target for s in decision.plan] == plan
    assert [s.reason for s in decision.skipped] == reasons
    assert decision.decided_at == NOW
    assert decision.trace_en and decision.trace_zh
    assert decision.as_dict()["trace"] == {"en": decision.trace_en, "zh": decision.trace_zh}


def test_blacklisted_caller_is_rejected_with_the_configured_prompt() -> None:
    decision = decide(CallerFacts(BLOCKED), floor(), RULES, NOW)
    assert (decision.action, decision.message, decision.plan) == ("reject", "blacklisted", ())
    assert "blocked number" in decision.trace_en and "黑名单" in decision.trace_zh


def test_blacklist_can_send_to_a_queue_at_the_lowest_priority() -> None:
    rules = RULES.model_copy(update={"blacklist": routing_rules.Blacklist(
        numbers=frozenset({BLOCKED}), action="queue", queue="standard", priority=0)})
    decision = decide(CallerFacts(BLOCKED, card(), "number"), floor(), rules, NOW)
    assert (decision.action, decision.case, decision.queue, decision.priority) == ("route", "blacklist", "standard", 0)


def test_vip_trace_names_every_skip_and_reason_in_both_languages() -> None:
    decision = decide(CallerFacts("+8613800138000", card(), "number"), floor(lina="on_call", wangfang="paused:lunch"),
                      RULES, NOW)
    assert decision.trace_en == ("VIP by number → account manager Li Na busy (on a call) → deputy Wang Fang "
                                 "paused (lunch) → queue vip (priority 10) for 60 s → queue standard (priority 10)")
    assert decision.trace_zh == ("VIP客户（按号码识别） → 客户经理 Li Na 忙（通话中） → 副经理 Wang Fang 暂停（午餐） → "
                                 "vip 队列（优先级 10） 等待 60 秒 → standard 队列（优先级 10）")


@pytest.mark.parametrize(("states", "en", "zh"), [
    ({"lina": "on_call"}, "busy (on a call)", "忙（通话中）"),
    ({"lina": "ringing"}, "busy (ringing)", "忙（振铃中）"),
    ({"lina": "wrap_up"}, "in wrap-up", "话后整理中"),
    ({"lina": "paused:training"}, "paused (training)", "暂停（培训）"),
    ({"lina": "logged_out"}, "logged out", "未登录"),
    ({"lina": "logged_out", "wangfang": "logged_out", "v1": "logged_out"},
     "queue vip: nobody logged in, overflow", "vip 队列：无坐席登录，溢出"),
])
def test_trace_mentions_each_skip_reason(states: dict[str, str], en: str, zh: str) -> None:
    decision = decide(CallerFacts("+8613800138000", card(), "number"), floor(**states), RULES, NOW)
    assert en in decision.trace_en
    assert zh in decision.trace_zh


@pytest.mark.parametrize(("facts", "en", "zh"), [
    (CallerFacts("+8613800138000", card(manager=None), "number"), "account manager none on file", "客户经理 未分配"),
    (CallerFacts("+8613800138000", card(manager=None), "number"), "deputy none named", "副经理 未指定"),
    (CallerFacts("1", menu_choice="complaint"), "complaint owner none on the complaint", "投诉负责人 投诉未指定负责人"),
    (CallerFacts("1"), "Unknown caller → queue standard (priority 0)", "未识别来电 → standard 队列（优先级 0）"),
    (CallerFacts("1", card(credit="suspended"), "account_pin"), "VIP by account + PIN → credit suspended",
     "VIP客户（按账号和密码识别） → 信用停机"),
    (CallerFacts("1", card(complaints=(COMPLAINT,))), "open complaint #42 → complaint owner Zhao Lei rings 20 s",
     "未结投诉 #42 → 投诉负责人 Zhao Lei 振铃 20 秒"),
])
def test_trace_explains_missing_people_and_special_cases(facts: CallerFacts, en: str, zh: str) -> None:
    decision = decide(facts, floor(), RULES, NOW)
    assert en in decision.trace_en
    assert zh in decision.trace_zh


def test_same_agent_is_not_rung_twice() -> None:
    rules = RULES.model_copy(update={"deputies": {"lina": "lina2"}})
    facts = CallerFacts("1", card() | {"account_manager_deputy_login": "lina"}, "number")
    decision = decide(facts, floor(), rules, NOW)
    assert [s.target for s in decision.plan] == ["lina", "vip", "standard"]
    assert [(s.role, s.reason) for s in decision.skipped] == [("deputy", "repeated")]


def test_card_deputy_wins_over_the_configured_one() -> None:
    facts = CallerFacts("1", card() | {"account_manager_deputy_login": "v1"}, "number")
    assert decide(facts, floor(lina="on_call"), RULES, NOW).first_target == "v1"


def test_value_class_bonus_is_added_to_queue_priorities() -> None:
    rules = RULES.model_copy(update={"value_bonus": {"major": 3, "mass": 0}})
    decision = decide(CallerFacts("1", card(manager=None)), floor(), rules, NOW)
    assert [s.priority for s in decision.plan] == [13, 13]


# --------------------------------------------------------------------------- priority as time credit
@pytest.mark.parametrize(("base", "waited", "expected"), [
    (0, 0, 0), (0, 29, 0), (0, 30, 1), (0, 329, 10), (0, 330, 11), (0, 360, 12), (0, 10_000, 12),
    (10, 0, 10), (10, 10_000, 22), (5, -3, 5),
])
def test_aged_priority(base: int, waited: int, expected: int) -> None:
    assert aged_priority(base, waited, RULES) == expected


def test_long_waiting_mass_caller_outranks_a_new_vip_only_after_the_gap_is_covered() -> None:
    vip_new = aged_priority(10, 0, RULES)
    assert aged_priority(0, 329, RULES) <= vip_new          # tie at most: Asterisk keeps FIFO for equals
    assert aged_priority(0, 330, RULES) > vip_new           # 11 steps of credit > the 10-point tier gap
    # ... but a VIP who waited as long stays ahead: both capped, the tier gap is back.
    assert aged_priority(10, 10_000, RULES) - aged_priority(0, 10_000, RULES) == 10


@pytest.mark.parametrize(("waited", "expected"), [(0, 30), (29, 1), (30, 30), (359, 1), (360, None), (9999, None)])
def test_next_aging_in(waited: int, expected: int | None) -> None:
    assert next_aging_in(waited, RULES) == expected


# --------------------------------------------------------------------------- invariants
def _all_decisions() -> list[Any]:
    facts = [c[1] for c in CASES]
    return [decide(f, a, r, NOW) for f in facts for a in (c[2] for c in CASES) for r in (RULES, RoutingRules())]


def test_no_decision_names_a_queue_general() -> None:
    for decision in _all_decisions():
        assert decision.queue.lower() != "general"
        assert all(s.target.lower() != "general" for s in decision.plan if s.kind == "queue")


def test_decide_is_pure_and_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_io(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("decide() did I/O")

    first = [d.as_dict() for d in _all_decisions()]
    monkeypatch.setattr(socket, "socket", no_io)
    monkeypatch.setattr("builtins.open", no_io)
    assert [d.as_dict() for d in _all_decisions()] == first


def test_decide_does_not_mutate_its_inputs() -> None:
    facts = CallerFacts("1", card(complaints=(COMPLAINT,)), "number")
    before = repr(facts)
    decide(facts, floor(), RULES, NOW)
    assert repr(facts) == before


# --------------------------------------------------------------------------- validation names key paths
def _error(data: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        RoutingRules.model_validate(data)
    err = info.value.errors()[0]
    ctx = (err.get("ctx") or {}).get("error")
    path = ".".join(ctx.path) if isinstance(ctx, PathError) else ".".join(("routing", *map(str, err["loc"])))
    return path, err["msg"]


@pytest.mark.parametrize(("data", "path", "words"), [
    ({"ladders": {"gold": [{"queue": "vip"}]}}, "routing.ladders.gold", "unknown tier"),
    ({"ladders": {"vip": [{"queue": "general"}]}}, "routing.ladders.vip.0.queue", "general"),
    ({"ladders": {"vip": [{"agent": "account_manager"}, {"queue": "vip"}]}}, "routing.ladders.vip.0", "seconds"),
    ({"ladders": {"vip": [{"agent": "lina", "seconds": 20}]}}, "routing.ladders.vip", "last step must be a queue"),
    ({"ladders": {"vip": [{"queue": "vip"}, {"queue": "standard"}]}}, "routing.ladders.vip", "never be reached"),
    ({"ladders": {"vip": [{"queue": "vip", "overflow_after": 30}]}}, "routing.ladders.vip", "nowhere to overflow"),
    ({"ladders": {"vip": [{"queue": "vip", "agent": "lina"}]}}, "routing.ladders.vip.0", "either"),
    ({"ladders": {"vip": [{"agent": "lina", "seconds": 5, "priority": 3}, {"queue": "vip"}]}}, "routing.ladders.vip.0",
     "belong to queue steps"),
    ({"ladders": {"vip": [{"queue": "vip", "seconds": 20}]}}, "routing.ladders.vip.0", "overflow_after"),
    ({"ladders": {"vip": [{"queue": "vip", "wait": 20}]}}, "routing.ladders.vip.0.wait", "Extra inputs"),
    ({"blacklist": {"numbers": ["13800138000"]}}, "routing.blacklist.numbers", "E.164"),
    ({"blacklist": {"action": "queue"}}, "routing.blacklist", "needs `queue`"),
    ({"special_order": ["blacklist", "vip"]}, "routing.special_order", "unknown special case"),
    ({"value_bonus": {"gold": 1}}, "routing.value_bonus.gold", "unknown value class"),
    ({"deputies": {"lina": "lina"}}, "routing.deputies.lina", "own deputy"),
    ({"complaint": {"ladder": []}}, "routing.complaint.ladder", "at least one step"),
])
def test_bad_rules_name_the_key_path(data: dict[str, Any], path: str, words: str) -> None:
    got_path, message = _error(data)
    assert got_path == path
    assert words in message


@pytest.mark.parametrize(("rules", "logins", "path"), [
    ({"default_queue": "sales"}, None, "routing.default_queue"),
    ({"ladders": {"vip": [{"queue": "platinum"}]}}, None, "routing.ladders.vip.0.queue"),
    ({"credit_suspended": {"ladder": [{"queue": "billing"}]}}, None, "routing.credit_suspended.ladder.0.queue"),
    ({"blacklist": {"action": "queue", "queue": "jail"}}, None, "routing.blacklist.queue"),
    ({"ladders": {"vip": [{"agent": "acount_manager", "seconds": 9}, {"queue": "vip"}]}}, {"lina"},
     "routing.ladders.vip.0.agent"),
    ({"deputies": {"lina": "nobody"}}, {"lina"}, "routing.deputies.lina"),
])
def test_cross_checks_name_the_key_path(rules: dict[str, Any], logins: set[str] | None, path: str) -> None:
    with pytest.raises(PathError) as info:
        check_rules(RoutingRules.model_validate(rules), ("vip", "enterprise", "standard"), logins)
    assert ".".join(info.value.path) == path


def test_the_sample_rules_pass_the_cross_checks() -> None:
    check_rules(RULES, QUEUES, {"lina", "wangfang", "zhaolei"})
    check_rules(RoutingRules(), ("vip", "enterprise", "standard"))


SAMPLE_YAML = """
routing:
  default_queue: standard
  ladders:
    vip:
      - {agent: account_manager, seconds: 20}
      - {agent: deputy, seconds: 15}
      - {queue: vip, priority: 10, overflow_after: 60}
      - {queue: standard, priority: 10}
    group:
      - {agent: account_manager, seconds: 20}
      - {queue: enterprise, priority: 5}
    family:     [{queue: standard, priority: 2}]
    individual: [{queue: standard, priority: 0}]
    unknown:    [{queue: standard, priority: 0}]
  deputies: {lina: wangfang}
  special_order: [blacklist, credit_suspended, complaint]
  blacklist: {numbers: ["+8613900000001"], action: reject, message: blacklisted}
  credit_suspended: {statuses: [suspended], ladder: [{queue: billing, priority: 5}]}
  complaint:
    menu_choices: [complaint]
    open_statuses: [open, in_progress]
    ladder: [{agent: complaint_owner, seconds: 20}, {queue: complaints, priority: 8}]
  value_bonus: {}
  aging: {every_seconds: 30, step: 1, max_bonus: 12}
"""


def test_the_documented_yaml_is_the_table_rules_and_round_trips() -> None:
    rules = RoutingRules.model_validate(yaml.safe_load(SAMPLE_YAML)["routing"])
    assert rules == RULES
    check_rules(rules, QUEUES, {"lina", "wangfang"})
    assert RoutingRules.model_validate(rules.model_dump(mode="json")) == rules
    assert RoutingRules.model_validate(RoutingRules().model_dump(mode="json")) == RoutingRules()


def test_entry_route_gives_the_tier_map() -> None:
    assert RULES.entry_route("vip") == ("vip", 10)
    assert RULES.entry_route(None) == ("standard", 0)
    assert RoutingRules(ladders={}).entry_route("vip") == ("standard", 0)


def test_bad_facts_and_presence_are_refused() -> None:
    with pytest.raises(ValueError, match="identified_by"):
        CallerFacts("1", identified_by="face")
    with pytest.raises(ValueError, match="'lina'.*'asleep'"):
        AgentPresence("lina", "asleep")

"""The pure inbound decisions: language, routing of a menu outcome, read-outs, the dialplan variables."""
from __future__ import annotations

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import Settings, settings_from_mapping
from ivr import menu, variables
from ivr.menus import MenuFlow, MenuTree, Outcome

TREE = MenuTree.model_validate({
    "fallback": {"operator": True, "label": "operator"},
    "menus": {
        "main": {"prompt": {"zh-CN": "menu"}, "digits": {
            "1": {"operator": True, "label": "业务咨询 Service", "choice": "service"},
            "2": {"operator": True, "label": "投诉 Complaint", "choice": "complaint"},
            "3": {"menu": "self"},
            "4": {"queue": "enterprise", "label": "集团 Enterprise desk"},
            "5": {"callback": True},
            "6": {"survey": True, "label": "满意度 Survey"},
        }},
        "self": {"prompt": {"zh-CN": "self"}, "digits": {
            "1": {"self_service": "complaint_status"},
            "2": {"self_service": "credit_status"},
            "3": {"self_service": "balance"},
        }},
    },
})


def walk(*presses: str | None, tree: MenuTree = TREE) -> Outcome:
    flow = MenuFlow(tree, "en")
    step = flow.start()
    for digits in presses:
        step = flow.press(digits)
    assert isinstance(step, Outcome), step
    return step


# --------------------------------------------------------------------------- language
@pytest.mark.parametrize(("card_language", "expected"), [
    ("zh", "zh-CN"),
    ("zh_CN", "zh-CN"),
    ("en", "en"),
    ("fr", "zh-CN"),              # the card's language has no prompts: the tree's default
    ("", "zh-CN"),
    (None, "zh-CN"),
])
def test_language_is_the_cards_else_the_trees_default(card_language, expected):
    assert menu.language(TREE, {"language": card_language}) == expected


def test_language_of_an_unknown_caller_is_the_default_not_asterisks_en():
    # Asterisk reports agi_language "en" for every channel whose endpoint sets none: not a choice.
    assert menu.language(TREE, None) == "zh-CN"


@pytest.mark.parametrize("language", TREE.languages)
def test_channel_language_is_the_folder_the_prompts_command_writes(language):
    from callcenter.prompts import sound_dir
    # Asterisk cuts a language only at "_" (main/file.c): "zh-CN" would never find sounds/zh/.
    assert menu.channel_language(language) == sound_dir(language) and "-" not in menu.channel_language(language)


# --------------------------------------------------------------------------- routing
SETTINGS = Settings()


def card(tier: str | None, **extra) -> dict:
    return {"customer_id": 9, "name": "X", "customer_type": tier, "language": "zh", **extra}


@pytest.mark.parametrize(("tier", "queue", "priority"), [
    ("vip", "vip", 10),
    ("group", "enterprise", 5),
    ("family", "standard", 2),
    ("individual", "standard", 0),
    ("platinum", "standard", 0),    # a tier the map does not know: like an unknown caller
    (None, "standard", 0),
])
def test_operator_routes_per_tier(tier, queue, priority):
    decision = menu.decide(SETTINGS, card(tier), walk("1"), "zh-CN")
    assert (decision.queue, decision.priority) == (queue, priority)
    route = SETTINGS.route_for(tier)
    assert (route.queue, route.priority) == (queue, priority)


@pytest.mark.parametrize(("tier", "priority"), [("vip", 10), ("family", 2), (None, 0)])
def test_a_queue_choice_keeps_the_tiers_priority(tier, priority):
    decision = menu.decide(SETTINGS, card(tier), walk("4"), "en")
    assert (decision.queue, decision.priority) == ("enterprise", priority)
    assert decision.menu_choice == "集团 Enterprise desk"       # no `choice`: the label


@pytest.mark.parametrize(("presses", "choice"), [
    (["1"], "service"),
    (["2"], "complaint"),
    (["3", "2"], "self_service"),          # no choice, no label: the kind
    (["5"], "callback"),
    ([None, "9", None], "operator"),       # the fallback's label
])
def test_menu_choice_is_short(presses, choice):
    assert menu.menu_choice(walk(*presses)) == choice


def test_the_in_menu_survey_is_routed_as_the_operator_and_says_so():
    outcome = walk("6")
    decision = menu.decide(SETTINGS, card("vip"), outcome, "en")
    assert (decision.queue, decision.priority) == ("vip", 10)
    assert "survey not implemented yet: routed as operator" in menu.outcome_notes(outcome)


def test_a_callback_choice_keeps_the_tier_route_and_hangs_up_once_saved():
    from dataclasses import replace
    outcome = walk("5")
    decision = menu.decide(SETTINGS, card("vip"), outcome, "en")
    assert (decision.queue, decision.priority) == ("vip", 10)       # what the callback is queued for
    assert not any("not implemented" in note for note in menu.outcome_notes(outcome))
    assert menu.assignments(replace(decision, callback=True))[-1] == (variables.ACTION, variables.ACTION_CALLBACK)


def test_outcome_notes_carry_the_menu_path():
    assert menu.outcome_notes(walk("3", "1")) == ("menu: main 3 → self 1 → self-service complaint_status",)


def test_unknown_caller():
    decision = menu.decide(SETTINGS, None, walk("2"), "en")
    assert decision == menu.Decision("standard", 0, "en", "", "complaint")


def test_no_outcome_yet_routes_by_tier_without_a_choice():
    decision = menu.decide(SETTINGS, card("vip"), None, "zh-CN")
    assert (decision.queue, decision.menu_choice) == ("vip", "")


def test_vip_is_the_highest_priority_and_no_route_names_general():
    priorities = {t: SETTINGS.route_for(t).priority for t in ("vip", "group", "family", "individual", None)}
    assert max(priorities, key=priorities.get) == "vip"
    assert "general" not in {SETTINGS.route_for(t).queue for t in priorities}
    assert SETTINGS.routing.default_queue != "general"
    with pytest.raises(ConfigError):
        settings_from_mapping({"queues": {"general": {}}})


def test_routes_follow_the_configuration():
    settings = settings_from_mapping({
        "queues": {"gold": {}, "rest": {}},
        "routing": {"default_queue": "rest", "ladders": {"vip": [{"queue": "gold", "priority": 50}]}},
    })
    assert menu.decide(settings, card("vip"), None, "en").queue == "gold"
    assert menu.decide(settings, card("group"), None, "en").queue == "rest"     # no tier, no unknown: default
    assert menu.fallback(settings).queue == "rest"


def test_customer_id():
    assert menu.decide(SETTINGS, card("vip"), None, "en").customer_id == "9"
    assert menu.decide(SETTINGS, card("vip", customer_id=None), None, "en").customer_id == ""


def test_best_card_is_the_first():
    first, second = card("vip"), card("group")
    assert menu.best_card([first, second]) == first
    assert menu.best_card([]) is None and menu.best_card(None) is None
    with pytest.raises(TypeError):
        menu.best_card(["not a card"])


def test_assignments_set_every_variable_routing_first():
    decision = menu.decide(SETTINGS, card("vip"), walk("1"), "zh-CN")
    assert menu.assignments(decision) == (
        (variables.QUEUE, "vip"),
        (variables.PRIORITY, "10"),
        (variables.LANGUAGE, "zh"),        # the CRM's code (CHANNEL(language) is set before the prompts)
        (variables.CUSTOMER_ID, "9"),
        (variables.MENU_CHOICE, "service"),
        (variables.IVR_STATUS, "ok"),
    )


def _floor(*agents):
    from callcenter.routing import AgentAvailability, AgentPresence
    return AgentAvailability.of(AgentPresence(login, state, frozenset(queues), name=name,
                                              interface=f"Local/{login}@agent-phones/n")
                                for login, state, queues, name in agents)


def test_route_turns_the_ladder_into_dialplan_steps_with_the_trace():
    from datetime import UTC, datetime
    vip = {**card("vip"), "account_manager_login": "1001", "account_manager": "王伟"}
    floor = _floor(("1001", "available", ("vip",), "王伟"), ("1002", "on_call", ("vip",), "Emily"))
    decision = menu.route(SETTINGS, menu.decide(SETTINGS, vip, walk("1"), "en"), vip, walk("1"),
                          number="+8613800000001", identified_by="number", availability=floor,
                          now=datetime(2026, 11, 23, tzinfo=UTC))
    assert [(s.kind, s.target, s.seconds) for s in decision.steps][:2] == [("agent", "1001", 20), ("queue", "vip", 60)]
    assert decision.steps[0].dial == "Local/1001@agent-phones/n"
    assert decision.routing["trace"]["en"].startswith("VIP by number → account manager 王伟 rings 20 s")
    pairs = dict(menu.assignments(decision))
    assert pairs["CC_STEPS"] == str(len(decision.steps))
    assert (pairs["CC_STEP_1_KIND"], pairs["CC_STEP_1_DIAL"], pairs["CC_STEP_1_SECONDS"]) == \
        ("agent", "Local/1001@agent-phones/n", "20")
    assert (pairs["CC_STEP_2_KIND"], pairs["CC_STEP_2_TARGET"], pairs["CC_STEP_2_PRIORITY"]) == ("queue", "vip", "10")
    last = len(decision.steps)
    assert pairs[f"CC_STEP_{last}_SECONDS"] == ""          # the last queue waits until answered


def test_route_of_a_blocked_number_rejects_with_its_prompt():
    from datetime import UTC, datetime
    blocked = settings_from_mapping({"routing": {"blacklist": {"numbers": ["+8613900000009"]}}})
    decision = menu.route(blocked, menu.decide(blocked, None, walk("1"), "en"), None, walk("1"),
                          number="+8613900000009", identified_by="none", availability=_floor(),
                          now=datetime(2026, 11, 23, tzinfo=UTC))
    assert decision.rejected == "blacklisted" and decision.steps == ()
    assert (variables.ACTION, variables.ACTION_REJECT) in menu.assignments(decision)


def test_a_closed_queue_adds_the_action_and_the_reason():
    decision = menu.closed(menu.decide(SETTINGS, card("vip"), walk("1"), "en"), "holiday: 国庆节 National Day")
    assert decision.closed
    assert menu.assignments(decision)[-2:] == (
        (variables.ACTION, "closed"),
        (variables.CLOSED_REASON, "holiday: 国庆节 National Day"),
    )


def test_fallback_assignments():
    assert menu.assignments(menu.fallback(SETTINGS)) == (
        (variables.QUEUE, SETTINGS.routing.default_queue),
        (variables.PRIORITY, "0"),
        (variables.IVR_STATUS, "fallback"),
    )


# --------------------------------------------------------------------------- read-outs
COMPLAINTS = [
    {"id": 3, "status": "open", "severity": "critical", "created_at": "2026-01-02T00:00:00+00:00"},
    {"id": 5, "status": "In Progress", "severity": "low", "created_at": "2026-03-04T00:00:00+00:00"},
]


@pytest.mark.parametrize(("presses", "the_card", "said"), [
    # The number of open complaints, then the status of the most RECENT one (the card lists by severity).
    (["3", "1"], card("vip", open_complaints=COMPLAINTS),
     (menu.Speech("number", "2"), menu.Speech("file", "complaint-in-progress"))),
    (["3", "1"], card("vip", open_complaints=[]), (menu.Speech("number", "0"),)),
    (["3", "2"], card("vip", credit_status="suspended"), (menu.Speech("file", "credit-suspended"),)),
    (["3", "2"], card("vip", credit_status=None), (menu.Speech("file", "credit-unknown"),)),
    (["3", "3"], card("vip"), (menu.Speech("file", "balance-unavailable"),)),
    (["3", "1"], None, (menu.Speech("file", "caller-unknown"),)),
    (["1"], card("vip"), ()),
])
def test_readout(presses, the_card, said):
    assert menu.readout(walk(*presses), the_card) == said

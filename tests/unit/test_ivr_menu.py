"""The pure inbound decisions: menu flow, routing per tier, the dialplan variables."""
from __future__ import annotations

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import MenuOption, Settings, settings_from_mapping
from ivr import menu, variables

SERVICE = MenuOption(digit="1", label="service")
COMPLAINT = MenuOption(digit="2", label="complaint")
OPTIONS = (SERVICE, COMPLAINT)


def run(presses: list[str], tries: int = 2) -> menu.MenuState:
    state = menu.start_menu(OPTIONS)
    for digits in presses:
        state = menu.press(OPTIONS, tries, state, digits)
    return state


# --------------------------------------------------------------------------- menu flow
@pytest.mark.parametrize(("digit", "option"), [("1", SERVICE), ("2", COMPLAINT)])
def test_a_valid_digit_chooses_at_once(digit, option):
    state = run([digit])
    assert state.done and state.choice == option and not state.defaulted
    assert state.digits == (digit,) and state.tries == 1


def test_invalid_then_valid():
    state = run(["7"])
    assert not state.done and state.digits == ("7",)
    state = menu.press(OPTIONS, 2, state, "2")
    assert state.done and state.choice == COMPLAINT and state.digits == ("7", "2")


def test_timeouts_take_the_first_option():
    state = run(["", ""])
    assert state.done and state.defaulted and state.choice == SERVICE
    assert state.digits == () and state.tries == 2


@pytest.mark.parametrize("tries", [1, 2, 3, 5])
def test_no_more_prompts_than_the_tries_limit(tries):
    state = menu.start_menu(OPTIONS)
    prompts = 0
    while not state.done:
        prompts += 1
        state = menu.press(OPTIONS, tries, state, "9")
    assert prompts == tries
    assert state.choice == SERVICE and state.digits == ("9",) * tries


def test_a_finished_menu_ignores_further_presses():
    state = run(["1"])
    assert menu.press(OPTIONS, 2, state, "2") == state


def test_no_options_means_no_menu():
    state = menu.start_menu(())
    assert state.done and state.choice is None
    assert menu.menu_note(state) == "no menu"


def test_notes():
    assert menu.menu_note(run(["1"])) == "pressed 1: service"
    assert "defaulted to service" in menu.menu_note(run(["", "5"]))


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
def test_route_per_tier(tier, queue, priority):
    decision = menu.decide(SETTINGS, card(tier), "service")
    assert (decision.queue, decision.priority) == (queue, priority)
    route = SETTINGS.route_for(tier)
    assert (route.queue, route.priority) == (queue, priority)


def test_unknown_caller():
    decision = menu.decide(SETTINGS, None, "complaint", channel_language="en")
    assert decision == menu.Decision("standard", 0, "en", "", "complaint")


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
    assert menu.decide(settings, card("vip"), "").queue == "gold"
    assert menu.decide(settings, card("group"), "").queue == "rest"     # no tier, no unknown: default
    assert menu.fallback(settings).queue == "rest"


def test_language_and_customer_id():
    assert menu.decide(SETTINGS, card("vip"), "").language == "zh"
    assert menu.decide(SETTINGS, card("vip", language=""), "", "fr").language == "fr"
    assert menu.decide(SETTINGS, card("vip"), "").customer_id == "9"
    assert menu.decide(SETTINGS, card("vip", customer_id=None), "").customer_id == ""


def test_best_card_is_the_first():
    first, second = card("vip"), card("group")
    assert menu.best_card([first, second]) == first
    assert menu.best_card([]) is None and menu.best_card(None) is None
    with pytest.raises(TypeError):
        menu.best_card(["not a card"])


def test_assignments_set_every_variable_routing_first():
    decision = menu.decide(SETTINGS, card("vip"), "service")
    assert menu.assignments(decision) == (
        (variables.QUEUE, "vip"),
        (variables.PRIORITY, "10"),
        (variables.LANGUAGE, "zh"),
        (variables.CUSTOMER_ID, "9"),
        (variables.MENU_CHOICE, "service"),
        (variables.IVR_STATUS, "ok"),
    )


def test_fallback_assignments():
    assert menu.assignments(menu.fallback(SETTINGS)) == (
        (variables.QUEUE, SETTINGS.routing.default_queue),
        (variables.PRIORITY, "0"),
        (variables.IVR_STATUS, "fallback"),
    )

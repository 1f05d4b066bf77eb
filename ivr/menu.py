"""Inbound IVR decisions, pure: menu flow, routing, and the dialplan variables that carry them.

Theory of operation. The script (``ivr/inbound.py``) does the I/O: one ``GET DATA`` per menu try,
the caller lookup, ``SET VARIABLE``. Everything it decides comes from here, values in and values out:

* :func:`press` moves a :class:`MenuState` on by one ``GET DATA`` result. A valid digit chooses; a
  timeout or an invalid digit costs a try; when the tries are used up the first option is taken, so the
  caller always goes on to a queue.
* :func:`decide` turns the best screen-pop card (``None`` = unknown caller) and the menu choice into a
  :class:`Decision` through the tier map (``Settings.route_for``); :func:`fallback` is the decision when
  the script broke.
* :func:`assignments` lists the dialplan variables (names from :mod:`ivr.variables` only) to set.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callcenter.settings import MenuOption, Settings
from ivr import variables

STATUS_OK = "ok"
STATUS_FALLBACK = "fallback"


# --------------------------------------------------------------------------- menu
@dataclass(frozen=True, slots=True)
class MenuState:
    tries: int = 0
    digits: tuple[str, ...] = ()        # every key pressed, valid or not, in order
    choice: MenuOption | None = None
    defaulted: bool = False             # no valid digit in any try: the first option was taken
    done: bool = False


def start_menu(options: Sequence[MenuOption]) -> MenuState:
    """The state before the first prompt; already done when the menu has no options."""
    return MenuState(done=not options)


def press(options: Sequence[MenuOption], max_tries: int, state: MenuState, digits: str) -> MenuState:
    """One ``GET DATA`` result (``""`` = nothing pressed before the timeout)."""
    if state.done:
        return state
    pressed = state.digits + ((digits,) if digits else ())
    tries = state.tries + 1
    option = next((o for o in options if o.digit == digits), None) if digits else None
    if option is not None:
        return MenuState(tries, pressed, option, done=True)
    if tries >= max_tries:
        return MenuState(tries, pressed, options[0], defaulted=True, done=True)
    return MenuState(tries, pressed)


def menu_note(state: MenuState) -> str:
    if state.choice is None:
        return "no menu"
    if state.defaulted:
        return f"no valid menu digit in {state.tries} tries: defaulted to {state.choice.label}"
    return f"pressed {state.choice.digit}: {state.choice.label}"


# --------------------------------------------------------------------------- routing
@dataclass(frozen=True, slots=True)
class Decision:
    queue: str
    priority: int
    language: str
    customer_id: str = ""
    menu_choice: str = ""
    status: str = STATUS_OK


def best_card(cards: Sequence[Any] | None) -> dict[str, Any] | None:
    """The first (best) screen-pop card, ``None`` for an unknown caller; a non-mapping is a bug."""
    if not cards:
        return None
    card = cards[0]
    if not isinstance(card, Mapping):
        raise TypeError(f"screen-pop card is a {type(card).__name__}, not a mapping")
    return dict(card)


def decide(settings: Settings, card: Mapping[str, Any] | None, menu_choice: str,
           channel_language: str = "") -> Decision:
    """Queue and priority from the caller's tier (VIP first, group → enterprise, others standard)."""
    tier = card.get("customer_type") if card is not None else None
    route = settings.route_for(tier)
    language = (card.get("language") if card is not None else None) or channel_language or "en"
    customer_id = card.get("customer_id") if card is not None else None
    return Decision(
        queue=route.queue,
        priority=route.priority,
        language=str(language),
        customer_id="" if customer_id is None else str(customer_id),
        menu_choice=menu_choice,
    )


def fallback(settings: Settings, language: str = "en") -> Decision:
    return Decision(settings.routing.default_queue, 0, language or "en", status=STATUS_FALLBACK)


def assignments(decision: Decision) -> tuple[tuple[str, str], ...]:
    """``(variable, value)`` pairs to set, routing first, so a session cut short still carries the queue."""
    if decision.status == STATUS_FALLBACK:
        return (
            (variables.QUEUE, decision.queue),
            (variables.PRIORITY, str(decision.priority)),
            (variables.IVR_STATUS, STATUS_FALLBACK),
        )
    return (
        (variables.QUEUE, decision.queue),
        (variables.PRIORITY, str(decision.priority)),
        (variables.LANGUAGE, decision.language),
        (variables.CUSTOMER_ID, decision.customer_id),
        (variables.MENU_CHOICE, decision.menu_choice),
        (variables.IVR_STATUS, decision.status),
    )

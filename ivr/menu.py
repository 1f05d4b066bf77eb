"""Inbound IVR decisions, pure: language, routing of a menu outcome, read-outs, the dialplan variables.

Theory of operation. The script (``ivr/inbound.py``) does the I/O: the caller lookup, one ``GET DATA``
per :class:`ivr.menus.Prompt`, the say verbs, ``SET VARIABLE``. Everything it decides comes from here
and from :class:`ivr.menus.MenuFlow`, values in and values out:

* :func:`language` picks the menu language: the card's, mapped onto the tree's, else the tree's default
  (not the channel's: Asterisk reports ``agi_language: en`` for every channel whose endpoint sets none);
  what leaves the IVR (``CC_LANGUAGE``, the event, the stored interaction) is its :func:`base_language`
  ("zh-CN" → "zh"), the code the CRM and the console use; :func:`channel_language` is the value the
  script gives ``CHANNEL(language)`` before the first prompt and after every switch;
* :func:`decide` turns the best screen-pop card (``None`` = unknown caller) and the menu's
  :class:`~ivr.menus.Outcome` into a :class:`Decision`: a ``queue`` outcome names its queue, every other
  outcome takes the tier's entry route (``Settings.route_for``); the priority is always the tier's.
  a ``callback`` choice is saved by the script and the caller hung up on (routed like the operator if
  the request cannot be saved); the in-menu ``survey`` action is routed like the operator, and
  :func:`outcome_notes` says so;
* :func:`readout` lists what a self-service choice says (:class:`Speech`), from the card only;
* :func:`closed` marks a decision whose queue is out of hours; :func:`fallback` is the decision when the
  script broke;
* :func:`assignments` lists the dialplan variables (names from :mod:`ivr.variables` only) to set.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from callcenter import routing
from callcenter.settings import Settings
from ivr import variables
from ivr.menus import MenuTree, Outcome, QueueAction, SelfServiceAction

STATUS_OK = "ok"
STATUS_FALLBACK = "fallback"
NOT_IMPLEMENTED = frozenset({"survey"})     # the in-menu survey action; the post-call survey is ivr/survey.py
_UNSAFE_SOUND = re.compile(r"[^A-Za-z0-9_-]+")


# --------------------------------------------------------------------------- language
def language(tree: MenuTree, card: Mapping[str, Any] | None) -> str:
    """The tree language matching the card's language, else the tree's default."""
    known = {lang.split("-")[0].lower() for lang in tree.languages}
    text = str((card or {}).get("language") or "").replace("_", "-").lower()
    if text and text.split("-")[0] in known:
        return tree.pick_language(text)
    return tree.default_language


def base_language(menu_language: str) -> str:
    """The CRM's and the console's language code ("zh", "en") of a menu language ("zh-CN")."""
    return menu_language.split("-")[0].lower()


def channel_language(menu_language: str) -> str:
    """``CHANNEL(language)`` for a menu language: Asterisk plays ``sounds/<it>/<name>`` (main/file.c
    ``fileexists_core``: the language as given, then cut at each ``_``, then none, then ``en``; a
    ``-`` is never cut, so ``zh-CN`` would miss ``sounds/zh/``). The base language is the folder
    ``callcenter prompts`` writes (``prompts.sound_dir``)."""
    return base_language(menu_language)


# --------------------------------------------------------------------------- routing
@dataclass(frozen=True, slots=True)
class StepVars:
    """One step of the plan as the dialplan runs it: ``Dial(dial, seconds)`` for an agent,
    ``Queue(target)`` at ``priority`` for at most ``seconds`` (``None``: until answered) for a queue."""
    kind: Literal["agent", "queue"]
    target: str
    seconds: int | None
    priority: int = 0
    dial: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    queue: str
    priority: int
    language: str
    customer_id: str = ""
    menu_choice: str = ""
    status: str = STATUS_OK
    closed_reason: str = ""             # set: the queue is closed, the dialplan hangs up
    steps: tuple[StepVars, ...] = ()    # the routing plan (empty: just Queue(queue))
    routing: dict[str, Any] | None = None   # RoutingDecision.as_dict(): the trace
    rejected: str = ""                  # set (the prompt to play): a blocked number, the dialplan hangs up
    survey: bool = False
    callback: bool = False              # the caller will be called back: the dialplan hangs up

    @property
    def closed(self) -> bool:
        return bool(self.closed_reason)


def best_card(cards: Sequence[Any] | None) -> dict[str, Any] | None:
    """The first (best) screen-pop card, ``None`` for an unknown caller; a non-mapping is a bug."""
    if not cards:
        return None
    card = cards[0]
    if not isinstance(card, Mapping):
        raise TypeError(f"screen-pop card is a {type(card).__name__}, not a mapping")
    return dict(card)


def menu_choice(outcome: Outcome | None) -> str:
    """A short label of the final choice: the action's ``choice``, else its label, else its kind."""
    if outcome is None:
        return ""
    action = outcome.action
    return action.choice or action.label or outcome.kind


def decide(settings: Settings, card: Mapping[str, Any] | None, outcome: Outcome | None,
           language: str) -> Decision:
    """Queue and priority for the caller's tier (VIP first, group → enterprise, others standard)."""
    tier = card.get("customer_type") if card is not None else None
    route = settings.route_for(tier)
    queue = outcome.action.queue if outcome is not None and isinstance(outcome.action, QueueAction) \
        else route.queue
    customer_id = card.get("customer_id") if card is not None else None
    return Decision(
        queue=queue,
        priority=route.priority,
        language=base_language(language),
        customer_id="" if customer_id is None else str(customer_id),
        menu_choice=menu_choice(outcome),
    )


def route(settings: Settings, decision: Decision, card: Mapping[str, Any] | None, outcome: Outcome | None, *,
          number: str, identified_by: str, availability: routing.AgentAvailability, now: datetime) -> Decision:
    """The routing plan for *decision*: the tier's ladder and special cases (``routing.decide``), or the
    queue the caller chose in the menu (``routing.to_queue``), walked against agent *availability*.
    Agent steps become ``Dial()`` of the agent's interface; the trace goes with the decision."""
    facts = routing.CallerFacts(number=number, card=card, identified_by=identified_by if card else "none",
                                menu_choice=decision.menu_choice, language=decision.language)
    if outcome is not None and isinstance(outcome.action, QueueAction):
        result = routing.to_queue(facts, outcome.action.queue, availability, settings.routing, now)
    else:
        result = routing.decide(facts, availability, settings.routing, now)
    if result.action == "reject":
        return replace(decision, routing=result.as_dict(), rejected=result.message or "blacklisted", steps=())
    steps: list[StepVars] = []
    for step in result.plan:
        if step.kind == "agent":
            presence = availability.get(step.target)
            if presence is not None and presence.interface:
                steps.append(StepVars("agent", step.target, step.seconds, dial=presence.interface))
        else:
            steps.append(StepVars("queue", step.target, step.seconds, step.priority))
    return replace(decision, queue=result.queue, priority=result.priority, steps=tuple(steps),
                   routing=result.as_dict())


def outcome_notes(outcome: Outcome) -> tuple[str, ...]:
    """What the routing trace says about the menu: the path, and what is routed as the operator."""
    notes = [f"menu: {outcome.trace()}"]
    if outcome.kind in NOT_IMPLEMENTED:
        notes.append(f"{outcome.kind} not implemented yet: routed as operator")
    return tuple(notes)


def closed(decision: Decision, reason: str) -> Decision:
    return replace(decision, closed_reason=reason or "closed")


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
    pairs = (
        (variables.QUEUE, decision.queue),
        (variables.PRIORITY, str(decision.priority)),
        (variables.LANGUAGE, decision.language),
        (variables.CUSTOMER_ID, decision.customer_id),
        (variables.MENU_CHOICE, decision.menu_choice),
        (variables.IVR_STATUS, decision.status),
    )
    if decision.closed:
        return pairs + ((variables.ACTION, variables.ACTION_CLOSED), (variables.CLOSED_REASON, decision.closed_reason))
    if decision.rejected:
        return pairs + ((variables.ACTION, variables.ACTION_REJECT),)
    if decision.callback:
        return pairs + ((variables.ACTION, variables.ACTION_CALLBACK),)
    for i, step in enumerate(decision.steps, start=1):
        pairs += ((variables.step(i, "KIND"), step.kind), (variables.step(i, "TARGET"), step.target),
                  (variables.step(i, "SECONDS"), "" if step.seconds is None else str(step.seconds)))
        pairs += ((variables.step(i, "DIAL"), step.dial),) if step.kind == "agent" else \
            ((variables.step(i, "PRIORITY"), str(step.priority)),)
    if decision.steps:
        pairs += ((variables.STEPS, str(len(decision.steps))),)
    if decision.survey:
        pairs += ((variables.SURVEY, "yes"),)
    return pairs


# --------------------------------------------------------------------------- self-service read-outs
@dataclass(frozen=True, slots=True)
class Speech:
    """One say verb: ``file`` → STREAM FILE <value>, ``number`` → SAY NUMBER <value>."""
    verb: Literal["file", "number"]
    value: str


def _sound(prefix: str, status: Any) -> Speech:
    # Statuses come from the CRM: keep them to one safe sound-file name.
    word = _UNSAFE_SOUND.sub("-", str(status or "unknown").strip().lower()).strip("-") or "unknown"
    return Speech("file", f"{prefix}-{word}")


def readout(outcome: Outcome, card: Mapping[str, Any] | None) -> tuple[Speech, ...]:
    """What a self-service choice says, from the screen-pop card; ``()`` for other outcomes."""
    action = outcome.action
    if not isinstance(action, SelfServiceAction):
        return ()
    service = action.self_service
    if service == "balance":
        return (Speech("file", "balance-unavailable"),)      # the CRM holds no balance yet
    if card is None:
        return (Speech("file", "caller-unknown"),)
    if service == "credit_status":
        return (_sound("credit", card.get("credit_status")),)
    complaints = [c for c in card.get("open_complaints") or () if isinstance(c, Mapping)]
    said = [Speech("number", str(len(complaints)))]
    if complaints:
        latest = max(complaints, key=lambda c: (str(c.get("created_at") or ""), c.get("id") or 0))
        said.append(_sound("complaint", latest.get("status")))
    return tuple(said)

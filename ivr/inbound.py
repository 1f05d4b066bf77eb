"""The ``inbound`` FastAGI script: identify the caller, walk the voice menus, check the hours, route.

Theory of operation. The decisions live in :mod:`ivr.menus` (the flow), :mod:`ivr.menu` (routing,
read-outs, variables) and :mod:`ivr.hours`; this module only sequences the I/O:

1. read the call from the AGI environment and look the caller's number up (bounded by
   ``ivr.lookup_timeout``; a lookup that does not answer in time means "unknown caller", noted);
   when the number is unknown or shared, ask for the account number + PIN (``ivr.account_pin``,
   a limited number of tries; an unidentified caller is still served);
2. set ``CHANNEL(language)`` to the caller's language (the card's, else the menus' default) before the
   first prompt: Asterisk picks ``sounds/<language>/<name>`` when a prompt starts; again after the
   account + PIN identified a card, and whenever the caller switches language in the menu;
   walk ``ivr.menus`` with a :class:`MenuFlow`: each prompt is *one* ``GET DATA`` (DTMF pressed between
   commands is lost), after a notice played with ``STREAM FILE`` and escape digits (a key pressed during
   the notice is the caller's choice); a self-service outcome is read out with the say verbs;
3. check the queue's business hours at the injected clock's ``now``: when it is closed, ``CC_ACTION=closed``
   and the ``closed`` prompt (the dialplan then hangs up instead of queueing);
4. set the ``CC_*`` variables and post :class:`IvrCompleted` to the engine, with the seconds since the
   request came in (the engine dates the call's ``started_at`` back to the arrival).

Nothing leaves :func:`run_inbound` but cancellation. A hang-up ends the script with an
``IvrCompleted`` carrying what was known (the engine sees the Hangup from AMI). Any other failure
(a bug, the database down, a bad card) still sets the default queue with ``CC_IVR_STATUS=fallback``
(``SET VARIABLE`` works even on a dead channel) and posts ``IvrCompleted(failed=True)``: the dialplan
always goes on to ``Queue()``, the caller never hears silence.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from callcenter.domain import IvrCompleted
from callcenter.errors import StoreUnavailable
from callcenter.routing import AgentAvailability
from callcenter.settings import Settings
from ivr import menu, variables
from ivr.channel import AgiChannel, AgiError, AgiHangup
from ivr.hours import is_open
from ivr.menus import MenuFlow, Outcome, Prompt

log = logging.getLogger(__name__)

Identify = Callable[[str], Awaitable[list[dict[str, Any]]]]
Post = Callable[[Any], None]
Clock = Callable[[], datetime]
VerifyAccount = Callable[[str, str], Awaitable[dict[str, Any] | None]]
RememberLanguage = Callable[[int, str], Awaitable[None]]
ClosedNow = Callable[[], frozenset[str]]      # queues a supervisor closed with the emergency switch
Availability = Callable[[], AgentAvailability]  # agents as the engine sees them now
# Save a callback (``Store.add_callback`` keywords) and tell the engine; the second argument is the card.
RequestCallback = Callable[[dict[str, Any], dict[str, Any] | None], Awaitable[Any]]
CALLBACK_TIMEOUT = 1.0       # seconds: saving a callback request never holds the caller up longer
REMEMBER_TIMEOUT = 0.5       # seconds: saving the caller's language never holds the call up longer


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Known:
    """What the script has learnt so far; what a hang-up or a failure can still report."""
    card: dict[str, Any] | None = None
    identified_by: str = "number"
    ambiguous: bool = False                            # the number belongs to several customers
    language: str = ""
    spoken: str = ""                                   # the CHANNEL(language) set on the channel
    digits: list[str] = field(default_factory=list)      # every GET DATA result, "" = nothing pressed
    outcome: Outcome | None = None
    decision: menu.Decision | None = None
    notes: list[str] = field(default_factory=list)
    began: float = field(default_factory=lambda: asyncio.get_running_loop().time())   # the AGI request


async def run_inbound(channel: AgiChannel, settings: Settings, identify: Identify,
                      post: Post, clock: Clock = utc_now, *,
                      verify_account: VerifyAccount | None = None,
                      remember_language: RememberLanguage | None = None,
                      closed_now: ClosedNow | None = None,
                      availability: Availability | None = None,
                      request_callback: RequestCallback | None = None) -> IvrCompleted:
    """Run the script on one call; returns the posted event (only cancellation propagates)."""
    info = channel.info
    known = _Known()
    try:
        event = await _serve(channel, settings, identify, known, clock, verify_account, remember_language,
                             closed_now, availability, request_callback)
    except AgiHangup as exc:
        log.info("call %s: caller left the IVR (%s)", info.call_id, exc)
        known.notes.append("caller hung up in the IVR")
        event = _event(channel, known, known.decision or _decision_or_default(settings, channel, known))
    except Exception as exc:    # any bug or outage: default queue, never silence
        log.exception("call %s: IVR script failed; routing to the default queue", info.call_id)
        decision = menu.fallback(settings, info.language)
        await _set_variables(channel, decision)
        known.notes.insert(0, f"ivr error: {type(exc).__name__}: {exc}")
        event = _event(channel, known, decision, failed=True)
    try:
        post(event)
    except Exception:
        log.exception("call %s: could not post the IVR result to the engine", info.call_id)
    return event


async def _serve(channel: AgiChannel, settings: Settings, identify: Identify, known: _Known,
                 clock: Clock, verify_account: VerifyAccount | None,
                 remember_language: RememberLanguage | None, closed_now: ClosedNow | None,
                 availability: Availability | None, request_callback: RequestCallback | None) -> IvrCompleted:
    info = channel.info
    known.card = await _identify(identify, info.caller_number, settings.ivr.lookup_timeout,
                                 known, info.call_id)
    known.language = menu.language(settings.ivr.menus, known.card)
    await _speak_in(channel, known, known.language)
    if verify_account is not None and settings.ivr.account_pin.enabled and (known.card is None or known.ambiguous):
        by_pin = await _account_pin(channel, settings, verify_account, known)
        if by_pin is not None:
            known.card, known.identified_by = by_pin, "account_pin"
            known.language = menu.language(settings.ivr.menus, known.card)
    outcome = known.outcome = await _menu(channel, MenuFlow(settings.ivr.menus, known.language), known)
    if outcome.language != known.language and remember_language is not None:
        await _remember_language(remember_language, known, outcome.language, info.call_id)
    known.language = outcome.language
    known.notes.extend(menu.outcome_notes(outcome))
    decision = menu.decide(settings, known.card, outcome, outcome.language)
    if availability is not None:
        decision = _route(settings, decision, known, outcome, info.caller_number, availability, clock, info.call_id)
    if decision.rejected:
        known.decision = decision
        for name, value in menu.assignments(decision):
            await channel.set_variable(name, value)
        await channel.stream_file(decision.rejected)
        log.info("call %s from %r: blocked number, refused", info.call_id, info.caller_number)
        return _event(channel, known, decision)
    for speech in menu.readout(outcome, known.card):
        if speech.verb == "number":
            await channel.say_number(int(speech.value))
        else:
            await channel.stream_file(speech.value)
    state = is_open(decision.queue, clock(), settings.hours, closed_now=closed_now() if closed_now else frozenset())
    cb = settings.callbacks
    wants_callback = request_callback is not None and cb.enabled and bool(info.caller_number)
    if not state.open:
        decision = menu.closed(decision, state.reason)
        known.notes.insert(0, f"closed: {decision.closed_reason}")
    elif outcome.kind == "callback" and wants_callback:
        assert request_callback is not None
        if await _request_callback(request_callback, known, decision, info.caller_number, info.call_id,
                                   "ivr", clock(), None):
            decision = replace(decision, callback=True)
    elif settings.ivr.survey.enabled:
        decision = replace(decision, survey=True)
    known.decision = decision
    for name, value in menu.assignments(decision):
        await channel.set_variable(name, value)
    if decision.callback:
        await channel.stream_file(cb.confirm_prompt)
    if decision.closed:
        await channel.stream_file(settings.ivr.closed_prompt)
        if wants_callback and cb.offer_when_closed:
            assert request_callback is not None
            pressed, _ = await channel.get_data(cb.offer_prompt, settings.ivr.menus.timeout_ms, 1)
            if pressed == "1" and await _request_callback(request_callback, known, decision, info.caller_number,
                                                          info.call_id, "out_of_hours", clock(), state.next_open):
                await channel.stream_file(cb.confirm_prompt)
    log.info("call %s from %r: %s, queue %s priority %d%s", info.call_id, info.caller_number,
             "known customer" if known.card else "unknown caller", decision.queue, decision.priority,
             f" (closed: {decision.closed_reason})" if decision.closed else "")
    return _event(channel, known, decision)


async def _request_callback(request: RequestCallback, known: _Known, decision: menu.Decision, number: str,
                            call_id: str, source: str, now: datetime, not_before: datetime | None) -> bool:
    """Save the caller's callback (bounded); ``False`` (noted) when it could not be saved."""
    card = known.card or {}
    fields = {"number": number, "queue": decision.queue, "source": source, "credit_from": now,
              "customer_id": card.get("customer_id"), "priority": decision.priority, "call_id": call_id,
              "not_before": not_before}
    try:
        await asyncio.wait_for(request(fields, known.card), CALLBACK_TIMEOUT)
    except Exception as exc:     # the caller is queued instead: never a promise we did not keep
        log.warning("call %s: could not save the callback request: %s", call_id, exc)
        known.notes.append("callback could not be saved: queued instead" if source == "ivr"
                           else "callback could not be saved")
        return False
    known.notes.append(f"callback requested ({source})")
    return True


def _route(settings: Settings, decision: menu.Decision, known: _Known, outcome: Any, number: str,
           availability: Availability, clock: Clock, call_id: str) -> menu.Decision:
    """The routing plan and its trace; a failure keeps the tier's entry queue (never silence)."""
    try:
        return menu.route(settings, decision, known.card, outcome, number=number,
                          identified_by=known.identified_by, availability=availability(), now=clock())
    except Exception:
        log.exception("call %s: routing failed; the tier's entry queue is used", call_id)
        known.notes.append("routing failed: the tier's entry queue")
        return decision


async def _identify(identify: Identify, number: str, timeout: float, known: _Known,
                    call_id: str) -> dict[str, Any] | None:
    if not number:
        known.notes.append("no caller number")
        return None
    # A task and wait() rather than wait_for(): the call goes on at the deadline even if the lookup
    # is slow to honour its cancellation.
    lookup = asyncio.ensure_future(identify(number))
    try:
        done, _ = await asyncio.wait({lookup}, timeout=timeout)
    finally:
        if not lookup.done():
            lookup.cancel()
            lookup.add_done_callback(_consume)
    if not done:
        log.warning("call %s: caller lookup for %r took longer than %.2fs; unknown caller",
                    call_id, number, timeout)
        known.notes.append(f"caller lookup timed out after {timeout:g}s")
        return None
    if lookup.cancelled():      # not by us: report it as a failure, not as our own cancellation
        raise RuntimeError("the caller lookup was cancelled")
    try:
        cards = lookup.result()
    except StoreUnavailable as exc:  # the database is away: like a timeout, an unknown caller (who can still
        # ask for a callback: it is spooled), not the fallback path
        log.warning("call %s: caller lookup failed (%s); unknown caller", call_id, exc.message)
        known.notes.append("caller lookup failed: database unavailable")
        return None
    card = menu.best_card(cards)     # any other lookup error goes to the fallback path
    known.ambiguous = len(cards) > 1
    known.notes.append("known caller" if card else "unknown caller")
    if known.ambiguous:
        known.notes.append(f"number shared by {len(cards)} customers")
        if card is not None:     # the pop offers the agent the choice among them (issue 10)
            card = {**card, "candidates": [_candidate(c) for c in cards]}
    return card


def _candidate(card: dict[str, Any]) -> dict[str, Any]:
    return {key: card.get(key) for key in ("customer_id", "name", "customer_type", "value_class", "account_manager")}


async def _remember_language(remember: RememberLanguage, known: _Known, chosen: str, call_id: str) -> None:
    """The caller switched language in the menu: the next call greets them in it."""
    customer_id = (known.card or {}).get("customer_id")
    if not customer_id:
        return
    try:
        await asyncio.wait_for(remember(int(customer_id), menu.base_language(chosen)), REMEMBER_TIMEOUT)
        known.notes.append(f"language {menu.base_language(chosen)} remembered")
    except Exception as exc:     # a nicety: never a reason to fail the call
        log.warning("call %s: could not remember the caller's language: %s", call_id, exc)


async def _account_pin(channel: AgiChannel, settings: Settings, verify: VerifyAccount,
                       known: _Known) -> dict[str, Any] | None:
    """Ask for the account number and PIN, a limited number of times. What the caller types here is
    a secret: it never goes into ``known.digits`` (shown in the pop) nor into a log line."""
    cfg = settings.ivr.account_pin
    for attempt in range(1, cfg.max_tries + 1):
        account, _ = await channel.get_data(cfg.account_prompt, cfg.timeout_ms, cfg.account_max_digits)
        if not account:                 # nothing typed: no account at hand; serve the caller anyway
            known.notes.append("no account number given")
            return None
        pin, _ = await channel.get_data(cfg.pin_prompt, cfg.timeout_ms, cfg.pin_max_digits)
        try:
            card = await asyncio.wait_for(verify(account, pin or ""), cfg.verify_timeout)
        except asyncio.TimeoutError:
            known.notes.append("account check timed out")
            return None
        if card is not None:
            known.notes.append("identified by account + PIN")
            return card
        if attempt < cfg.max_tries:
            await channel.stream_file(cfg.invalid_prompt)
    known.notes.append(f"account + PIN not matched in {cfg.max_tries} tries")
    return None


async def _speak_in(channel: AgiChannel, known: _Known, language: str) -> None:
    """Prompts from here on in *language*: Asterisk reads CHANNEL(language) when a prompt starts."""
    code = menu.channel_language(language)
    if code != known.spoken:
        await channel.set_variable(variables.ASTERISK_CHANNEL_LANGUAGE, code)
        known.spoken = code


async def _menu(channel: AgiChannel, flow: MenuFlow, known: _Known) -> Outcome:
    step: Prompt | Outcome = flow.start()
    while isinstance(step, Prompt):
        await _speak_in(channel, known, step.language)      # the first, and after a language option
        pressed = None
        if step.notice:         # "invalid choice": a key pressed while it plays is the choice
            pressed = await channel.stream_file(step.notice, step.escape_digits)
        if pressed is None:
            pressed, _timed_out = await channel.get_data(step.file, step.timeout_ms, step.max_digits)
        known.digits.append(pressed or "")
        step = flow.press(pressed or None)
    return step


def _decision_or_default(settings: Settings, channel: AgiChannel, known: _Known) -> menu.Decision:
    try:
        language = known.language or menu.language(settings.ivr.menus, known.card)
        return menu.decide(settings, known.card, known.outcome, language)
    except Exception:
        log.exception("call %s: no routing decision for a bad card", channel.info.call_id)
        return menu.fallback(settings, channel.info.language)


async def _set_variables(channel: AgiChannel, decision: menu.Decision) -> None:
    try:
        for name, value in menu.assignments(decision):
            await channel.set_variable(name, value)
    except AgiError as exc:
        log.warning("call %s: could not set the fallback variables (%s); the dialplan defaults apply",
                    channel.info.call_id, exc)


def _event(channel: AgiChannel, known: _Known, decision: menu.Decision,
           failed: bool = False) -> IvrCompleted:
    info = channel.info
    return IvrCompleted(
        call_id=info.call_id,
        caller_number=info.caller_number,
        queue=decision.queue,
        priority=decision.priority,
        card=known.card,
        digits=tuple(known.digits),
        menu_choice=decision.menu_choice,
        language=decision.language,
        failed=failed,
        note="; ".join(known.notes),
        routing=decision.routing,
        survey=decision.survey,
        ivr_seconds=max(asyncio.get_running_loop().time() - known.began, 0.0),
    )


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned lookup's outcome so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()

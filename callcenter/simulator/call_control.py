"""Call control the server drives over AMI: ``BlindTransfer``, hold (``Redirect`` with ``ExtraChannel``
to ``[cc-hold]``) and ``Bridge``, plus the ``[transfer]`` and ``[cc-hold]`` contexts of extensions.conf.

Theory of operation. A connected caller (``SimCall``) knows its bridge and the agent's leg
(``call.bridge``/``call.leg``, set by app_queue and app_dial). ``BlindTransfer`` on the agent's leg
records where the caller goes (``call.transfer``) and resolves the caller's redirect: app_queue /
app_dial emit the transfer (:mod:`.transfer_events`) and the caller runs ``[transfer]``:

    exten = a queue name     -> 1 Queue(${EXTEN})        2 Hangup()
    exten = a 4-digit login  -> 1 Dial(Local/${EXTEN}@agent-phones/n,<ring>,g)
    exten = "*" + a number   -> 1 Dial(Local/${EXTEN:1}@customer-phones/n,<ring>,g)
        then 2 GotoIf(answered?bye)  3 Queue(${CC_QUEUE} or the default queue,t)  4 (bye) Hangup()
        (<ring> = routing.transfer_ring_seconds: an unanswered blind transfer puts the caller back in
        their queue, at their QUEUE_PRIO)
    (anything else is no extension of the context: the caller's channel ends; :mod:`.transfer_context`)

Hold: ``Redirect`` of the caller to ``[cc-hold]`` with ``ExtraChannel`` = the agent's leg (to
``[cc-hold-agent]``): the caller leaves app_queue's bridge and hears music on hold (``MusicOnHoldStart``,
``call.phase == "on_hold"``); the agent's leg waits in its own ``Wait(3600)`` (:func:`_park`).
app_queue still follows the call: ``AgentComplete`` comes when the caller hangs up (``Reason:
caller``, README "Transfers") or the parked leg's phone side does (``Reason: agent``). ``Bridge``
(Channel1 = caller, Channel2 = the agent's leg) puts them in a new basic bridge. What a real Asterisk
22.10.1 does then, and the simulator with it (STYLE.md traps, issue 9 failures 3 and 4; each point
below was also seen on a live 22.10.1 with Local members, the event order only roughly followed):

* after a ``Bridge`` app_queue never sends ``AgentComplete`` for the call: the action yanks both
  channels out of their dialplan by a masquerade (main/bridge.c ``ast_bridge_add_channel``,
  main/channel.c ``ast_channel_yank``), and app_queue's ``handle_masquerade`` follows the uniqueid of
  the surrogate that dies at once; the channels keep their names and Uniqueids;
* when the bridge ends each surviving channel goes on after the priority it was yanked from
  (main/features.c ``action_bridge``: ``ast_bridge_set_after_goto``): the caller to ``[cc-hold]``
  priority 2 (the survey when asked, then ``Hangup()``), the agent's leg to ``[cc-hold-agent]``
  priority 2 (``Hangup()``);
* a leg parked in ``Wait()`` stays up when its partner hangs up, and a held caller hears music for
  as long as it stays: the server has to hang up / send on the other side itself.
"""
from __future__ import annotations

from typing import Any

from ivr import variables as dv

from . import events as ev
from .agi_client import AgiSession
from .ami_actions import action_redirect
from .ami_server import Session
from .atxfer import ATXFER_ACTIONS
from .app_queue import REDIRECTED, queue_exec
from .calls import COMPLETED, LEFT_DIALPLAN, SimCall, wait_any
from .channels import new_bridge
from .dial import ANSWER, dial_exec
from .dialplan_exits import Location, after_queue, dialplan_hangup, end_dead, take_redirect
from .pbx import Pbx
from .protocol import Pairs, error, header, success
from .ringing import MemberLeg, hang_up_agent_side
from .transfer_context import phone_destination
from .transfer_events import blind_transferred

TRANSFER, HOLD, HOLD_AGENT = "transfer", "cc-hold", "cc-hold-agent"
CONTEXTS = (TRANSFER, HOLD)
HOLD_AGENT_WAIT_SECONDS = 3600.0          # [cc-hold-agent] s,1 Wait(3600)
HOLD_AFTER_AGENT, HOLD_SURVEY, HOLD_BYE = 2, 3, 4      # [cc-hold] priorities after MusicOnHold


def _call_of_leg(pbx: Pbx, leg: Any) -> SimCall | None:
    return next((c for c in pbx.calls.values() if c.outcome is None and leg is not None
                 and (c.leg is leg or c.parked_leg is leg)), None)


def _live(pbx: Pbx, leg: MemberLeg) -> bool:
    return pbx.channels.get(leg.dial.name) is leg.dial and not leg.gone.done()


# ---------------------------------------------------------------------------------- actions
async def action_blind_transfer(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    name, context, exten = header(frame, "Channel"), header(frame, "Context"), header(frame, "Exten")
    if not name:
        session.send(error(frame, "No channel specified"))
        return
    chan = pbx.channels.get(name)
    if chan is None:
        session.send(error(frame, "No such channel"))
        return
    if not exten:
        session.send(error(frame, "No extension specified"))
        return
    leg = chan.owner if isinstance(chan.owner, MemberLeg) else None
    call = _call_of_leg(pbx, leg)
    if call is None or call.leg is not leg or call.redirect.done():
        session.send(error(frame, "Transfer failed"))
        return
    call.transfer = (context or chan.context, exten)
    session.send(success(frame, "Transfer succeeded"))
    call.redirect.set_result((context or chan.context, exten, 1))


async def action_dual_redirect(session: Session, frame: Pairs) -> None:
    """``Redirect``; with ``ExtraChannel`` = the agent's leg bridged with the caller, that leg is kept
    (sent to ExtraContext to wait) instead of being hung up when the caller leaves the bridge."""
    extra_name = header(frame, "ExtraChannel")
    if not extra_name:
        await action_redirect(session, frame)
        return
    pbx = session.pbx
    extra = pbx.channels.get(extra_name)
    caller = pbx.channels.get(header(frame, "Channel"))
    if extra is None or caller is None:
        session.send(error(frame, f"Channel does not exist: {extra_name if extra is None else header(frame, 'Channel')}"))
        return
    leg = extra.owner if isinstance(extra.owner, MemberLeg) else None
    call = caller.owner if isinstance(caller.owner, SimCall) else None
    if leg is None or call is None or call.leg is not leg or call.redirect.done():
        session.send(error(frame, "Redirect failed"))
        return
    call.parked_leg = leg
    extra.at(header(frame, "ExtraContext") or extra.context, header(frame, "ExtraExten") or "s", 1, "Wait", "")
    call.redirect.set_result((header(frame, "Context"), header(frame, "Exten") or "s", 1))
    session.send(success(frame, "Dual Redirect successful"))


async def action_bridge(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    names = header(frame, "Channel1"), header(frame, "Channel2")
    chans = [pbx.channels.get(n) for n in names]
    for i, (n, c) in enumerate(zip(names, chans), 1):
        if c is None:
            session.send(error(frame, f"Channel{i} does not exist: {n}"))
            return
    owners = [c.owner for c in chans if c is not None]
    call = next((o for o in owners if isinstance(o, SimCall)), None)
    leg = next((o for o in owners if isinstance(o, MemberLeg)), None)
    if call is None or leg is None or call.bridge_request is None or call.bridge_request.done() \
            or not _live(pbx, leg):
        session.send(error(frame, "Unable to bridge channels"))
        return
    session.send(success(frame, "Channels have been bridged"))
    call.bridge_request.set_result(leg)


CALL_CONTROL_ACTIONS = {"BlindTransfer": action_blind_transfer, "Redirect": action_dual_redirect,
                        "Bridge": action_bridge, **ATXFER_ACTIONS}


# ---------------------------------------------------------------------------------- contexts
async def run_context(pbx: Pbx, call: SimCall, context: str, exten: str, priority: int) -> Location | None:
    if context == TRANSFER:
        return await _transfer(pbx, call, exten)
    return await _hold(pbx, call, exten, priority)


async def _transfer(pbx: Pbx, call: SimCall, exten: str) -> Location | None:
    chan = call.chan
    assert chan is not None
    if exten in pbx.queues:
        chan.at(TRANSFER, exten, 1, "Queue", exten)
        result = await queue_exec(pbx, call, exten)
        return after_queue(pbx, call, result, (TRANSFER, exten, 2))
    destination = phone_destination(exten)
    if destination is None:                      # no such extension in [transfer]: the channel ends
        dialplan_hangup(pbx, call, LEFT_DIALPLAN)
        return None
    context, number = destination
    interface = f"Local/{number}@{context}/n"
    ring = pbx.config.transfer_ring_seconds
    chan.at(TRANSFER, exten, 1, "Dial", f"{interface},{int(ring)},g")
    result = await dial_exec(pbx, call, interface, ring)
    if result == REDIRECTED:
        return take_redirect(call)
    if call.outcome is not None:
        return None
    chan.at(TRANSFER, exten, 2, "GotoIf")
    if result != ANSWER:        # nobody answered: back to the caller's queue (BLINDTRANSFER is set)
        queue = call.variables.get(dv.QUEUE) or pbx.config.default_queue
        chan.at(TRANSFER, exten, 3, "Queue", f"{queue},t")
        back = await queue_exec(pbx, call, queue)
        return after_queue(pbx, call, back, (TRANSFER, exten, 4))
    chan.at(TRANSFER, exten, 4, "Hangup")
    dialplan_hangup(pbx, call, COMPLETED)
    return None


async def _hold(pbx: Pbx, call: SimCall, exten: str, priority: int = 1) -> Location | None:
    chan = call.chan
    assert chan is not None
    if priority >= 2:
        return await _after_agent(pbx, call, exten, priority)
    leg, call.parked_leg = call.parked_leg, None
    if leg is not None:
        pbx.spawn(_park(pbx, call, leg), name=f"hold-agent-{leg.dial.name}")
    chan.at(HOLD, exten, 1, "MusicOnHold", "default")
    call.phase = "on_hold"
    pbx.emit(ev.moh_start(chan.snapshot()))
    call.bridge_request = pbx.loop.create_future()
    # The parked leg hanging up changes nothing here: the caller hears music until it hangs up or is
    # sent elsewhere (STYLE.md trap: a leg parked in a Wait() stays up when its partner hangs up).
    await wait_any([call.caller_gone, call.redirect, call.bridge_request], None)
    request, call.bridge_request = call.bridge_request, None
    pbx.emit(ev.moh_stop(chan.snapshot()))
    if call.hung_up or call.redirect.done():
        return end_dead(pbx, call, LEFT_DIALPLAN) if call.hung_up else take_redirect(call)
    return await _bridged(pbx, call, request.result(), exten)


async def _park(pbx: Pbx, call: SimCall, leg: MemberLeg) -> None:
    """The agent's leg in ``[cc-hold-agent]``: ``Wait(3600)`` then ``Hangup()``, unless a Bridge takes it
    first. It stays up when the held caller hangs up (STYLE.md trap; issue 9 failure 4)."""
    leg.dial.at(HOLD_AGENT, "s", 1, "Wait", str(int(HOLD_AGENT_WAIT_SECONDS)))
    unparked = leg.unparked = pbx.loop.create_future()
    await wait_any([leg.gone, unparked], HOLD_AGENT_WAIT_SECONDS)
    if unparked.done():
        return                                           # bridged again: _bridged owns it now
    leg.unparked = None
    cause = leg.gone.result() if leg.gone.done() else 16
    complete = call.pending_complete
    if leg.gone.done() and not leg.dial_half_hung_up and complete is not None:
        # The phone side hung up: Local queues a hang-up (request) on ;1, which app_queue still follows
        # until a Bridge (apps/app_queue.c handle_hangup, member_uniqueid). Order is a guess.
        call.pending_complete = None
        complete("agent")
    if not leg.gone.done():
        leg.dial.at(HOLD_AGENT, "s", 2, "Hangup")
    hang_up_agent_side(pbx, leg, cause)


async def _after_agent(pbx: Pbx, call: SimCall, exten: str, priority: int) -> Location | None:
    """``[cc-hold]`` from priority 2: where a resumed caller goes when the agent hangs up (Bridge's
    after-goto) or where the server sends a held caller whose agent's leg is gone:
    2 GotoIf(CC_SURVEY != yes ? bye)  3 AGI(survey)  4 (bye) Hangup()."""
    chan = call.chan
    assert chan is not None
    if priority <= HOLD_SURVEY and (pbx.get_var(chan, dv.SURVEY) or "") == "yes":
        session = AgiSession(pbx, call, dv.SURVEY_SCRIPT, [], HOLD_SURVEY)
        chan.at(HOLD, exten, HOLD_SURVEY, "AGI", session.url)
        call.phase = "survey"
        await session.run()
    if call.redirect.done() and not call.hung_up:
        return take_redirect(call)
    if call.hung_up or call.dead_by_agi:
        return end_dead(pbx, call, LEFT_DIALPLAN)
    chan.at(HOLD, exten, HOLD_BYE, "Hangup")
    dialplan_hangup(pbx, call, COMPLETED)
    return None


async def _bridged(pbx: Pbx, call: SimCall, leg: MemberLeg, exten: str) -> Location | None:
    chan = call.chan
    assert chan is not None
    if leg.unparked is not None and not leg.unparked.done():
        leg.unparked.set_result(None)
    leg.unparked = None
    call.pending_complete = None          # the masquerade: app_queue has lost the call for good
    leg.member.in_call = False            # ... so its try_calling() is over: InCall 0 (live: QueueStatus)
    bridge = new_bridge()
    pbx.emit(ev.bridge_create(bridge))
    chan.bridge_id = leg.dial.bridge_id = bridge.uniqueid
    pbx.emit(ev.bridge_enter(bridge, 1, chan.snapshot()))
    pbx.emit(ev.bridge_enter(bridge, 2, leg.dial.snapshot()))
    call.bridge, call.leg, call.phase = bridge, leg, "connected"
    await wait_any([call.caller_gone, leg.gone, call.redirect], None)
    call.bridge = call.leg = None
    if call.hung_up:
        # The caller's channel hangs up; the agent's leg goes on after the bridge to [cc-hold-agent]
        # priority 2, Hangup(). No AgentComplete.
        pbx.caller_hangup_requests(call)
        pbx.drop_front(call)
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
        pbx.hangup_channel(chan, call.cause)
        pbx.emit(ev.bridge_destroy(bridge))
        leg.dial.at(HOLD_AGENT, "s", 2, "Hangup")
        hang_up_agent_side(pbx, leg, 16)
        call.finish(COMPLETED)
        return None
    if call.redirect.done():
        if call.transfer is not None:
            blind_transferred(pbx, call, bridge, leg, None)
            return take_redirect(call)
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.bridge_destroy(bridge))
        chan.bridge_id = ""
        if call.parked_leg is not leg:
            hang_up_agent_side(pbx, leg, 16)
        return take_redirect(call)
    # The agent's side hung up (either half: app_queue no longer cares which): the caller goes on after
    # the bridge to [cc-hold] priority 2 (the survey, then Hangup()).
    pbx.emit(ev.bridge_leave(bridge, 1, leg.dial.snapshot()))
    hang_up_agent_side(pbx, leg, leg.gone.result())
    pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    chan.bridge_id = ""
    return HOLD, exten, HOLD_AFTER_AGENT

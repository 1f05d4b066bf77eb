"""Call control the server drives over AMI: ``BlindTransfer``, hold (``Redirect`` with ``ExtraChannel``
to ``[cc-hold]``) and ``Bridge``, plus the ``[transfer]`` and ``[cc-hold]`` contexts of extensions.conf.

Theory of operation. A connected caller (``SimCall``) knows its bridge and the agent's leg
(``call.bridge``/``call.leg``, set by app_queue and app_dial). ``BlindTransfer`` on the agent's leg
records where the caller goes (``call.transfer``) and resolves the caller's redirect: app_queue /
app_dial emit the transfer (:mod:`.transfer_events`) and the caller runs ``[transfer]``:

    exten = a queue name     -> 1 Queue(${EXTEN})        2 Hangup()
    exten = a 4-digit login  -> 1 Dial(Local/${EXTEN}@agent-phones/n,30,g)   2 Hangup()
    exten = "*" + a number   -> 1 Dial(Local/${EXTEN:1}@customer-phones/n,30,g) 2 Hangup()
    (anything else is no extension of the context: the caller's channel ends; :mod:`.transfer_context`)

Hold: ``Redirect`` of the caller to ``[cc-hold]`` with ``ExtraChannel`` = the agent's leg (to
``[cc-hold-agent]``): the caller leaves app_queue's bridge (no ``AgentComplete`` until it finally
hangs up, as on a real Asterisk) and hears music on hold (``MusicOnHoldStart``, ``call.phase ==
"on_hold"``); the agent's leg stays up, waiting. ``Bridge`` (Channel1 = caller, Channel2 = the
agent's leg) puts them in a new basic bridge; when one side hangs up the other follows
(``[cc-hold]`` priority 2 is ``Hangup()``).
"""
from __future__ import annotations

from typing import Any

from . import events as ev
from .ami_actions import action_redirect
from .ami_server import Session
from .atxfer import ATXFER_ACTIONS
from .app_queue import queue_exec
from .calls import COMPLETED, LEFT_DIALPLAN, SimCall, wait_any
from .channels import new_bridge
from .dial import ANSWER, dial_exec
from .pbx import Pbx
from .protocol import Pairs, error, header, success
from .ringing import MemberLeg, hang_up_agent_side
from .transfer_context import phone_destination
from .transfer_events import blind_transferred

TRANSFER, HOLD, HOLD_AGENT = "transfer", "cc-hold", "cc-hold-agent"
CONTEXTS = (TRANSFER, HOLD)
TRANSFER_RING_SECONDS = 30.0
Location = tuple[str, str, int]


def _call_of_leg(pbx: Pbx, leg: Any) -> SimCall | None:
    return next((c for c in pbx.calls.values() if c.outcome is None and leg is not None
                 and (c.leg is leg or c.parked_leg is leg)), None)


def _live(pbx: Pbx, leg: MemberLeg) -> bool:
    return pbx.channels.get(leg.dial.name) is leg.dial


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
    return await _hold(pbx, call, exten)


async def _transfer(pbx: Pbx, call: SimCall, exten: str) -> Location | None:
    from .dialplan import _after_queue, _dialplan_hangup, _take_redirect
    from .app_queue import REDIRECTED
    chan = call.chan
    assert chan is not None
    if exten in pbx.queues:
        chan.at(TRANSFER, exten, 1, "Queue", exten)
        result = await queue_exec(pbx, call, exten)
        return _after_queue(pbx, call, result, (TRANSFER, exten, 2))
    destination = phone_destination(exten)
    if destination is None:                      # no such extension in [transfer]: the channel ends
        _dialplan_hangup(pbx, call, LEFT_DIALPLAN)
        return None
    context, number = destination
    interface = f"Local/{number}@{context}/n"
    chan.at(TRANSFER, exten, 1, "Dial", f"{interface},{int(TRANSFER_RING_SECONDS)},g")
    result = await dial_exec(pbx, call, interface, TRANSFER_RING_SECONDS)
    if result == REDIRECTED:
        return _take_redirect(call)
    if call.outcome is not None:
        return None
    chan.at(TRANSFER, exten, 2, "Hangup")
    _dialplan_hangup(pbx, call, COMPLETED if result == ANSWER else LEFT_DIALPLAN)
    return None


async def _hold(pbx: Pbx, call: SimCall, exten: str) -> Location | None:
    from .dialplan import _end_dead, _take_redirect
    chan = call.chan
    assert chan is not None
    leg, call.parked_leg = call.parked_leg, None
    chan.at(HOLD, exten, 1, "MusicOnHold", "default")
    call.phase = "on_hold"
    pbx.emit(ev.moh_start(chan.snapshot()))
    call.bridge_request = pbx.loop.create_future()
    await wait_any([call.caller_gone, call.redirect, call.bridge_request], None)
    request, call.bridge_request = call.bridge_request, None
    pbx.emit(ev.moh_stop(chan.snapshot()))
    if call.hung_up or call.redirect.done():
        if leg is not None and _live(pbx, leg):          # nobody bridges the waiting agent back
            hang_up_agent_side(pbx, leg, 16)
        return _end_dead(pbx, call, LEFT_DIALPLAN) if call.hung_up else _take_redirect(call)
    return await _bridged(pbx, call, request.result(), exten)


async def _bridged(pbx: Pbx, call: SimCall, leg: MemberLeg, exten: str) -> Location | None:
    from .dialplan import _deferred, _dialplan_hangup, _take_redirect
    chan = call.chan
    assert chan is not None
    bridge = new_bridge()
    pbx.emit(ev.bridge_create(bridge))
    chan.bridge_id = leg.dial.bridge_id = bridge.uniqueid
    pbx.emit(ev.bridge_enter(bridge, 1, chan.snapshot()))
    pbx.emit(ev.bridge_enter(bridge, 2, leg.dial.snapshot()))
    call.bridge, call.leg, call.phase = bridge, leg, "connected"
    await wait_any([call.caller_gone, leg.gone, call.redirect], None)
    call.bridge = call.leg = None
    if call.hung_up:
        pbx.caller_hangup_requests(call)
        _deferred(call)                                  # app_queue's AgentComplete (Reason: caller)
        pbx.drop_front(call)
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.soft_hangup_request(chan.snapshot(), 16))
        pbx.hangup_channel(chan, call.cause)
        pbx.emit(ev.bridge_destroy(bridge))
        hang_up_agent_side(pbx, leg, 16)
        call.finish(COMPLETED)
        return None
    if call.redirect.done():
        if call.transfer is not None:
            blind_transferred(pbx, call, bridge, leg, None)
            return _take_redirect(call)
        pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
        pbx.emit(ev.bridge_destroy(bridge))
        chan.bridge_id = ""
        if call.parked_leg is not leg:
            hang_up_agent_side(pbx, leg, 16)
        return _take_redirect(call)
    pbx.emit(ev.bridge_leave(bridge, 1, leg.dial.snapshot()))     # the agent hung up
    hang_up_agent_side(pbx, leg, leg.gone.result())
    pbx.emit(ev.bridge_leave(bridge, 0, chan.snapshot()))
    pbx.emit(ev.bridge_destroy(bridge))
    chan.bridge_id = ""
    chan.at(HOLD, exten, 2, "Hangup")
    _dialplan_hangup(pbx, call, COMPLETED)
    return None

"""The ``Originate`` action: click-to-dial from an agent phone, or a test caller entering the dialplan.

Theory of operation. ``Channel`` decides what is dialled first:

* ``Local/<dnid>@inbound/n`` or ``Local/<queue>@queue-direct/n``: a simulated caller, exactly like
  ``PbxSimulator.place_call`` (its ``;1`` half then sits at the Originate's Context/Exten). When the
  Originate's Context is ``caller-sim`` and its Exten is digits, each digit is what the caller types
  at one prompt.
* anything else is a phone: it rings with its :class:`PhoneSettings`; when it answers, the
  ``OriginateResponse`` (``Response: Success``, ``Reason: 4``) is sent *before* the second leg is
  dialled, then the first leg runs Context/Exten: ``Dial(Local/<exten>@customer-phones/n)``, the
  customer answers after ``Timing.customer_answer_seconds`` and both are bridged until one side hangs
  up (an AMI ``Hangup``, or the agent after ``talk_seconds``). With ``Application`` instead of
  Context/Exten the answered phone just runs it until it hangs up (no second leg). A phone that does not answer within
  ``Timeout`` gives ``Response: Failure``, ``Reason: 3``, ``Uniqueid: <unknown>`` and the dial string as
  ``Channel``. Event order follows ``click_to_dial.ami.txt``.

``Async: true`` answers "Originate successfully queued" at once; without it the response waits for the
first leg's outcome ("Originate failed" on failure) and no OriginateResponse is sent.
"""
from __future__ import annotations

import asyncio
import re

from . import events as ev
from .agi_commands import to_int
from .ami_server import Session
from .calls import SimCall, wait_any
from .chanspy import run_chanspy
from .channels import STATE_RINGING, STATE_UP, UNKNOWN, Channel, new_bridge, parse_local
from .dialplan import INBOUND, QUEUE_DIRECT, create_caller, run_caller
from .pbx import Pbx
from .protocol import Pairs, error, header, headers, success
from .queues import DEVICE_INUSE, DEVICE_NOT_INUSE
from .ringing import AGENT_ANSWER_PRIORITY

CUSTOMER_CONTEXT = "customer-phones"
CUSTOMER_ANSWER_PRIORITY = 2
_CALLERID = re.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<num>[^>]*)>\s*$')
_TRUE = {"yes", "true", "y", "t", "1", "on"}


def parse_callerid(text: str) -> tuple[str, str]:
    """``"agent1001" <1001>`` -> (``1001``, ``agent1001``); a bare number has no name."""
    match = _CALLERID.match(text)
    if match:
        return match["num"].strip(), match["name"].strip()
    return text.strip(), ""


class _Side:
    """Owner of one side's channels: an AMI Hangup on them ends that side."""

    def __init__(self, future: asyncio.Future[int]) -> None:
        self.future = future

    def hang_up(self, cause: int = 16) -> None:
        if not self.future.done():
            self.future.set_result(cause)


class Originate:
    def __init__(self, pbx: Pbx, frame: Pairs) -> None:
        self.pbx = pbx
        self.channel = header(frame, "Channel")
        self.context = header(frame, "Context") or "default"
        self.exten = header(frame, "Exten") or "s"
        self.application = header(frame, "Application")
        self.priority = to_int(header(frame, "Priority")) or 1
        self.action_id = header(frame, "ActionID")
        self.is_async = header(frame, "Async").lower() in _TRUE
        timeout_ms = to_int(header(frame, "Timeout"))
        self.timeout = timeout_ms / 1000 if timeout_ms else pbx.timing.originate_timeout
        self.cid = parse_callerid(header(frame, "CallerID"))
        self.variables = dict(v.partition("=")[::2] for v in headers(frame, "Variable"))
        self.data = header(frame, "Data")
        # ChannelId/OtherChannelId: the Uniqueids the client chose for the first leg (;1 and ;2 halves).
        self.channel_id = header(frame, "ChannelId")
        self.other_channel_id = header(frame, "OtherChannelId") or None
        self.result: asyncio.Future[bool] = pbx.loop.create_future()
        self.agent_gone: asyncio.Future[int] = pbx.loop.create_future()
        self.customer_gone: asyncio.Future[int] = pbx.loop.create_future()

    def _respond(self, ok: bool, chan: Channel | None, reason: int) -> None:
        if self.is_async:
            self.pbx.emit(ev.originate_response(
                self.action_id, ok, chan.name if chan is not None and ok else self.channel, self.context,
                self.exten, reason, chan.uniqueid if chan is not None and ok else "<unknown>",
                self.cid[0] or UNKNOWN, self.cid[1] or UNKNOWN))
        if not self.result.done():
            self.result.set_result(ok)

    # -- a caller entering the dialplan ------------------------------------------------------------
    def start_caller(self, exten: str, context: str) -> None:
        digits = tuple(self.exten) if self.context == "caller-sim" and self.exten.isdigit() else ()
        call = SimCall(self.cid[0], self.cid[1], exten, digits, None, None, None)
        create_caller(self.pbx, call, context, exten, self.channel.split("/", 1)[1])
        assert call.chan is not None and call.front is not None
        for name, value in self.variables.items():
            call.chan.variables[name.lstrip("_")] = value

        def answered() -> None:
            assert call.front is not None
            call.front.at(self.context, self.exten, self.priority)
            self._respond(True, call.front, 4)
        call.on_answer = answered
        self.pbx.spawn(run_caller(self.pbx, call, context, exten), name=f"caller-{call.call_id}")

    # -- a phone, then the customer ----------------------------------------------------------------
    async def run_phone(self) -> None:
        pbx = self.pbx
        local = parse_local(self.channel)
        if local is not None:
            ids = (self.channel_id, self.other_channel_id) if self.channel_id else None
            one, two = pbx.channels.new_local_pair(local[0], local[1], ids=ids)
            pbx.announce_local_pair(one, two, self.cid)
            dial_string = self.channel.split("/", 1)[1]
        else:
            one = two = pbx.channels.new_channel(self.channel, "default", "s")
            pbx.emit(ev.newchannel(one.snapshot()))
            one.caller_num, one.caller_name = self.cid
            pbx.emit(ev.newcallerid(one.snapshot()))
            dial_string = self.channel.split("/", 1)[1]
        one.owner = two.owner = _Side(self.agent_gone)
        pbx.emit(ev.dial_begin(None, one.snapshot(), dial_string))
        settings = pbx.phone(self.channel)
        after = (settings.answer_after if settings.answer_after is not None else pbx.timing.answer_after) \
            if settings.answers else None
        rang = await wait_any([self.agent_gone], min(after, self.timeout) if after is not None else self.timeout)
        if rang or after is None or after > self.timeout:
            pbx.emit(ev.dial_end(None, one.snapshot(), "NOANSWER"))
            pbx.hangup_channel(one, 0)
            if two is not one:
                pbx.hangup_channel(two, 0)
            self._respond(False, None, 1 if rang else 3)
            return
        two.priority = AGENT_ANSWER_PRIORITY
        pbx.set_state(two, STATE_UP)
        self._respond(True, one, 4)
        if two is not one:
            pbx.set_state(one, STATE_UP)
        pbx.emit(ev.dial_end(None, one.snapshot(), "ANSWER"))
        pbx.set_device(self.channel, DEVICE_INUSE)
        try:
            if self.application:            # Originate ... Application=X: the phone runs X, no second leg
                await self._run_application(one, two, settings.talk_seconds)
            else:
                await self._dial_customer(one, two, settings.talk_seconds)
        finally:
            pbx.set_device(self.channel, DEVICE_NOT_INUSE)

    async def _run_application(self, one: Channel, two: Channel, talk_seconds: float | None) -> None:
        pbx = self.pbx
        one.at(one.context, one.exten, one.priority, self.application, self.data)
        talk = talk_seconds if talk_seconds is not None else pbx.timing.talk_seconds
        if self.application.lower() == "chanspy":
            await run_chanspy(pbx, one, self.data, self.agent_gone, talk)
        else:
            await wait_any([self.agent_gone], talk)
        cause = self.agent_gone.result() if self.agent_gone.done() else 16
        if two is not one:
            pbx.emit(ev.soft_hangup_request(two.snapshot(), 16))
            pbx.emit(ev.hangup_request(one.snapshot(), cause))
            pbx.hangup_channel(two, cause)
        pbx.hangup_channel(one, cause)

    async def _dial_customer(self, one: Channel, two: Channel, talk_seconds: float | None) -> None:
        pbx, number = self.pbx, self.exten
        one.at(self.context, number, 2, "Dial", f"Local/{number}@{CUSTOMER_CONTEXT}/n")
        c1, c2 = pbx.channels.new_local_pair(number, CUSTOMER_CONTEXT, linkedid=one.linkedid)
        c1.owner = c2.owner = _Side(self.customer_gone)
        pbx.emit(ev.newchannel(c1.snapshot()))
        pbx.emit(ev.newchannel(c2.snapshot()))
        c1.caller_num, c1.caller_name = number, ""
        c1.connected_num, c1.connected_name = one.caller_num, one.caller_name
        pbx.emit(ev.newcallerid(c1.snapshot()))
        pbx.emit(ev.newconnectedline(c1.snapshot()))
        c2.caller_num, c2.caller_name = one.caller_num, one.caller_name
        c2.connected_num, c2.connected_name = number, ""
        pbx.emit(ev.newcallerid(c2.snapshot()))
        pbx.emit(ev.newconnectedline(c2.snapshot()))
        pbx.emit(ev.local_bridge(c1.snapshot(), c2.snapshot(), CUSTOMER_CONTEXT, number))
        pbx.emit(ev.dial_begin(one.snapshot(), c1.snapshot(), f"{number}@{CUSTOMER_CONTEXT}/n"))
        pbx.set_state(c1, STATE_RINGING)
        pbx.emit(ev.dial_state(one.snapshot(), c1.snapshot(), "RINGING"))
        gone = [self.agent_gone, self.customer_gone]
        if await wait_any(gone, pbx.timing.customer_answer_seconds):
            self._teardown_unanswered(one, two, c1, c2)
            return
        c2.priority = CUSTOMER_ANSWER_PRIORITY
        pbx.set_state(c2, STATE_UP)
        pbx.set_state(c1, STATE_UP)
        c1.exten = ""
        pbx.emit(ev.dial_end(one.snapshot(), c1.snapshot(), "ANSWER"))
        bridge = new_bridge()
        pbx.emit(ev.bridge_create(bridge))
        pbx.emit(ev.bridge_enter(bridge, 1, c1.snapshot()))
        pbx.emit(ev.bridge_enter(bridge, 2, one.snapshot()))
        talk = talk_seconds if talk_seconds is not None else pbx.timing.talk_seconds
        if not await wait_any(gone, talk):
            self.agent_gone.set_result(16)
        agent_first = self.agent_gone.done()
        first, first_far = ((two, one), (c2, c1)) if agent_first else ((c2, c1), (two, one))
        cause = (self.agent_gone if agent_first else self.customer_gone).result()
        phone, near = first
        far_phone, far = first_far
        if phone is not near:
            pbx.emit(ev.soft_hangup_request(phone.snapshot(), 16))
            pbx.emit(ev.hangup_request(near.snapshot(), cause))
            pbx.hangup_channel(phone, cause)
        pbx.emit(ev.bridge_leave(bridge, 1, near.snapshot()))
        pbx.emit(ev.bridge_leave(bridge, 0, far.snapshot()))
        if far_phone is not far:
            pbx.emit(ev.hangup_request(far_phone.snapshot(), 16))
        pbx.hangup_channel(far, 16)
        if far_phone is not far:
            pbx.emit(ev.soft_hangup_request(far_phone.snapshot(), 16))
            pbx.hangup_channel(far_phone, 16)
        pbx.emit(ev.bridge_destroy(bridge))
        pbx.emit(ev.soft_hangup_request(near.snapshot(), 16))
        pbx.hangup_channel(near, 16)

    def _teardown_unanswered(self, one: Channel, two: Channel, c1: Channel, c2: Channel) -> None:
        pbx = self.pbx
        pbx.emit(ev.dial_end(one.snapshot(), c1.snapshot(), "CANCEL"))
        for chan in (c1, c2, two, one):
            if pbx.channels.get(chan.name) is chan:
                pbx.hangup_channel(chan, 16)


async def action_originate(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    channel = header(frame, "Channel")
    if not channel:
        session.send(error(frame, "Channel not specified"))
        return
    if "/" not in channel:
        session.send(error(frame, "Invalid channel"))
        return
    originate = Originate(pbx, frame)
    if originate.is_async:                 # the response leaves before the first event of the call
        session.send(success(frame, "Originate successfully queued"))
    local = parse_local(channel)
    if local is not None and local[1] in (INBOUND, QUEUE_DIRECT):
        originate.start_caller(*local)
    else:
        pbx.spawn(originate.run_phone(), name=f"originate-{channel}")
    if originate.is_async:
        return
    ok = await asyncio.shield(originate.result)
    session.send(success(frame, "Originate successfully queued") if ok else error(frame, "Originate failed"))


ORIGINATE_ACTIONS = {"Originate": action_originate}

"""Domain events: everything the engine hears, in domain words.

Three sources post into the one engine inbox:

* the AMI gateway (``callcenter/ami/translate.py`` turns Asterisk events into these),
* the IVR (``IvrCompleted`` once the caller is identified and routed),
* the console (agent commands: go available, pause, disposition saved).

All are frozen value objects: no sockets, no sessions. ``call_id`` is the Uniqueid of the caller's
channel (the ``;2`` half of a Local channel, or the PJSIP channel of a real caller). ``interface`` is
the queue member's interface (``Local/1001@agent-phones/n``, ``PJSIP/1001``); the model maps it to an
agent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Call control and supervision events live in callcenter/domain_control.py; they are domain events too.
from callcenter.domain_control import (  # noqa: F401 (re-exported)
    CallTransferred, HoldCall, ResumeCall, HangUpCall, TransferCall, DialNumber, ControlFailed,
    LegDialEnded, ChannelUnheld, CallAttendedTransferred, CompleteTransfer, CancelTransfer, SpyOnAgent,
)


# --------------------------------------------------------------------------- from AMI: callers in queues
@dataclass(frozen=True, slots=True)
class CallerJoined:
    """QueueCallerJoin: the caller is waiting in ``queue``."""
    call_id: str
    queue: str
    channel: str
    caller_number: str
    caller_name: str
    position: int
    count: int
    linked_id: str = ""


@dataclass(frozen=True, slots=True)
class AgentRinging:
    """AgentCalled: the member's phone rings for this call."""
    call_id: str
    queue: str
    interface: str
    member_name: str
    agent_channel: str = ""


@dataclass(frozen=True, slots=True)
class AgentNoAnswer:
    """AgentRingNoAnswer: the member did not answer in time (``ring_ms`` is in milliseconds)."""
    call_id: str
    queue: str
    interface: str
    member_name: str
    ring_ms: int = 0


@dataclass(frozen=True, slots=True)
class AgentAnswered:
    """AgentConnect: the member answered; caller waited ``hold_seconds``."""
    call_id: str
    queue: str
    interface: str
    member_name: str
    hold_seconds: int = 0
    ring_seconds: int = 0
    agent_channel: str = ""


@dataclass(frozen=True, slots=True)
class CallCompleted:
    """AgentComplete: the queue call with a member ended (``reason``: caller, agent, transfer)."""
    call_id: str
    queue: str
    interface: str
    member_name: str
    hold_seconds: int = 0
    talk_seconds: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CallerAbandoned:
    """QueueCallerAbandon: the caller left the queue unanswered -- hung up, *or* the Queue() timeout ended the
    wait (Asterisk 22 sends it for both, with the same headers). Only what follows tells: the caller's
    Hangup (abandoned) or the next queue / agent step (overflow). ``hold_seconds``: the wait in this queue."""
    call_id: str
    queue: str
    position: int = 0
    hold_seconds: int = 0


@dataclass(frozen=True, slots=True)
class CallerLeft:
    """QueueCallerLeave: the caller is no longer waiting (answered, abandoned, timed out, withdrawn)."""
    call_id: str
    queue: str
    count: int = 0


@dataclass(frozen=True, slots=True)
class DialStarted:
    """DialBegin from a caller's channel: a ``Dial()`` (a ladder's agent step) or app_queue ringing a
    member (the model tells them apart: a call waiting in a queue is app_queue's). ``dest_id`` is the
    Uniqueid of the dialled channel; ``dest_channel`` its name (``Local/1001@agent-phones-0000002a;1``)."""
    call_id: str
    dest_id: str
    dest_channel: str
    dial_string: str = ""
    channel: str = ""            # the dialling channel's name (the agent leg of a click-to-dial)


@dataclass(frozen=True, slots=True)
class DialFinished:
    """DialEnd: ``status`` ANSWER, NOANSWER, BUSY, CANCEL, CHANUNAVAIL, CONGESTION..."""
    call_id: str
    dest_id: str
    status: str


@dataclass(frozen=True, slots=True)
class HangupRequested:
    """The far end of a channel hung up (AMI ``HangupRequest``: a SIP BYE, or the other half of a Local
    channel gone), before the channel itself ends; an AMI ``Hangup`` action is ``SoftHangupRequest``."""
    call_id: str
    channel: str
    cause: int = 0


@dataclass(frozen=True, slots=True)
class ChannelHungUp:
    """Hangup of any channel; the model only cares when ``call_id`` is a call it knows."""
    call_id: str
    channel: str
    cause: int = 0


# --------------------------------------------------------------------------- from AMI: queue members
@dataclass(frozen=True, slots=True)
class MemberAdded:
    queue: str
    interface: str
    member_name: str
    paused: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MemberRemoved:
    queue: str
    interface: str
    member_name: str


@dataclass(frozen=True, slots=True)
class MemberPaused:
    """QueueMemberPause: ``paused`` true or false, with the reason Asterisk keeps for it."""
    queue: str
    interface: str
    member_name: str
    paused: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """QueueMemberStatus: device status (1 not in use, 2 in use, 6 ringing, 5 unavailable...)."""
    queue: str
    interface: str
    member_name: str
    status: int
    paused: bool
    in_call: bool


# --------------------------------------------------------------------------- from AMI: the link itself
@dataclass(frozen=True, slots=True)
class AmiConnected:
    """Logged in to AMI (first time or after a reconnect): the engine re-tells Asterisk what it wants."""


@dataclass(frozen=True, slots=True)
class AmiDisconnected:
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AsteriskShutdown:
    restart: bool = False


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """What QueueStatus said after a (re)connect: members per queue and callers waiting."""
    members: tuple[MemberAdded, ...] = ()
    waiting: tuple[CallerJoined, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelsSnapshot:
    """What CoreShowChannels said after a (re)connect: the Uniqueids of every live channel."""
    channel_ids: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- from the IVR
@dataclass(frozen=True, slots=True)
class IvrCompleted:
    """The IVR identified the caller and decided where the call goes.

    ``card`` is the screen-pop card built once at IVR time (``crm_bridge.cards``), or ``None`` for an
    unknown caller; nothing on the ringing path goes back to the database. ``failed`` is true when the
    script broke and the caller was sent to the default queue.
    """
    call_id: str
    caller_number: str
    queue: str
    priority: int
    card: dict[str, Any] | None = None
    digits: tuple[str, ...] = ()
    menu_choice: str = ""
    language: str = "en"
    failed: bool = False
    note: str = ""
    # The routing decision (callcenter.routing.RoutingDecision.as_dict()): plan, skipped steps, trace.
    routing: dict[str, Any] | None = None
    survey: bool = False             # the caller will be asked to rate the call if the agent hangs up first
    # Seconds from the FastAGI request (the call's arrival in the IVR; the request has no timestamp)
    # to this result: the engine dates the call's start back by this much. Measured on the IVR's
    # monotonic clock, so a business-hours clock injected for tests never moves it.
    ivr_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class SurveyAnswered:
    """The post-call survey: the caller pressed ``score`` (1-5) after the agent hung up."""
    call_id: str
    score: int


@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """A callback was saved (``row``: the store's ``callbacks`` row); ``card`` for the agent's pop."""
    row: dict[str, Any]
    card: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CallbacksLoaded:
    """At start-up: the open callbacks from the store."""
    rows: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class CallbackDue:
    """Timer: a callback's ``not_before`` (opening time) or retry time has come."""
    callback_id: int


@dataclass(frozen=True, slots=True)
class CallbackFailed:
    """The Originate of a callback attempt was refused or timed out."""
    callback_id: int
    attempt: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class UnconfirmedCallDue:
    """Timer: a call known only from a FastAGI session has had no AMI event for
    ``fastagi.unconfirmed_call_seconds`` (``callcenter/model/unconfirmed.py``)."""
    call_id: str


@dataclass(frozen=True, slots=True)
class AgingDue:
    """Timer: time to raise a waiting caller's queue priority (time credit)."""
    call_id: str


@dataclass(frozen=True, slots=True)
class CallerIdentified:
    """A lookup started by the engine (call with no IVR result) came back."""
    call_id: str
    card: dict[str, Any] | None


# --------------------------------------------------------------------------- from the console
@dataclass(frozen=True, slots=True)
class CustomerChosen:
    """The agent said who the caller is (picked among several matches, or created the customer):
    the call's card becomes *card* (``crm_bridge.cards``), in memory and on the interaction row."""
    agent_id: int
    call_id: str
    card: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AgentGoAvailable:
    agent_id: int
    by: str = ""            # a supervisor's login when they set it for the agent (issue 5)


@dataclass(frozen=True, slots=True)
class AgentGoPaused:
    agent_id: int
    reason: str
    by: str = ""


@dataclass(frozen=True, slots=True)
class AgentLogOut:
    agent_id: int
    by: str = ""            # a supervisor's login when they set it for the agent (issue 5)


@dataclass(frozen=True, slots=True)
class AgentPauseAfterCall:
    """"Pause after this call" with ``reason`` (a pause code); ``""`` cancels the wish. From an idle
    desk (available, paused) it pauses now (``callcenter/model/presence.py``)."""
    agent_id: int
    reason: str


# --------------------------------------------------------------------------- presence (the desk's sockets)
@dataclass(frozen=True, slots=True)
class DeskConnected:
    """A desk (browser tab) of the agent opened its websocket."""
    agent_id: int


@dataclass(frozen=True, slots=True)
class DeskDisconnected:
    """The agent's last open desk closed its websocket: no tab of theirs is connected now."""
    agent_id: int


@dataclass(frozen=True, slots=True)
class DeskAbsent:
    """Timer: the agent's desks have been gone long enough for ``step`` (``pause`` or ``logout``)."""
    agent_id: int
    step: str


@dataclass(frozen=True, slots=True)
class PausesRestored:
    """At start-up: the pause periods still open in the store, ``(agent_id, code, started_at)`` each, so a
    restart neither splits a pause nor resets the time counted against its code's limit."""
    periods: tuple[tuple[int, str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class DispositionSaved:
    """The wrap-up was committed to the store (already acknowledged to the browser)."""
    agent_id: int
    call_id: str
    outcome: str


@dataclass(frozen=True, slots=True)
class WrapUpExpired:
    agent_id: int
    call_id: str


@dataclass(frozen=True, slots=True)
class MissingOutcomesCounted:
    """Answered calls without an outcome per agent (agent id -> count), as the store counted them."""
    counts: tuple[tuple[int, int], ...] = ()


# --------------------------------------------------------------------------- directory
@dataclass(frozen=True, slots=True)
class AgentInfo:
    """What the engine knows of an agent from the store."""
    agent_id: int
    login: str
    name: str
    interface: str
    queues: tuple[str, ...]
    role: str = "agent"


@dataclass(frozen=True, slots=True)
class PresenceRestored:
    """At start-up: what the agent last asked for, from the store (``unknown`` when never saved)."""
    agent_id: int
    wants: str
    reason: str = ""
    queues: tuple[str, ...] | None = None      # per-queue login: the queues chosen (None: all)


@dataclass(frozen=True, slots=True)
class AgentSelectQueues:
    """Per-queue login: the agent works only these of their queues from now on."""
    agent_id: int
    queues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AgentsLoaded:
    agents: tuple[AgentInfo, ...] = field(default_factory=tuple)

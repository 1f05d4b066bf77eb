"""Domain events of call control from the agent desk (hold, transfers, dialling out) and of
supervision (listening in); re-exported by :mod:`callcenter.domain`, where the other events live."""
from __future__ import annotations

from dataclasses import dataclass


# --------------------------------------------------------------------------- call control (issue 4)
@dataclass(frozen=True, slots=True)
class CallTransferred:
    """AMI ``BlindTransfer`` (Result Success): the caller (``call_id`` = TransfereeUniqueid) left the
    agent's bridge and goes on in ``context``/``exten``; for a queue call ``AgentComplete Reason:
    transfer`` follows, for a direct (Dial) call nothing else says so."""
    call_id: str
    transferer_channel: str
    context: str
    exten: str


@dataclass(frozen=True, slots=True)
class HoldCall:
    """The agent asked to put their connected call on hold."""
    agent_id: int


@dataclass(frozen=True, slots=True)
class ResumeCall:
    agent_id: int


@dataclass(frozen=True, slots=True)
class HangUpCall:
    agent_id: int


@dataclass(frozen=True, slots=True)
class TransferCall:
    """``kind``: blind | attended; ``to``: agent | queue | number; ``target``: a login, a queue name or
    an E.164 number (validated by the console)."""
    agent_id: int
    kind: str
    to: str
    target: str


@dataclass(frozen=True, slots=True)
class DialNumber:
    """Click-to-dial: ring the agent's phone first, then ``number`` (E.164)."""
    agent_id: int
    number: str


@dataclass(frozen=True, slots=True)
class ControlFailed:
    """An AMI action of a call-control command was refused: undo what the model assumed."""
    agent_id: int
    call_id: str
    action: str
    reason: str = ""


# --------------------------------------------------------------------------- attended transfer (issue 4)
@dataclass(frozen=True, slots=True)
class LegDialEnded:
    """DialEnd with no calling channel: the first leg of an Originate, or the consultation leg of an
    ``Atxfer`` (``Local/<exten>@transfer-XXXXXXXX;1``, recorded in ``atxfer.ami.txt``: a DialEnd without
    a DialBegin). ``context``/``exten`` are the dialled channel's."""
    dest_id: str
    dest_channel: str
    context: str
    exten: str
    status: str


@dataclass(frozen=True, slots=True)
class ChannelUnheld:
    """``Unhold`` of a channel: after an ``Atxfer``, the transferer is back with the caller (the
    consultation was cancelled, not answered in time, or the target hung up)."""
    channel_id: str
    channel: str


@dataclass(frozen=True, slots=True)
class CallAttendedTransferred:
    """AMI ``AttendedTransfer`` (Result Success): the caller (``call_id`` = TransfereeUniqueid) is now
    bridged with the transfer target's channel; for a queue call ``AgentComplete Reason: transfer``
    follows for the first agent."""
    call_id: str
    transferer_channel: str
    target_channel: str
    target_id: str


@dataclass(frozen=True, slots=True)
class CompleteTransfer:
    """The agent asked to complete their attended transfer (hand the caller to the target)."""
    agent_id: int


@dataclass(frozen=True, slots=True)
class CancelTransfer:
    """The agent asked to cancel their attended transfer (hang up the consultation, back to the caller)."""
    agent_id: int


# --------------------------------------------------------------------------- supervision (issue 5)
SPY_MODES = ("listen", "whisper", "barge")


@dataclass(frozen=True, slots=True)
class SpyOnAgent:
    """A supervisor listens to (``listen``), whispers to the agent on (``whisper``) or joins (``barge``)
    an agent's call: their own phone (``interface``) is rung and runs ChanSpy on the agent's leg."""
    supervisor_id: int
    agent_id: int
    mode: str
    interface: str
    login: str = ""

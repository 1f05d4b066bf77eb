"""Value objects crossing the store's boundary (agents, dispositions, complaints, follow-ups)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AgentRecord:
    id: int
    login: str
    name: str
    interface: str
    queues: tuple[str, ...]
    role: str                 # agent | supervisor | admin
    language: str             # zh | en
    password_hash: str = field(repr=False, default="")
    presence: str = "unknown"     # what the agent last asked for: logged_out | available | paused
    presence_reason: str = ""
    presence_queues: tuple[str, ...] | None = None    # per-queue login: the queues chosen (None: all)


@dataclass(frozen=True, slots=True)
class ComplaintInput:
    category: str
    severity: str             # low | medium | high | critical
    description: str


@dataclass(frozen=True, slots=True)
class FollowUpInput:
    """A follow-up asked for in the wrap-up: for this agent (``assign="me"``) or a queue's pool."""
    due_at: datetime          # aware; in the future, at most FOLLOW_UP_MAX_DAYS ahead
    assign: str = "me"        # me | pool
    pool: str = ""            # the queue whose agents share it (assign == "pool")
    note: str = ""


@dataclass(frozen=True, slots=True)
class Disposition:
    interaction_id: str
    call_id: str
    agent_id: int
    outcome: str
    notes: str = ""
    complaint: ComplaintInput | None = None
    # Call facts known to the engine (queue, times...), written too when the row does not exist yet.
    call_fields: dict[str, Any] = field(default_factory=dict)
    follow_up: FollowUpInput | None = None


@dataclass(frozen=True, slots=True)
class DispositionResult:
    interaction_id: str
    complaint_id: int | None
    follow_up_id: int | None = None

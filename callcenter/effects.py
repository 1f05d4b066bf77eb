"""Effects: what the pure model asks the shell (``callcenter/engine.py``) to do.

The model never awaits; it returns these and the engine executes them: messages to consoles go
through the hub, AMI actions through the gateway, rows through the recorder (a separate task that
batches writes, so the engine never waits for the database).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SendToAgent:
    """One console message to every socket of that agent (``kind`` e.g. ``pop``, ``agent``)."""
    agent_id: int
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SupervisorsChanged:
    """The wallboard picture changed; the notifier coalesces these into a few updates a second."""


@dataclass(frozen=True, slots=True)
class AmiAction:
    """An AMI action as header dict (``{'Action': 'QueueAdd', ...}``)."""
    headers: dict[str, str]
    # Who asked, so a failure can be told to them (agent id or None for the system).
    agent_id: int | None = None
    # A domain event to post back when the action fails (e.g. CallbackFailed).
    on_failure: Any = None


@dataclass(frozen=True, slots=True)
class RecordInteraction:
    """Insert-or-update one interaction row (one row per call) with these fields."""
    interaction_id: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SavePresence:
    """Remember what the agent asked for, so a restart of the server re-tells it to Asterisk."""
    agent_id: int
    wants: str
    reason: str = ""
    queues: tuple[str, ...] | None = None      # per-queue login (None: all the agent's queues)


@dataclass(frozen=True, slots=True)
class StartTimer:
    """After ``seconds``, post ``event`` into the inbox (replaces a timer with the same key)."""
    key: str
    seconds: float
    event: Any


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: str


@dataclass(frozen=True, slots=True)
class CountMissingOutcomes:
    """Count again, in the store, each agent's answered calls without an outcome (the wallboard's)."""


@dataclass(frozen=True, slots=True)
class LookupCaller:
    """Identify a caller off the ringing path (a call that reached a queue without the IVR)."""
    call_id: str
    number: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something illegal happened (unknown call, impossible transition); logged loudly, never raised."""
    message: str
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SaveCallback:
    """Save a callback request (``Store.add_callback`` keywords); the engine posts CallbackRequested."""
    fields: dict[str, Any]
    card: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class UpdateCallback:
    """Write a callback's status change to the store, in order."""
    callback_id: int
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PauseStarted:
    """The agent is paused with ``reason`` from ``at`` (a pause period opens; ``limit_seconds``: the
    code's limit then, None without one)."""
    agent_id: int
    reason: str
    at: Any
    limit_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class PauseEnded:
    """The agent's open pause period ends at ``at``."""
    agent_id: int
    at: Any

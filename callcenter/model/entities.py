"""The engine's state: calls, agents and their queue memberships (plain data, owned by one task)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.domain import AgentInfo
from callcenter.model.tables import Activity, AgentState, CallState


# The store's vocabulary (crm_bridge.models.INTERACTION_STATUSES): a transferred caller waits to be
# routed again, as in a queue; a caller held for a consultation is still answered.
_STATUS = {CallState.CONNECTED: "answered", CallState.CONSULTING: "answered", CallState.TRANSFERRED: "queued"}


@dataclass(slots=True)
class Consultation:
    """An attended transfer in progress: the transferer (the call's agent) talks to ``exten`` in
    ``[transfer]`` (an agent login or a number) while the caller is held. ``leg_channel``/``leg_id``:
    the consultation leg (``Local/<exten>@transfer-XXXXXXXX;1``), known once it answered."""
    transferer: int
    exten: str
    label: str
    from_name: str
    target_agent: int | None = None
    leg_channel: str = ""
    leg_id: str = ""
    answered: bool = False

    def view(self, role: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.from_name, "to": self.label, "answered": self.answered}
        if role:
            out["role"] = role          # transferer | target: which desk the frame goes to
        return out


@dataclass(slots=True)
class Call:
    call_id: str
    interaction_id: str
    state: CallState
    started_at: datetime
    caller_number: str = ""
    caller_name: str = ""
    channel: str = ""
    queue: str = ""
    priority: int = 0
    card: dict[str, Any] | None = None
    digits: tuple[str, ...] = ()
    menu_choice: str = ""
    language: str = ""
    ivr_failed: bool = False
    ivr_seen: bool = False
    joined_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    ringing: set[int] = field(default_factory=set)
    agent_id: int | None = None
    hold_seconds: int = 0
    talk_seconds: int = 0
    # Routing: the IVR's decision (RoutingDecision.as_dict()), what happened on the way (en, zh), the
    # agent rung directly by a ladder's agent step and the Uniqueid of that leg, the priority base of
    # the queue waited in (before time credit) and the credit the caller came with.
    routing: dict[str, Any] | None = None
    route_log: list[tuple[str, str]] = field(default_factory=list)
    dial_agent: int | None = None
    dial_leg: str = ""
    hangup_requested: bool = False      # the far end of the call's own channel hung up (HangupRequest)
    base_priority: int | None = None
    credit_seconds: int = 0
    # A queue left without an agent (QueueCallerAbandon: a timeout or a hang-up, told apart by what follows)
    # and the seconds waited in it.
    exit_queue: str = ""
    exit_hold: int = 0
    survey: bool = False
    survey_score: int | None = None
    callback_id: int | None = None      # this call is the callback of that request (agent leg first)
    # Call control: the connected agent's leg (AgentConnect DestChannel, DialBegin DestChannel, or the
    # Originate's first channel of a click-to-dial), hold, transfers so far, a click-to-dial (agent first).
    agent_channel: str = ""
    held: bool = False
    transfers: int = 0
    outbound: bool = False
    consult: Consultation | None = None
    # Out of app_queue's bridge by a hold (``hold.py``): the call ends at the first of AgentComplete or
    # a Hangup of either side; ``parked`` is the agent's leg waiting in [cc-hold-agent] while held.
    detached: bool = False
    parked: str = ""

    @property
    def agent_first(self) -> bool:
        """The agent's phone was rung first (a callback or a click-to-dial): ``call_id`` is their leg."""
        return self.callback_id is not None or self.outbound

    def trace(self) -> dict[str, str] | None:
        """The routing trace shown to agents and supervisors: the decision, then what happened."""
        if self.routing is None and not self.route_log:
            return None
        decided = (self.routing or {}).get("trace") or {}
        out = {}
        for i, lang in enumerate(("en", "zh")):
            parts = [decided.get(lang) or ""]
            if self.route_log:
                parts.append(" → ".join(entry[i] for entry in self.route_log))
            out[lang] = " | ".join(p for p in parts if p)
        return out

    def routing_record(self) -> str | None:
        if self.routing is None and not self.route_log:
            return None
        return json.dumps({**(self.routing or {}), "log": [{"en": en, "zh": zh} for en, zh in self.route_log]},
                          ensure_ascii=False, separators=(",", ":"))

    def record_fields(self) -> dict[str, Any]:
        """The interaction row as the model knows it now."""
        card = self.card or {}
        return {
            "call_id": self.call_id, "caller_number": self.caller_number, "customer_id": card.get("customer_id"),
            "queue": self.queue or None, "agent_id": self.agent_id, "customer_type": card.get("customer_type"),
            "value_class": card.get("value_class"), "priority": self.priority, "menu_choice": self.menu_choice or None,
            "ivr_digits": "".join(self.digits) or None, "language": self.language or None,
            "status": _STATUS.get(self.state, self.state.value),
            "ivr_failed": self.ivr_failed, "started_at": self.started_at, "queued_at": self.joined_at,
            "answered_at": self.answered_at, "ended_at": self.ended_at, "hold_seconds": self.hold_seconds,
            "talk_seconds": self.talk_seconds, "routing_trace": self.routing_record(),
            **({"survey_score": self.survey_score} if self.survey_score is not None else {}),
        }

    def pop(self, now: datetime) -> dict[str, Any]:
        """The screen pop: built from what the IVR gathered; nothing here touches the database."""
        waited = int((now - self.joined_at).total_seconds()) if self.joined_at else 0
        return {
            "call_id": self.call_id, "interaction_id": self.interaction_id, "queue": self.queue,
            "priority": self.priority, "caller_number": self.caller_number, "card": self.card,
            "ivr": {"digits": list(self.digits), "menu_choice": self.menu_choice, "language": self.language,
                    "failed": self.ivr_failed},
            "joined_at": self.joined_at.isoformat() if self.joined_at else None, "waited_seconds": max(waited, 0),
            "trace": self.trace(), "routed_to": (self.routing or {}).get("first_target") or None,
            "held": self.held, "outbound": self.outbound,
            "consult": self.consult.view() if self.consult is not None else None,
        }


@dataclass(slots=True)
class Membership:
    paused: bool = False
    reason: str = ""


@dataclass(slots=True)
class WrapUp:
    call_id: str
    interaction_id: str
    call_fields: dict[str, Any]
    pop: dict[str, Any]


@dataclass(slots=True)
class Agent:
    info: AgentInfo
    since: datetime
    memberships: dict[str, Membership] = field(default_factory=dict)
    activity: Activity = Activity.IDLE
    call_id: str | None = None
    # What the agent asked for: logged_out | available | paused, or unknown (nothing saved yet: then
    # what Asterisk reports after the next resync is taken as the agent's wish).
    wants: str = "unknown"
    want_reason: str = ""
    # Per-queue login: the agent's queues they chose to work (None: all of ``info.queues``).
    want_queues: tuple[str, ...] | None = None
    # Calls this agent handled whose outcome is not saved yet (savable after the wrap-up timer too).
    pending: dict[str, WrapUp] = field(default_factory=dict)
    wrapup_call: str | None = None
    wrapup_ends_at: datetime | None = None      # when the wrap-up timer ends (the desk's countdown)
    shown: AgentState = AgentState.LOGGED_OUT
    # Held out of the queues for something other than a queue call (a callback on their phone): the
    # reason Asterisk keeps on the member meanwhile; "" = not held.
    hold: str = ""
    # Presence (callcenter/model/presence.py): the pause code armed by "pause after this call" ("" none);
    # whether a desk of theirs is connected, and was ever in this server's life; what they wanted before
    # the server paused / logged them out for a lost connection (restored when a desk comes back).
    pause_next: str = ""
    desk_online: bool = False
    desk_seen: bool = False
    lost_from: tuple[str, str] | None = None
    # The pause period in progress (its code, since when): what the over-limit highlight and the report use.
    pause_open: str = ""
    pause_since: datetime | None = None

    @property
    def state(self) -> AgentState:
        if self.activity is Activity.RINGING:
            return AgentState.RINGING
        if self.activity is Activity.ON_CALL:
            return AgentState.ON_CALL
        if self.activity is Activity.WRAP_UP:
            return AgentState.WRAP_UP
        if not self.memberships:
            return AgentState.LOGGED_OUT
        if all(m.paused for m in self.memberships.values()):
            return AgentState.PAUSED
        return AgentState.AVAILABLE

    @property
    def reason(self) -> str:
        if self.state is AgentState.PAUSED:
            return next((m.reason for m in self.memberships.values() if m.reason), "")
        return ""

    def view(self) -> dict[str, Any]:
        return {"agent_id": self.info.agent_id, "login": self.info.login, "name": self.info.name,
                "state": self.state.value, "reason": self.reason, "since": self.since.isoformat(),
                "queues": sorted(self.memberships), "call_id": self.call_id,
                "wrapup_ends_at": self.wrapup_ends_at.isoformat()
                if self.wrapup_ends_at is not None and self.activity is Activity.WRAP_UP else None,
                "all_queues": list(self.info.queues), "pause_after_call": self.pause_next or None,
                "chosen_queues": list(self.want_queues) if self.want_queues is not None else list(self.info.queues)}


@dataclass(slots=True)
class CallbackEntry:
    """An open callback as the engine keeps it (the store's ``callbacks`` row, plus the pop card)."""
    id: int
    number: str
    queue: str
    credit_from: datetime
    source: str = "ivr"
    priority: int = 0
    customer_id: int | None = None
    not_before: datetime | None = None
    attempts: int = 0
    status: str = "pending"            # pending | dialing
    card: dict[str, Any] | None = None
    call_id: str = ""                  # the attempt in flight: the agent leg's Uniqueid
    agent_id: int | None = None
    retry_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.status == "pending" and all(t is None or t <= now for t in (self.not_before, self.retry_at))

"""The CRM store facade: the one object the rest of the server uses to reach the database.

CONTRACT (used by ivr/, console/ and callcenter/engine.py; keep these signatures):

* ``Store(url, *, default_region="CN", echo=False)``; ``await open()`` creates the engine and the
  schema if missing; ``await close()`` disposes it.
* ``identify(number)`` -> list of screen-pop cards (dicts, see ``crm_bridge/cards.py``) of the
  customers whose phone matches the normalised number, best match first; ``[]`` when unknown.
* ``list_agents()`` / ``agent_by_login(login)`` -> :class:`AgentRecord`.
* ``record_interactions([(interaction_id, fields), ...])`` -> upsert many rows in ONE transaction;
  never overwrites ``outcome``/``notes``/``disposition_at`` (those belong to ``save_disposition``).
* ``save_disposition(Disposition)`` -> commits outcome, notes and the optional complaint in one
  transaction (inserting the interaction row if the recorder has not written it yet) and returns
  :class:`DispositionResult`; raises ``errors.StoreUnavailable`` when the database is down and
  ``errors.ValidationFailed`` for values that do not fit.
* ``interaction(interaction_id)`` -> dict of the row (and its complaints) or ``None``.

Interaction ``fields`` keys (all optional): call_id, caller_number, customer_id, queue, agent_id,
customer_type, value_class, priority, menu_choice, ivr_digits, language, status, started_at,
queued_at, answered_at, ended_at, hold_seconds, talk_seconds, ivr_failed. Datetimes are aware UTC.
``status`` is one of: ivr, queued, ringing, answered, completed, abandoned, left, ivr_hangup.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class ComplaintInput:
    category: str
    severity: str             # low | medium | high | critical
    description: str


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


@dataclass(frozen=True, slots=True)
class DispositionResult:
    interaction_id: str
    complaint_id: int | None

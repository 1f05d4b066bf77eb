"""SQLAlchemy 2 models of the CRM: customers, their phones, agents, interactions (one row per call)
and complaints.

Portable across SQLite and PostgreSQL: closed vocabularies are VARCHAR + CHECK constraints (no native
enums, so adding a value later is a plain constraint change), queues are a JSON list, and every
datetime goes through :class:`UTCDateTime` so it is stored in UTC and always comes back *aware* UTC
(SQLite keeps no offset; PostgreSQL uses ``timestamptz``). Constraint names follow a fixed naming
convention so the migrations of a later issue can refer to them.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from callcenter.settings import CUSTOMER_TYPES, VALUE_CLASSES
from crm_bridge.names import name_initials

LANGUAGES = ("zh", "en")
CREDIT_STATUSES = ("normal", "suspended")
PHONE_KINDS = ("mobile", "landline", "work", "other")
AGENT_ROLES = ("agent", "supervisor", "admin")
# What an agent last asked for at the desk; re-told to Asterisk after restarts of either side.
AGENT_PRESENCES = ("unknown", "logged_out", "available", "paused")
INTERACTION_STATUSES = ("ivr", "queued", "ringing", "dialing", "answered", "completed", "abandoned", "left",
                        "ivr_hangup")
SURVEY_SCORES = (1, 2, 3, 4, 5)
CALLBACK_SOURCES = ("ivr", "out_of_hours", "abandoned", "agent")
CALLBACK_STATUSES = ("pending", "dialing", "queued", "done", "failed", "cancelled")
COMPLAINT_SEVERITIES = ("low", "medium", "high", "critical")
COMPLAINT_STATUSES = ("open", "in_progress", "resolved", "confirmed", "closed")
FOLLOW_UP_KINDS = ("follow_up", "callback_visit")          # callback_visit = 回访 after a resolved complaint
FOLLOW_UP_STATUSES = ("open", "done", "cancelled")
FOLLOW_UP_RESULTS = ("reached", "satisfied", "unsatisfied", "no_answer", "wrong_number")
# Complaints an agent still has to act on: shown on the screen-pop card.
OPEN_COMPLAINT_STATUSES = ("open", "in_progress")
# Who holds the account: decides group / family / personal tiers (callcenter/tiers.py).
ACCOUNT_KINDS = ("enterprise", "household", "personal")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out. A naive value is taken to be UTC already (documented, not guessed
    from the machine's zone). SQLite stores naive UTC text; PostgreSQL stores ``timestamptz``."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """``column IN (...)``; NULL passes (SQL semantics), so nullable columns stay nullable."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (one_of("role", AGENT_ROLES), one_of("language", LANGUAGES),
                      one_of("presence", AGENT_PRESENCES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    # Queue member interface (Local/1001@agent-phones/n, PJSIP/1001); NULL for an admin with no phone.
    interface: Mapped[str | None] = mapped_column(String(200), unique=True)
    queues: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str] = mapped_column(String(16), default="agent")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    presence: Mapped[str] = mapped_column(String(16), default="unknown")
    presence_reason: Mapped[str] = mapped_column(String(64), default="")
    # Per-queue login: the queues (of ``queues``) the agent chose to work, comma-separated; NULL = all.
    presence_queues: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        one_of("customer_type", CUSTOMER_TYPES),
        one_of("value_class", VALUE_CLASSES),
        one_of("credit_status", CREDIT_STATUSES),
        one_of("language", LANGUAGES),
        one_of("account_kind", ACCOUNT_KINDS),
        CheckConstraint("potential BETWEEN 0 AND 1", name="potential"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_initials: Mapped[str] = mapped_column(String(64), index=True, default="")
    customer_type: Mapped[str] = mapped_column(String(16), default="individual")
    value_class: Mapped[str] = mapped_column(String(16), default="mass")
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    credit_status: Mapped[str] = mapped_column(String(16), default="normal")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    account_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    # argon2 hash of the telephone-banking PIN the IVR asks for with the account number (optional).
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Contact details an agent may edit (every change leaves an audit entry).
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    # Facts the tier model scores (callcenter/tiers.py), fed by the CRM; NULL account_kind = no facts
    # yet, and the re-assessment leaves the customer's tier alone. Money in fen (1/100 yuan).
    account_kind: Mapped[str | None] = mapped_column(String(16))
    spend_12m: Mapped[int | None] = mapped_column(BigInteger)
    contribution_12m: Mapped[int | None] = mapped_column(BigInteger)
    tenure_months: Mapped[int | None] = mapped_column(Integer)
    products: Mapped[int | None] = mapped_column(Integer)
    potential: Mapped[float | None] = mapped_column(Float)            # 0..1
    tier_assessed_at: Mapped[datetime | None]

    @validates("name")
    def _keep_initials(self, _key: str, name: str) -> str:
        self.name_initials = name_initials(name)[:64]
        return name


class Phone(Base):
    __tablename__ = "phones"
    __table_args__ = (
        # Not unique on its own: family members may share the home line.
        UniqueConstraint("customer_id", "e164", name="uq_phones_customer_e164"),
        one_of("kind", PHONE_KINDS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="mobile")


class Interaction(Base):
    """One row per call; written by the engine's recorder, the disposition by the agent's wrap-up."""

    __tablename__ = "interactions"
    __table_args__ = (
        one_of("status", INTERACTION_STATUSES),
        one_of("customer_type", CUSTOMER_TYPES),
        one_of("value_class", VALUE_CLASSES),
        one_of("language", LANGUAGES),
        Index("ix_interactions_customer_started", "customer_id", "started_at"),
        Index("ix_interactions_agent_started", "agent_id", "started_at"),
        CheckConstraint("survey_score BETWEEN 1 AND 5", name="survey_score"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_number: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    customer_type: Mapped[str | None] = mapped_column(String(16))
    value_class: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[int | None] = mapped_column(Integer)
    menu_choice: Mapped[str | None] = mapped_column(String(32))
    ivr_digits: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="ivr")
    ivr_failed: Mapped[bool] = mapped_column(default=False, server_default=false())
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    hold_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    # Why the call went where it went: the routing decision and what happened on the way (JSON text,
    # see callcenter.routing.RoutingDecision.as_dict and Call.route_log).
    routing_trace: Mapped[str | None] = mapped_column(Text)
    # The caller's post-call satisfaction answer (1-5), when the agent hung up first and they answered.
    survey_score: Mapped[int | None] = mapped_column(Integer)
    # Written only by save_disposition.
    outcome: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    disposition_at: Mapped[datetime | None]


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        one_of("severity", COMPLAINT_SEVERITIES),
        one_of("status", COMPLAINT_STATUSES),
        Index("ix_complaints_customer_status", "customer_id", "status"),
        Index("ix_complaints_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    interaction_id: Mapped[str | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # First-contact responsibility: the agent who took the call owns the complaint.
    owner_agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SLA: the deadline from severity and the customer's tier (set when the complaint is opened);
    # the milestones of open -> in_progress -> resolved -> confirmed (callback visit) -> closed.
    sla_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TierChange(Base):
    """One row per tier change made by a re-assessment run: who moved from what to what, when, why."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        one_of("from_type", CUSTOMER_TYPES),
        one_of("to_type", CUSTOMER_TYPES),
        one_of("from_class", VALUE_CLASSES),
        one_of("to_class", VALUE_CLASSES),
        Index("ix_tier_changes_customer_changed", "customer_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    from_type: Mapped[str] = mapped_column(String(16))
    to_type: Mapped[str] = mapped_column(String(16))
    from_class: Mapped[str] = mapped_column(String(16))
    to_class: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)                       # the value that decided the class
    reason: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[str] = mapped_column(String(36), index=True)


class Callback(Base):
    """A caller to call back: asked for in the voice menu (keeping their place), out of hours, or an
    abandoned call. ``credit_from`` is when their wait began: the callback is served ahead of callers
    who came later."""

    __tablename__ = "callbacks"
    __table_args__ = (
        one_of("source", CALLBACK_SOURCES),
        one_of("status", CALLBACK_STATUSES),
        Index("ix_callbacks_status_credit", "status", "credit_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    call_id: Mapped[str | None] = mapped_column(String(64))             # the call that asked for it
    credit_from: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime | None]                                 # out of hours: when we open
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_result: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueueSwitch(Base):
    """A supervisor's emergency "closed now" switch of one queue (ivr/hours.py: closed, no next opening).

    One row per queue ever switched, holding the last flip: reopening keeps the row with ``closed``
    false. Each flip is also logged with the state before it (callcenter/switches.py)."""

    __tablename__ = "queue_switches"

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_by: Mapped[str] = mapped_column(String(64))                 # the supervisor's login
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """A task after a call: a follow-up, or the callback visit (回访) that confirms a resolved complaint.
    Assigned to one agent, or to a pool (a queue's agents) when ``assigned_agent_id`` is NULL."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        one_of("kind", FOLLOW_UP_KINDS),
        one_of("status", FOLLOW_UP_STATUSES),
        one_of("result", FOLLOW_UP_RESULTS),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        Index("ix_follow_ups_status_due", "status", "due_at"),
        Index("ix_follow_ups_agent_status", "assigned_agent_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    interaction_id: Mapped[str | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="follow_up")
    due_at: Mapped[datetime]
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    pool: Mapped[str | None] = mapped_column(String(64))                 # queue whose agents share it
    number: Mapped[str | None] = mapped_column(String(64))               # what to dial (E.164)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    result: Mapped[str | None] = mapped_column(String(16))
    result_note: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)             # callback visit: 1-5
    created_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))


class AuditEntry(Base):
    """Who did what to which record, when, with the values before and after (JSON text)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id", "at"),
        Index("ix_audit_log_actor_at", "actor_login", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    actor_login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))         # e.g. customer.update, complaint.advance
    entity: Mapped[str] = mapped_column(String(32))         # customer, complaint, follow_up, queue, agent...
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class PausePeriod(Base):
    """One stretch of an agent paused with one code (``callcenter/model/presence.py``): open while
    ``ended_at`` is NULL. ``limit_seconds`` is the code's limit when it began (a later config change does
    not rewrite history); the agent report counts the time beyond it."""

    __tablename__ = "pause_periods"
    __table_args__ = (Index("ix_pause_periods_agent_started", "agent_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    limit_seconds: Mapped[int | None] = mapped_column(Integer)

"""Issues 3 and 4: traces, surveys, callbacks, switches, follow-ups, audit log, SLA.

Routing trace and survey score per call, 'dialing' calls, callbacks, the queues' "closed now" switches, follow-ups and callback visits (回访), the audit log, complaint SLA deadline and
milestones, customer email and address.

Written to run over the partial states that builds between the first release and this revision left
behind (they created missing tables with ``create_all`` and added missing nullable columns at start-up):
a table, column or index that is already there is left alone, and the two CHECK constraints of
``interactions`` are rebuilt whatever shape they had. ``crm_bridge.db`` stamps such a database 0001.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)

OLD_STATUSES = ("ivr", "queued", "ringing", "answered", "completed", "abandoned", "left", "ivr_hangup")
STATUSES = ("ivr", "queued", "ringing", "dialing", "answered", "completed", "abandoned", "left", "ivr_hangup")

NEW_COLUMNS = {
    "agents": (
        lambda: sa.Column("presence_queues", sa.String(length=400), nullable=True),
    ),
    "interactions": (
        lambda: sa.Column("routing_trace", sa.Text(), nullable=True),
        lambda: sa.Column("survey_score", sa.Integer(), nullable=True),
    ),
    "complaints": (
        lambda: sa.Column("sla_due_at", UTC_DATETIME, nullable=True),
        lambda: sa.Column("resolved_at", UTC_DATETIME, nullable=True),
        lambda: sa.Column("confirmed_at", UTC_DATETIME, nullable=True),
        lambda: sa.Column("closed_at", UTC_DATETIME, nullable=True),
        lambda: sa.Column("escalation_level", sa.Integer(), server_default="0", nullable=False),
    ),
    "customers": (
        lambda: sa.Column("email", sa.String(length=200), nullable=True),
        lambda: sa.Column("address", sa.String(length=400), nullable=True),
    ),
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    for table, makers in NEW_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        checks = {c["name"] for c in inspector.get_check_constraints(table)} if table == "interactions" else set()
        with op.batch_alter_table(table) as batch:
            for make in makers:
                column = make()
                if column.name not in present:
                    batch.add_column(column)
            if table == "interactions":
                # 'dialing' (a direct Dial() to an account manager) and the 1-5 survey answer.
                for name in ("ck_interactions_status", "ck_interactions_survey_score"):
                    if name in checks:
                        batch.drop_constraint(op.f(name), type_="check")
                batch.create_check_constraint(op.f("ck_interactions_status"), _in("status", STATUSES))
                batch.create_check_constraint(op.f("ck_interactions_survey_score"), "survey_score BETWEEN 1 AND 5")
    if "ix_complaints_sla_due_at" not in {i["name"] for i in inspector.get_indexes("complaints")}:
        op.create_index(op.f("ix_complaints_sla_due_at"), "complaints", ["sla_due_at"], unique=False)
    for table, create in (("queue_switches", _create_queue_switches), ("audit_log", _create_audit_log),
                          ("callbacks", _create_callbacks), ("follow_ups", _create_follow_ups)):
        if table not in tables:
            create()


def downgrade() -> None:
    for table in ("follow_ups", "callbacks", "audit_log", "queue_switches"):
        op.drop_table(table)          # their indexes go with them
    op.drop_index(op.f("ix_complaints_sla_due_at"), table_name="complaints")
    # The old vocabulary has no 'dialing': such a call was ringing.
    op.execute("UPDATE interactions SET status = 'ringing' WHERE status = 'dialing'")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_constraint(op.f("ck_interactions_survey_score"), type_="check")
        batch.drop_constraint(op.f("ck_interactions_status"), type_="check")
        batch.drop_column("survey_score")
        batch.drop_column("routing_trace")
        batch.create_check_constraint(op.f("ck_interactions_status"), _in("status", OLD_STATUSES))
    for table, makers in NEW_COLUMNS.items():
        if table == "interactions":
            continue
        with op.batch_alter_table(table) as batch:
            for make in reversed(makers):
                batch.drop_column(make().name)


def _create_queue_switches() -> None:
    op.create_table('queue_switches',
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('changed_by', sa.String(length=64), nullable=False),
        sa.Column('changed_at', UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint('queue', name=op.f('pk_queue_switches'))
    )


def _create_audit_log() -> None:
    op.create_table('audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTC_DATETIME, nullable=False),
        sa.Column('actor_agent_id', sa.Integer(), nullable=True),
        sa.Column('actor_login', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('entity', sa.String(length=32), nullable=False),
        sa.Column('entity_id', sa.String(length=64), nullable=False),
        sa.Column('before', sa.Text(), nullable=True),
        sa.Column('after', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['actor_agent_id'], ['agents.id'], name=op.f('fk_audit_log_actor_agent_id_agents'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_actor_at', 'audit_log', ['actor_login', 'at'], unique=False)
    op.create_index('ix_audit_log_entity', 'audit_log', ['entity', 'entity_id', 'at'], unique=False)


def _create_callbacks() -> None:
    op.create_table('callbacks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('queue', sa.String(length=64), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('call_id', sa.String(length=64), nullable=True),
        sa.Column('credit_from', UTC_DATETIME, nullable=False),
        sa.Column('not_before', UTC_DATETIME, nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_result', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTC_DATETIME, nullable=False),
        sa.Column('updated_at', UTC_DATETIME, nullable=False),
        sa.CheckConstraint("source IN ('ivr', 'out_of_hours', 'abandoned', 'agent')", name=op.f('ck_callbacks_source')),
        sa.CheckConstraint("status IN ('pending', 'dialing', 'queued', 'done', 'failed', 'cancelled')", name=op.f('ck_callbacks_status')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_callbacks_customer_id_customers'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks'))
    )
    op.create_index('ix_callbacks_status_credit', 'callbacks', ['status', 'credit_from'], unique=False)


def _create_follow_ups() -> None:
    op.create_table('follow_ups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('interaction_id', sa.String(length=36), nullable=True),
        sa.Column('complaint_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('due_at', UTC_DATETIME, nullable=False),
        sa.Column('assigned_agent_id', sa.Integer(), nullable=True),
        sa.Column('pool', sa.String(length=64), nullable=True),
        sa.Column('number', sa.String(length=64), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=True),
        sa.Column('result_note', sa.Text(), nullable=True),
        sa.Column('satisfaction', sa.Integer(), nullable=True),
        sa.Column('created_by_agent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC_DATETIME, nullable=False),
        sa.Column('done_at', UTC_DATETIME, nullable=True),
        sa.Column('done_by_agent_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('follow_up', 'callback_visit')", name=op.f('ck_follow_ups_kind')),
        sa.CheckConstraint("result IN ('reached', 'satisfied', 'unsatisfied', 'no_answer', 'wrong_number')", name=op.f('ck_follow_ups_result')),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_follow_ups_status')),
        sa.CheckConstraint('satisfaction BETWEEN 1 AND 5', name=op.f('ck_follow_ups_satisfaction')),
        sa.ForeignKeyConstraint(['assigned_agent_id'], ['agents.id'], name=op.f('fk_follow_ups_assigned_agent_id_agents'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_follow_ups_complaint_id_complaints'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_agent_id'], ['agents.id'], name=op.f('fk_follow_ups_created_by_agent_id_agents'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_follow_ups_customer_id_customers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['done_by_agent_id'], ['agents.id'], name=op.f('fk_follow_ups_done_by_agent_id_agents'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_follow_ups_interaction_id_interactions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    op.create_index('ix_follow_ups_agent_status', 'follow_ups', ['assigned_agent_id', 'status'], unique=False)
    op.create_index(op.f('ix_follow_ups_complaint_id'), 'follow_ups', ['complaint_id'], unique=False)
    op.create_index(op.f('ix_follow_ups_customer_id'), 'follow_ups', ['customer_id'], unique=False)
    op.create_index('ix_follow_ups_status_due', 'follow_ups', ['status', 'due_at'], unique=False)

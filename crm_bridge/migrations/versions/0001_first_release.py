"""The first release's schema (git 7b14a66).

Agents, customers, phones, interactions, tier changes, complaints. Frozen: never edit it to follow the models; a change to the models is a new revision. Datetimes are
``DateTime(timezone=True)`` (what ``crm_bridge.models.UTCDateTime`` stores: ``timestamptz`` on
PostgreSQL, ``DATETIME`` text on SQLite); constraint names follow ``models.NAMING_CONVENTION``.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('interface', sa.String(length=200), nullable=True),
    sa.Column('queues', sa.JSON(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('presence', sa.String(length=16), nullable=False),
    sa.Column('presence_reason', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC_DATETIME, nullable=False),
    sa.CheckConstraint("language IN ('zh', 'en')", name=op.f('ck_agents_language')),
    sa.CheckConstraint("presence IN ('unknown', 'logged_out', 'available', 'paused')", name=op.f('ck_agents_presence')),
    sa.CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name=op.f('ck_agents_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('interface', name=op.f('uq_agents_interface')),
    sa.UniqueConstraint('login', name=op.f('uq_agents_login'))
    )
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_initials', sa.String(length=64), nullable=False),
    sa.Column('customer_type', sa.String(length=16), nullable=False),
    sa.Column('value_class', sa.String(length=16), nullable=False),
    sa.Column('account_manager_id', sa.Integer(), nullable=True),
    sa.Column('credit_status', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=True),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', UTC_DATETIME, nullable=False),
    sa.Column('account_kind', sa.String(length=16), nullable=True),
    sa.Column('spend_12m', sa.BigInteger(), nullable=True),
    sa.Column('contribution_12m', sa.BigInteger(), nullable=True),
    sa.Column('tenure_months', sa.Integer(), nullable=True),
    sa.Column('products', sa.Integer(), nullable=True),
    sa.Column('potential', sa.Float(), nullable=True),
    sa.Column('tier_assessed_at', UTC_DATETIME, nullable=True),
    sa.CheckConstraint("account_kind IN ('enterprise', 'household', 'personal')", name=op.f('ck_customers_account_kind')),
    sa.CheckConstraint("credit_status IN ('normal', 'suspended')", name=op.f('ck_customers_credit_status')),
    sa.CheckConstraint("customer_type IN ('vip', 'group', 'family', 'individual')", name=op.f('ck_customers_customer_type')),
    sa.CheckConstraint("language IN ('zh', 'en')", name=op.f('ck_customers_language')),
    sa.CheckConstraint("value_class IN ('major', 'named', 'non_named', 'mass')", name=op.f('ck_customers_value_class')),
    sa.CheckConstraint('potential BETWEEN 0 AND 1', name=op.f('ck_customers_potential')),
    sa.ForeignKeyConstraint(['account_manager_id'], ['agents.id'], name=op.f('fk_customers_account_manager_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('account_number', name=op.f('uq_customers_account_number'))
    )
    op.create_index(op.f('ix_customers_account_manager_id'), 'customers', ['account_manager_id'], unique=False)
    op.create_index(op.f('ix_customers_name_initials'), 'customers', ['name_initials'], unique=False)
    op.create_table('interactions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=True),
    sa.Column('caller_number', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('customer_type', sa.String(length=16), nullable=True),
    sa.Column('value_class', sa.String(length=16), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('menu_choice', sa.String(length=32), nullable=True),
    sa.Column('ivr_digits', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ivr_failed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('started_at', UTC_DATETIME, nullable=False),
    sa.Column('queued_at', UTC_DATETIME, nullable=True),
    sa.Column('answered_at', UTC_DATETIME, nullable=True),
    sa.Column('ended_at', UTC_DATETIME, nullable=True),
    sa.Column('hold_seconds', sa.Integer(), nullable=True),
    sa.Column('talk_seconds', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('disposition_at', UTC_DATETIME, nullable=True),
    sa.CheckConstraint("customer_type IN ('vip', 'group', 'family', 'individual')", name=op.f('ck_interactions_customer_type')),
    sa.CheckConstraint("language IN ('zh', 'en')", name=op.f('ck_interactions_language')),
    sa.CheckConstraint("status IN ('ivr', 'queued', 'ringing', 'answered', 'completed', 'abandoned', 'left', 'ivr_hangup')", name=op.f('ck_interactions_status')),
    sa.CheckConstraint("value_class IN ('major', 'named', 'non_named', 'mass')", name=op.f('ck_interactions_value_class')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_interactions_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_interactions_customer_id_customers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions'))
    )
    op.create_index('ix_interactions_agent_started', 'interactions', ['agent_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_interactions_call_id'), 'interactions', ['call_id'], unique=False)
    op.create_index('ix_interactions_customer_started', 'interactions', ['customer_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_interactions_started_at'), 'interactions', ['started_at'], unique=False)
    op.create_table('phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.CheckConstraint("kind IN ('mobile', 'landline', 'work', 'other')", name=op.f('ck_phones_kind')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phones')),
    sa.UniqueConstraint('customer_id', 'e164', name='uq_phones_customer_e164')
    )
    op.create_index(op.f('ix_phones_e164'), 'phones', ['e164'], unique=False)
    op.create_table('tier_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_type', sa.String(length=16), nullable=False),
    sa.Column('to_type', sa.String(length=16), nullable=False),
    sa.Column('from_class', sa.String(length=16), nullable=False),
    sa.Column('to_class', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_at', UTC_DATETIME, nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.CheckConstraint("from_class IN ('major', 'named', 'non_named', 'mass')", name=op.f('ck_tier_changes_from_class')),
    sa.CheckConstraint("from_type IN ('vip', 'group', 'family', 'individual')", name=op.f('ck_tier_changes_from_type')),
    sa.CheckConstraint("to_class IN ('major', 'named', 'non_named', 'mass')", name=op.f('ck_tier_changes_to_class')),
    sa.CheckConstraint("to_type IN ('vip', 'group', 'family', 'individual')", name=op.f('ck_tier_changes_to_type')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tier_changes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_changes'))
    )
    op.create_index('ix_tier_changes_customer_changed', 'tier_changes', ['customer_id', 'changed_at'], unique=False)
    op.create_index(op.f('ix_tier_changes_run_id'), 'tier_changes', ['run_id'], unique=False)
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.String(length=36), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC_DATETIME, nullable=False),
    sa.Column('updated_at', UTC_DATETIME, nullable=False),
    sa.CheckConstraint("severity IN ('low', 'medium', 'high', 'critical')", name=op.f('ck_complaints_severity')),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'resolved', 'confirmed', 'closed')", name=op.f('ck_complaints_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_complaints_interaction_id_interactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_agent_id'], ['agents.id'], name=op.f('fk_complaints_owner_agent_id_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    op.create_index('ix_complaints_customer_status', 'complaints', ['customer_id', 'status'], unique=False)
    op.create_index(op.f('ix_complaints_interaction_id'), 'complaints', ['interaction_id'], unique=False)
    op.create_index(op.f('ix_complaints_owner_agent_id'), 'complaints', ['owner_agent_id'], unique=False)
    op.create_index('ix_complaints_status_created', 'complaints', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_complaints_status_created', table_name='complaints')
    op.drop_index(op.f('ix_complaints_owner_agent_id'), table_name='complaints')
    op.drop_index(op.f('ix_complaints_interaction_id'), table_name='complaints')
    op.drop_index('ix_complaints_customer_status', table_name='complaints')
    op.drop_table('complaints')
    op.drop_index(op.f('ix_tier_changes_run_id'), table_name='tier_changes')
    op.drop_index('ix_tier_changes_customer_changed', table_name='tier_changes')
    op.drop_table('tier_changes')
    op.drop_index(op.f('ix_phones_e164'), table_name='phones')
    op.drop_table('phones')
    op.drop_index(op.f('ix_interactions_started_at'), table_name='interactions')
    op.drop_index('ix_interactions_customer_started', table_name='interactions')
    op.drop_index(op.f('ix_interactions_call_id'), table_name='interactions')
    op.drop_index('ix_interactions_agent_started', table_name='interactions')
    op.drop_table('interactions')
    op.drop_index(op.f('ix_customers_name_initials'), table_name='customers')
    op.drop_index(op.f('ix_customers_account_manager_id'), table_name='customers')
    op.drop_table('customers')
    op.drop_table('agents')

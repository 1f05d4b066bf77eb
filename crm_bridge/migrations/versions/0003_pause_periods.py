"""Issue 10: pause periods (one row per stretch an agent was paused with one code, with its limit).

Revision ID: 0003_pause_periods
Revises: 0002
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_pause_periods"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('pause_periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=64), nullable=False),
        sa.Column('started_at', UTC_DATETIME, nullable=False),
        sa.Column('ended_at', UTC_DATETIME, nullable=True),
        sa.Column('limit_seconds', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_pause_periods_agent_id_agents'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pause_periods'))
    )
    op.create_index('ix_pause_periods_agent_started', 'pause_periods', ['agent_id', 'started_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pause_periods_agent_started', table_name='pause_periods')
    op.drop_table('pause_periods')

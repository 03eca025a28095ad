"""outbox and progress version: events written with the change that caused them, a version per learner

Revision ID: f6a8b3c2d1e0
Revises: e5b2c9d1a7f3
Create Date: 2026-11-30 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f6a8b3c2d1e0'
down_revision: str | None = 'e5b2c9d1a7f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.create_table(
        'outbox_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_index('ix_outbox_event_learner', 'outbox_event', ['learner_id', 'version'])
    op.create_table(
        'outbox_receipt',
        sa.Column('consumer', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['outbox_event.id']),
        sa.PrimaryKeyConstraint('consumer', 'event_id'),
    )


def downgrade() -> None:
    op.drop_table('outbox_receipt')
    op.drop_index('ix_outbox_event_learner', table_name='outbox_event')
    op.drop_table('outbox_event')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('progress_version')

"""email: messages to deliver (one per cause), learners' email preferences, password reset tokens (hashed)

Revision ID: b7e2d4f6a8c1
Revises: a1c3e5f7b9d2
Create Date: 2026-12-02 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b7e2d4f6a8c1'
down_revision: str | None = 'a1c3e5f7b9d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cause_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cause_key')
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index('ix_mail_message_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_learner_id'), ['learner_id'], unique=False)

    op.create_table('mail_preference',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('course_completed', sa.Boolean(), nullable=False),
    sa.Column('certificate_ready', sa.Boolean(), nullable=False),
    sa.Column('milestones', sa.Boolean(), nullable=False),
    sa.Column('reminders', sa.Boolean(), nullable=False),
    sa.Column('signing_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ),
    sa.PrimaryKeyConstraint('learner_id')
    )
    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_learner_id'), ['learner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_learner_id'))

    op.drop_table('password_reset')
    op.drop_table('mail_preference')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_learner_id'))
        batch_op.drop_index('ix_mail_message_due')

    op.drop_table('mail_message')

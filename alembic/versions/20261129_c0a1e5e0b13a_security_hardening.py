"""security hardening: session devices, token expiry, certificates as issued, lesson time per day

Revision ID: c0a1e5e0b13a
Revises: ab7a09643a66
Create Date: 2026-11-29 20:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c0a1e5e0b13a'
down_revision: str | None = 'ab7a09643a66'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
    # Certificates already issued keep the name and title they show today.
    op.execute("UPDATE certificate SET holder_name = (SELECT name FROM learner WHERE learner.id = certificate.learner_id)")
    op.execute(
        "UPDATE certificate SET title = COALESCE((SELECT title FROM course WHERE course.id = certificate.node_id), '') "
        "WHERE node_kind = 'course'"
    )
    op.execute(
        "UPDATE certificate SET title = COALESCE((SELECT title FROM pathway WHERE pathway.id = certificate.node_id), '') "
        "WHERE node_kind = 'pathway'"
    )

    # Lesson time per local day, in 64-bit seconds: a new table, the old totals carried over on the day last updated.
    op.create_table('lesson_time_by_day',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seconds', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], ),
    sa.PrimaryKeyConstraint('learner_id', 'lesson_id', 'day')
    )
    day = "CAST(updated_at AS DATE)" if op.get_context().dialect.name == "postgresql" else "date(updated_at)"
    op.execute(
        "INSERT INTO lesson_time_by_day (learner_id, lesson_id, day, seconds, updated_at) "
        f"SELECT learner_id, lesson_id, {day}, seconds, updated_at FROM lesson_time"
    )
    op.drop_table('lesson_time')
    op.rename_table('lesson_time_by_day', 'lesson_time')


def downgrade() -> None:
    op.create_table('lesson_time_total',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], ),
    sa.PrimaryKeyConstraint('learner_id', 'lesson_id')
    )
    op.execute(
        "INSERT INTO lesson_time_total (learner_id, lesson_id, seconds, updated_at) "
        "SELECT learner_id, lesson_id, SUM(seconds), MAX(updated_at) FROM lesson_time GROUP BY learner_id, lesson_id"
    )
    op.drop_table('lesson_time')
    op.rename_table('lesson_time_total', 'lesson_time')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('title')
        batch_op.drop_column('holder_name')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_column('user_agent')

"""recalc undo: the stored rows a recalculate run overwrote, kept with its batches so the run can be rolled back

Revision ID: c3d5e7f9a1b2
Revises: b7e2d4f6a8c1
Create Date: 2026-12-02 12:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c3d5e7f9a1b2'
down_revision: str | None = 'b7e2d4f6a8c1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'recalc_undo',
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('node_kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('node_id', sa.Integer(), nullable=False),
        sa.Column('before', sa.Text(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('restored_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['learner_id'], ['learner.id']),
        sa.ForeignKeyConstraint(['run_id'], ['operation_run.id']),
        sa.PrimaryKeyConstraint('run_id', 'learner_id', 'node_kind', 'node_id'),
    )


def downgrade() -> None:
    op.drop_table('recalc_undo')

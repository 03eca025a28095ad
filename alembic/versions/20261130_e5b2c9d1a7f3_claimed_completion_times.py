"""claimed completion times: an accepted claim's time kept on the stored row, apart from the inferred one

Revision ID: e5b2c9d1a7f3
Revises: d4c7a1f0e2b9
Create Date: 2026-11-29 22:15:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e5b2c9d1a7f3'
down_revision: str | None = 'd4c7a1f0e2b9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: a time kept by an earlier claim is then recomputed from the facts (at most 5 minutes away).
    for table in ('enrollment', 'pathway_enrollment'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in ('pathway_enrollment', 'enrollment'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('claimed_at')

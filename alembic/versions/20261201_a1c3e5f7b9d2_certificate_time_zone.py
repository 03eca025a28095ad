"""certificate time zone: the holder's zone at completion, which fixes the certificate's local date

Revision ID: a1c3e5f7b9d2
Revises: f6a8b3c2d1e0
Create Date: 2026-12-01 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a1c3e5f7b9d2'
down_revision: str | None = 'f6a8b3c2d1e0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='UTC'))
    # Certificates issued before: the holder's zone now is the best record of where they were.
    op.execute(
        "UPDATE certificate SET time_zone = COALESCE("
        "(SELECT learner.time_zone FROM learner WHERE learner.id = certificate.learner_id), 'UTC')"
    )


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

"""stat counters: per course and pathway, the counters behind the admin statistics, backfilled from stored rows;
indexes over each node's finishers

Revision ID: d4e6f8a0b2c4
Revises: 61492a2405f0
Create Date: 2026-12-05 02:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = 'd4e6f8a0b2c4'
down_revision: str | None = '61492a2405f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'stat_counter',
        sa.Column('node_kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('node_id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('shard', sa.SmallInteger(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('node_kind', 'node_id', 'name', 'shard'),
    )
    # The numbers that stay queries read a node's finishers only: covering indexes for them.
    op.create_index(
        'ix_enrollment_course_finished', 'enrollment', ['course_id', 'first_completed_at', 'enrolled_at']
    )
    op.create_index(
        'ix_pathway_enrollment_pathway_finished',
        'pathway_enrollment',
        ['pathway_id', 'first_completed_at', 'enrolled_at'],
    )
    _backfill()


def _backfill() -> None:
    """An existing database gets its counters recounted from its stored rows and facts (an empty one has none).

    It uses the application's recount (the same one `learnapp stats verify` compares with), on the catalog as
    stored at this revision.
    """
    conn = op.get_bind()
    if conn.execute(sa.text('SELECT 1 FROM enrollment LIMIT 1')).first() is None and conn.execute(
        sa.text('SELECT 1 FROM pathway_enrollment LIMIT 1')
    ).first() is None:
        return
    from learnapp.persistence import stats_counters
    from learnapp.persistence.catalog import current_catalog

    catalog = current_catalog(conn)
    stats_counters.rewrite(conn, catalog, stats_counters.every_node(catalog))


def downgrade() -> None:
    op.drop_index('ix_pathway_enrollment_pathway_finished', table_name='pathway_enrollment')
    op.drop_index('ix_enrollment_course_finished', table_name='enrollment')
    op.drop_table('stat_counter')

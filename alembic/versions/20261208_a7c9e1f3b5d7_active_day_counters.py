"""active day counters: the site's learners by latest activity day ("a<YYYYMMDD>"), so "active in the last 7 days"
reads a few counter rows; backfilled in plain SQL; the index of activity days by day, which only that count read,
goes

Revision ID: a7c9e1f3b5d7
Revises: f6a8b0c2d4e7
Create Date: 2026-12-08 05:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = 'a7c9e1f3b5d7'
down_revision: str | None = 'f6a8b0c2d4e7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A kept day as the counter's name: SQLite stores a date as 'YYYY-MM-DD' text.
_NAME = {'sqlite': "'a' || replace(latest, '-', '')", 'postgresql': "'a' || to_char(latest, 'YYYYMMDD')"}
_OURS = "DELETE FROM stat_counter WHERE node_kind = 'site' AND name >= 'a' AND name < 'b'"  # this revision's


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text(_OURS))  # those a downgrade left (moved on since), or an older backfill
    # Each learner's latest day, counted per day (shard 0), as `learnapp stats verify` recounts them.
    conn.execute(
        sa.text(
            "INSERT INTO stat_counter (node_kind, node_id, name, shard, n)"
            f" SELECT 'site', 0, {_NAME[conn.dialect.name]}, 0, count(*)"
            " FROM (SELECT max(day) AS latest FROM activity_day GROUP BY learner_id) AS learners GROUP BY latest"
        )
    )
    op.drop_index('ix_activity_day_day', table_name='activity_day')


def downgrade() -> None:
    op.create_index('ix_activity_day_day', 'activity_day', ['day', 'learner_id'])
    # The counters themselves stay (the older schema holds them; its overview counts activity days instead): an
    # upgrade recounts them.

"""activity days: the lessons a learner completed on each local day, kept through undo and Start over

Revision ID: d4c7a1f0e2b9
Revises: c0a1e5e0b13a
Create Date: 2026-11-30 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = 'd4c7a1f0e2b9'
down_revision: str | None = 'c0a1e5e0b13a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Completions still held (their own time), and completions clicked or sent without a time that were undone since:
# for those the history's `at` is the completion time. Imports and admins may backdate, so their history `at` is
# the recording time, not the day the learner studied: only their facts still held count.
_SOURCES = """
SELECT c.learner_id, c.lesson_id, c.completed_at, l.time_zone
FROM lesson_completion c JOIN learner l ON l.id = c.learner_id
UNION ALL
SELECT h.learner_id, h.lesson_id, h.at, l.time_zone
FROM progress_history h JOIN learner l ON l.id = h.learner_id
WHERE h.action = 'completed' AND h.source IN ('ui', 'api') AND h.lesson_id IS NOT NULL
"""
BATCH = 5000


def upgrade() -> None:
    table = op.create_table('activity_day',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], ),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], ),
    sa.PrimaryKeyConstraint('learner_id', 'day', 'lesson_id')
    )
    # The day in each learner's own zone, as the app writes it (SQLite has no time zone arithmetic in SQL).
    zones: dict[str, ZoneInfo] = {}
    seen: set[tuple[int, date, int]] = set()
    for learner_id, lesson_id, at, zone in op.get_bind().execute(sa.text(_SOURCES)):
        moment = _moment(at)
        where = zones.setdefault(zone or "UTC", ZoneInfo(zone or "UTC"))
        seen.add((learner_id, moment.astimezone(where).date(), lesson_id))
    rows = [{"learner_id": a, "day": d, "lesson_id": b} for a, d, b in sorted(seen)]
    for start in range(0, len(rows), BATCH):
        op.bulk_insert(table, rows[start : start + BATCH])


def _moment(value: datetime | str) -> datetime:
    # A raw SQL read gives SQLite's stored text; PostgreSQL gives an aware datetime.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def downgrade() -> None:
    op.drop_table('activity_day')

"""the median's finer buckets: each fine bucket of time to complete in 64 equal parts, counted apart
("m<bucket>.<part>"), so the median walks one part's finishers; backfilled in plain SQL

Revision ID: f6a8b0c2d4e7
Revises: e5f7a9b1c3d5
Create Date: 2026-12-07 05:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = 'f6a8b0c2d4e7'
down_revision: str | None = 'e5f7a9b1c3d5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTS = 64
MINUTE, HOUR, DAY = 60, 3600, 86400
# The fine buckets' upper edges in seconds, as learnapp/persistence/stats_finishers.py had them at this revision.
TIME_EDGES = (
    *(m * MINUTE for m in (5, 10, 15, 20, 30, 45)),
    *(int(h * HOUR) for h in (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 20)),
    *(int(d * DAY) for d in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 25, 30)),
    *(d * DAY for d in (35, 40, 45, 50, 60, 70, 80, 90, 105, 120, 150, 180, 240, 365, 730)),
)
NODES = (('course', 'enrollment', 'course_id'), ('pathway', 'pathway_enrollment', 'pathway_id'))
_KEY = {
    'sqlite': 'julianday(first_completed_at) - julianday(enrolled_at)',
    'postgresql': 'EXTRACT(epoch FROM first_completed_at - enrolled_at)',
}
# A part's number from its step within the bucket, as stats_finishers.fine_part computes it (SQLite's CAST
# truncates, PostgreSQL's rounds: floor first there; at most the last part).
_PART = {
    'sqlite': 'min(CAST(({key} - :lo{i}) * {parts} / :w{i} AS INTEGER), {last})',
    'postgresql': 'LEAST(CAST(floor(({key} - :lo{i}) * {parts} / :w{i}) AS INTEGER), {last})',
}
_UPSERT = (
    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n) {0}"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n + excluded.n"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM stat_counter WHERE name LIKE 'm%'"))  # those a downgrade left
    key = _KEY[dialect]
    # Edges bound as parameters, computed as the application computes them (days on SQLite, seconds on PostgreSQL),
    # so a time on an edge lands in the same part here and there.
    unit = (lambda s: s / DAY) if dialect == 'sqlite' else (lambda s: s)
    whens, values, lower = [f'WHEN {key} < 0 THEN 0'], {}, 0
    for i, edge in enumerate(TIME_EDGES):
        values[f'e{i}'], values[f'lo{i}'] = unit(edge), unit(lower)
        values[f'w{i}'] = unit(edge) - unit(lower)
        part = _PART[dialect].format(key=key, i=i, parts=PARTS, last=PARTS - 1)
        whens.append(f'WHEN {key} < :e{i} THEN {i * PARTS} + {part}')
        lower = edge
    fine = f"CASE {' '.join(whens)} ELSE {len(TIME_EDGES) * PARTS} END"
    name = f"'m' || CAST(fine / {PARTS} AS VARCHAR(4)) || '.' || CAST(fine % {PARTS} AS VARCHAR(4))"
    for kind, table, node in NODES:
        counted = (
            f"SELECT '{kind}', node, {name}, 0, count(*) FROM"
            f" (SELECT {node} AS node, {fine} AS fine FROM {table} WHERE first_completed_at IS NOT NULL) finishers"
            " GROUP BY node, fine"
        )
        conn.execute(sa.text(_UPSERT.format(counted)), values)


def downgrade() -> None:
    # The part counters stay: the older schema reads only the names it knows, and an upgrade recounts them.
    pass

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


# The catalog as the application loads it: live courses and pathways, the countable lessons of live modules.
_COURSE_LESSONS = (
    'SELECT cm.course_id AS node_id, l.id AS lesson_id FROM course_module cm'
    ' JOIN course c ON c.id = cm.course_id JOIN module m ON m.id = cm.module_id JOIN lesson l ON l.module_id = m.id'
    ' WHERE NOT c.retired AND NOT m.retired AND NOT l.retired AND NOT l.preview'
)
_PATHWAY_LESSONS = (
    'SELECT DISTINCT pc.pathway_id AS node_id, cl.lesson_id FROM pathway_course pc'
    f' JOIN pathway p ON p.id = pc.pathway_id JOIN ({_COURSE_LESSONS}) cl ON cl.node_id = pc.course_id'
    ' WHERE NOT p.retired'
)
_NODES = (
    ('course', 'enrollment', 'course_id', _COURSE_LESSONS),
    ('pathway', 'pathway_enrollment', 'pathway_id', _PATHWAY_LESSONS),
)
_BUCKET = 'CASE WHEN percent <= 0 THEN 0 WHEN percent >= 100 THEN 11 ELSE percent / 10 + 1 END'


def _backfill() -> None:
    """An existing database gets its counters counted from its stored rows and facts (an empty one has none).

    Plain SQL, as `learnapp stats verify` recounts (shard 0; counters that would be 0 are not written), on the
    catalog as stored at this revision; it imports nothing of the application, whose code moves on.
    """
    conn = op.get_bind()
    if conn.execute(sa.text('SELECT 1 FROM enrollment LIMIT 1')).first() is None and conn.execute(
        sa.text('SELECT 1 FROM pathway_enrollment LIMIT 1')
    ).first() is None:
        return
    into = 'INSERT INTO stat_counter (node_kind, node_id, name, shard, n) '
    for kind, table, node, lessons in _NODES:
        live = f"{node} IN (SELECT id FROM {kind} WHERE NOT retired)"
        sums = {
            'enrolled': 'count(*)',
            'started': 'sum(CASE WHEN completed > 0 THEN 1 ELSE 0 END)',
            'complete': 'sum(CASE WHEN is_complete THEN 1 ELSE 0 END)',
            'percent': 'sum(percent)',
        }
        for name, value in sums.items():
            conn.execute(sa.text(
                into + f"SELECT '{kind}', {node}, '{name}', 0, {value} FROM {table} WHERE {live}"
                f' GROUP BY {node} HAVING {value} <> 0'
            ))
        conn.execute(sa.text(
            into + f"SELECT '{kind}', {node}, 'p' || CAST({_BUCKET} AS VARCHAR(4)), 0, count(*) FROM {table}"
            f' WHERE {live} GROUP BY {node}, {_BUCKET}'
        ))
        conn.execute(sa.text(
            into + f"SELECT '{kind}', x.node_id, 'l' || CAST(x.lesson_id AS VARCHAR(12)), 0, count(*)"
            f' FROM ({lessons}) x JOIN {table} e ON e.{node} = x.node_id'
            ' JOIN lesson_completion f ON f.learner_id = e.learner_id AND f.lesson_id = x.lesson_id'
            ' GROUP BY x.node_id, x.lesson_id'
        ))
    # A pathway's learners who completed each of its live courses.
    conn.execute(sa.text(
        into + "SELECT 'pathway', pe.pathway_id, 'c' || CAST(e.course_id AS VARCHAR(12)), 0, count(*)"
        ' FROM pathway_enrollment pe JOIN pathway p ON p.id = pe.pathway_id'
        ' JOIN pathway_course pc ON pc.pathway_id = pe.pathway_id JOIN course c ON c.id = pc.course_id'
        ' JOIN enrollment e ON e.learner_id = pe.learner_id AND e.course_id = pc.course_id'
        ' WHERE NOT p.retired AND NOT c.retired AND e.is_complete GROUP BY pe.pathway_id, e.course_id'
    ))


def downgrade() -> None:
    op.drop_index('ix_pathway_enrollment_pathway_finished', table_name='pathway_enrollment')
    op.drop_index('ix_enrollment_course_finished', table_name='enrollment')
    op.drop_table('stat_counter')

"""finisher counters: time to complete in fine buckets, first completions per UTC day and quarter hour, the learner
count (kept by triggers); indexes for the median's walk and for recent activity; backfilled in plain SQL

Revision ID: e5f7a9b1c3d5
Revises: d4e6f8a0b2c4
Create Date: 2026-12-06 05:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = 'e5f7a9b1c3d5'
down_revision: str | None = 'd4e6f8a0b2c4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 8
MINUTE, HOUR, DAY = 60, 3600, 86400
# The fine buckets' upper edges in seconds, as learnapp/persistence/stats_finishers.py had them at this revision.
TIME_EDGES = (
    *(m * MINUTE for m in (5, 10, 15, 20, 30, 45)),
    *(int(h * HOUR) for h in (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 20)),
    *(int(d * DAY) for d in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 25, 30)),
    *(d * DAY for d in (35, 40, 45, 50, 60, 70, 80, 90, 105, 120, 150, 180, 240, 365, 730)),
)
NODES = (('course', 'enrollment', 'course_id'), ('pathway', 'pathway_enrollment', 'pathway_id'))

# The time to complete as the finishers' indexes order it (the application's queries use the same expression).
_KEY = {
    'sqlite': 'julianday(first_completed_at) - julianday(enrolled_at)',
    'postgresql': 'EXTRACT(epoch FROM first_completed_at - enrolled_at)',
}
_DAY = {
    'sqlite': "strftime('%Y%m%d', first_completed_at)",
    'postgresql': "to_char(timezone('UTC', first_completed_at), 'YYYYMMDD')",
}
_QUARTER = {
    'sqlite': "(CAST(strftime('%H', first_completed_at) AS INTEGER) * 4"
    " + CAST(strftime('%M', first_completed_at) AS INTEGER) / 15)",
    'postgresql': "(CAST(EXTRACT(hour FROM timezone('UTC', first_completed_at)) AS INTEGER) * 4"
    " + CAST(EXTRACT(minute FROM timezone('UTC', first_completed_at)) AS INTEGER) / 15)",
}

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER stat_learner_added AFTER INSERT ON learner WHEN NEW.role = 'learner' BEGIN"
    " INSERT INTO stat_counter (node_kind, node_id, name, shard, n) VALUES ('site', 0, 'learners', NEW.id % 8, 1)"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER stat_learner_removed AFTER DELETE ON learner WHEN OLD.role = 'learner' BEGIN"
    " INSERT INTO stat_counter (node_kind, node_id, name, shard, n) VALUES ('site', 0, 'learners', OLD.id % 8, -1)"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = n - 1; END",
    "CREATE TRIGGER stat_learner_role AFTER UPDATE OF role ON learner WHEN OLD.role IS NOT NEW.role BEGIN"
    " INSERT INTO stat_counter (node_kind, node_id, name, shard, n) VALUES ('site', 0, 'learners', NEW.id % 8,"
    " (NEW.role = 'learner') - (OLD.role = 'learner'))"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = n + excluded.n; END",
)
_UPSERT = (
    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n) {0}"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n + excluded.n"
)
# PostgreSQL: inserts and deletes once per statement (the population generator's COPY adds a million rows in a few
# statements), a change of role per row, and only when the role column is written.
_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION stat_learners_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + _UPSERT.format(
        "SELECT 'site', 0, 'learners', id % 8, count(*) FROM added WHERE role = 'learner' GROUP BY id % 8 ORDER BY 4"
    )
    + "; RETURN NULL; END $$",
    "CREATE TRIGGER stat_learners_added AFTER INSERT ON learner REFERENCING NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION stat_learners_added()",
    "CREATE FUNCTION stat_learners_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + _UPSERT.format(
        "SELECT 'site', 0, 'learners', id % 8, -count(*) FROM removed WHERE role = 'learner' GROUP BY id % 8"
        " ORDER BY 4"
    )
    + "; RETURN NULL; END $$",
    "CREATE TRIGGER stat_learners_removed AFTER DELETE ON learner REFERENCING OLD TABLE AS removed"
    " FOR EACH STATEMENT EXECUTE FUNCTION stat_learners_removed()",
    "CREATE FUNCTION stat_learner_role() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + _UPSERT.format(
        "VALUES ('site', 0, 'learners', NEW.id % 8,"
        " CAST(NEW.role = 'learner' AS INTEGER) - CAST(OLD.role = 'learner' AS INTEGER))"
    )
    + "; RETURN NULL; END $$",
    "CREATE TRIGGER stat_learner_role AFTER UPDATE OF role ON learner FOR EACH ROW"
    " WHEN (OLD.role IS DISTINCT FROM NEW.role) EXECUTE FUNCTION stat_learner_role()",
)

_OURS = "{0} WHERE node_kind = 'site' OR name LIKE 't%' OR name LIKE 'd%'"  # this revision's counters


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for _kind, table, node in NODES:
        # Finishers only, ordered by time to complete: the median walks the few of one fine bucket.
        op.execute(
            f'CREATE INDEX ix_{table}_time_to_complete ON {table} ({node}, ({_KEY[dialect]}))'
            ' WHERE first_completed_at IS NOT NULL'
        )
    op.create_index('ix_activity_day_day', 'activity_day', ['day', 'learner_id'])
    for statement in _POSTGRES_TRIGGERS if dialect == 'postgresql' else _SQLITE_TRIGGERS:
        op.execute(statement)
    _backfill(dialect)


def _backfill(dialect: str) -> None:
    """Existing finishers and learners counted in plain SQL (shard 0), as `learnapp stats verify` recounts them."""
    conn = op.get_bind()
    conn.execute(sa.text(_OURS.format('DELETE FROM stat_counter')))  # those a downgrade left, or an older backfill
    # Edges bound as parameters: the very numbers the application compares with (days on SQLite).
    edges = {f'e{i}': edge / DAY if dialect == 'sqlite' else edge for i, edge in enumerate(TIME_EDGES)}
    bucket = ' '.join(f'WHEN {_KEY[dialect]} < :e{i} THEN {i}' for i in range(len(TIME_EDGES)))
    day, quarter = _DAY[dialect], _QUARTER[dialect]
    names = (
        f"'t' || CAST(CASE {bucket} ELSE {len(TIME_EDGES)} END AS VARCHAR(4))",
        f"'d' || {day}",
        f"'d' || {day} || '.b' || CAST({quarter} / 16 AS VARCHAR(4))",
        f"'d' || {day} || '.h' || CAST({quarter} / 4 AS VARCHAR(4))",
        f"'d' || {day} || '.q' || CAST({quarter} AS VARCHAR(4))",
    )
    for kind, table, node in NODES:
        for name in names:
            counted = (
                f"SELECT '{kind}', {node}, {name}, 0, count(*) FROM {table}"
                f' WHERE first_completed_at IS NOT NULL GROUP BY {node}, {name}'
            )
            conn.execute(sa.text(_UPSERT.format(counted)), edges if name.startswith("'t'") else {})
    learners = f"SELECT 'site', 0, 'learners', id % {SHARDS}, count(*) FROM learner WHERE role = 'learner'"
    conn.execute(sa.text(_UPSERT.format(learners + f' GROUP BY id % {SHARDS}')))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for name in ('stat_learners_added', 'stat_learners_removed', 'stat_learner_role'):
            op.execute(f'DROP TRIGGER {name} ON learner')
            op.execute(f'DROP FUNCTION {name}()')
    else:
        for name in ('stat_learner_added', 'stat_learner_removed', 'stat_learner_role'):
            op.execute(f'DROP TRIGGER {name}')
    # The counters themselves stay (the older schema holds them; it reads only the names it knows): an upgrade
    # recounts them.
    op.drop_index('ix_activity_day_day', table_name='activity_day')
    for _kind, table, _node in NODES:
        op.drop_index(f'ix_{table}_time_to_complete', table_name=table)

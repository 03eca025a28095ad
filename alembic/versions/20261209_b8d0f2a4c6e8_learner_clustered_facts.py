"""learner-clustered facts: lesson completions keyed by (learner, lesson) without a surrogate id; the progress
history keyed by (learner, at, id) instead of id plus a (learner, at) index; on SQLite these and the activity days
become tables without rowids, stored in their key's order, so one learner's rows share a page or two

Revision ID: b8d0f2a4c6e8
Revises: a7c9e1f3b5d7
Create Date: 2026-12-09 05:00:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "b8d0f2a4c6e8"
down_revision: str | None = "a7c9e1f3b5d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMPLETION_COLUMNS = "learner_id, lesson_id, completed_at, source"
_HISTORY_COLUMNS = "at, learner_id, actor_id, action, source, lesson_id, course_id, pathway_id, detail"


def _completion(name: str, clustered: bool) -> sa.Table:
    # Clustered: keyed by (learner, lesson). Before: a surrogate id, with (learner, lesson) unique beside it.
    if clustered:
        surrogate, key = [], sa.PrimaryKeyConstraint("learner_id", "lesson_id")
    else:
        surrogate, key = (
            [sa.Column("id", sa.Integer(), primary_key=True)],
            sa.UniqueConstraint("learner_id", "lesson_id"),
        )
    return op.create_table(
        name,
        *surrogate,
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.CheckConstraint("source IN ('ui', 'api', 'import', 'admin')", name="completion_source"),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"]),
        key,
        sqlite_with_rowid=not clustered,
    )


def _history(name: str, clustered: bool) -> sa.Table:
    key = sa.PrimaryKeyConstraint("learner_id", "at", "id") if clustered else sa.PrimaryKeyConstraint("id")
    return op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("pathway_id", sa.Integer(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["learner.id"]),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"]),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathway.id"]),
        key,
        sqlite_with_rowid=not clustered,
    )


def _days(name: str, clustered: bool) -> sa.Table:
    return op.create_table(
        name,
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"]),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"]),
        sa.PrimaryKeyConstraint("learner_id", "day", "lesson_id"),
        sqlite_with_rowid=not clustered,
    )


def _sqlite_rebuild(
    name: str, make: Callable[[str, bool], sa.Table], clustered: bool, columns: str, source: str
) -> None:
    """SQLite cannot change a table's key or its rowid in place: a new table, filled in its key's order (so its
    pages come out full), then swapped in. Nothing references these tables, and none has a trigger."""
    new = f"{name}_rebuilt"
    make(new, clustered)
    # Table and column names are this module's constants.
    op.execute(f"INSERT INTO {new} ({columns}) {source}")  # nosec B608
    op.drop_table(name)
    op.rename_table(new, name)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(
            "lesson_completion",
            _completion,
            True,
            _COMPLETION_COLUMNS,
            f"SELECT {_COMPLETION_COLUMNS} FROM lesson_completion ORDER BY learner_id, lesson_id",  # nosec B608
        )
        # The history's ids were the table's rowids: kept, so each learner's entries keep their order.
        _sqlite_rebuild(
            "progress_history",
            _history,
            True,
            f"id, {_HISTORY_COLUMNS}",
            f"SELECT id, {_HISTORY_COLUMNS} FROM progress_history ORDER BY learner_id, at, id",  # nosec B608
        )
        _sqlite_rebuild(
            "activity_day",
            _days,
            True,
            "learner_id, day, lesson_id",
            "SELECT learner_id, day, lesson_id FROM activity_day ORDER BY learner_id, day, lesson_id",
        )
    else:
        # (learner, lesson) becomes the key; the surrogate id and its index go.
        unique = _unique_name("lesson_completion", ["learner_id", "lesson_id"])
        op.drop_constraint("lesson_completion_pkey", "lesson_completion", type_="primary")
        op.drop_constraint(unique, "lesson_completion", type_="unique")
        op.create_primary_key("lesson_completion_pkey", "lesson_completion", ["learner_id", "lesson_id"])
        op.drop_column("lesson_completion", "id")
        op.drop_constraint("progress_history_pkey", "progress_history", type_="primary")
        op.create_primary_key("progress_history_pkey", "progress_history", ["learner_id", "at", "id"])
        op.drop_index("ix_progress_history_learner_at", table_name="progress_history")
    op.create_index("ix_lesson_completion_lesson_id", "lesson_completion", ["lesson_id"], if_not_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(
            "lesson_completion",
            _completion,
            False,
            _COMPLETION_COLUMNS,
            f"SELECT {_COMPLETION_COLUMNS} FROM lesson_completion ORDER BY completed_at, learner_id, lesson_id",  # nosec B608
        )
        # Ids were numbered per learner here: numbered again across the whole table, in time order.
        _sqlite_rebuild(
            "progress_history",
            _history,
            False,
            f"id, {_HISTORY_COLUMNS}",
            f"SELECT row_number() OVER (ORDER BY at, learner_id, id), {_HISTORY_COLUMNS} FROM progress_history",  # nosec B608
        )
        _sqlite_rebuild(
            "activity_day",
            _days,
            False,
            "learner_id, day, lesson_id",
            "SELECT learner_id, day, lesson_id FROM activity_day ORDER BY learner_id, day, lesson_id",
        )
    else:
        op.drop_constraint("progress_history_pkey", "progress_history", type_="primary")
        op.create_primary_key("progress_history_pkey", "progress_history", ["id"])
        op.drop_constraint("lesson_completion_pkey", "lesson_completion", type_="primary")
        op.create_unique_constraint(
            "lesson_completion_learner_id_lesson_id_key", "lesson_completion", ["learner_id", "lesson_id"]
        )
        op.execute("ALTER TABLE lesson_completion ADD COLUMN id SERIAL PRIMARY KEY")
    op.create_index("ix_lesson_completion_lesson_id", "lesson_completion", ["lesson_id"], if_not_exists=True)
    op.create_index("ix_progress_history_learner_at", "progress_history", ["learner_id", "at"], if_not_exists=True)


def _unique_name(table: str, columns: list[str]) -> str:
    for unique in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if unique["column_names"] == columns:
            return str(unique["name"])
    raise RuntimeError(f"{table}: no unique constraint on {columns}")

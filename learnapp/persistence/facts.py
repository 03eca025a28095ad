"""Persistence: completion facts and stored progress rows, in lean Core statements (the hot path)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, Table, bindparam, cast, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.domain.clock import utcnow
from learnapp.persistence.handles import (
    COMPLETION,
    ENROLLMENT,
    LEARNER,
    PATHWAY_ENROLLMENT,
    among_learners,
)


@dataclass(frozen=True)
class Fact:
    lesson_id: int
    completed_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class StoredProgress:
    """One learner's stored (derived) progress row for a course or a pathway."""

    id: int
    node_id: int
    completed: int
    total: int
    percent: int
    is_complete: bool
    completed_at: datetime | None
    first_completed_at: datetime | None
    claimed_at: datetime | None = None  # an accepted claim's time, kept while the node stays complete near it
    updated_at: datetime | None = None  # kept so that a recalculate can put the row back exactly as it was
    courses_completed: int = 0
    courses_total: int = 0


# Every column a recompute writes (StoredProgress's fields after id and node id, in order); a pathway adds its counts.
STORED_COLUMNS = (
    "completed",
    "total",
    "percent",
    "is_complete",
    "completed_at",
    "first_completed_at",
    "claimed_at",
    "updated_at",
)
PATHWAY_COUNTS = ("courses_completed", "courses_total")
_COURSE_COLUMNS = [ENROLLMENT.c[name] for name in ("id", "course_id", *STORED_COLUMNS)]
_PATHWAY_COLUMNS = [PATHWAY_ENROLLMENT.c[name] for name in ("id", "pathway_id", *STORED_COLUMNS, *PATHWAY_COUNTS)]
# Statements are built once: SQLAlchemy then reuses their compiled form on every call.
# A learner has few enrollments: reading them all and filtering here beats an IN list the
# driver must re-render on every call.
_COURSE_ROWS = select(*_COURSE_COLUMNS).where(ENROLLMENT.c.learner_id == bindparam("learner"))
_PATHWAY_ROWS = select(*_PATHWAY_COLUMNS).where(PATHWAY_ENROLLMENT.c.learner_id == bindparam("learner"))
_DONE_IDS = select(COMPLETION.c.lesson_id).where(COMPLETION.c.learner_id == bindparam("learner"))
_TIMES = select(COMPLETION.c.lesson_id, COMPLETION.c.completed_at).where(
    COMPLETION.c.learner_id == bindparam("learner")
)
_FACT = select(COMPLETION.c.lesson_id, COMPLETION.c.completed_at, COMPLETION.c.source).where(
    COMPLETION.c.learner_id == bindparam("learner"), COMPLETION.c.lesson_id == bindparam("lesson")
)
_LOCK = select(LEARNER.c.id).where(LEARNER.c.id == bindparam("learner")).with_for_update()


def lock_learner(conn: Connection, learner_id: int) -> bool:
    """Serialize one learner's writers: a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already did."""
    if conn.dialect.name == "sqlite":
        return True
    return conn.execute(_LOCK, {"learner": learner_id}).first() is not None


def lock_learners(conn: Connection, learner_ids: Iterable[int]) -> None:
    """lock_learner for many in one statement, in id order: two writers of overlapping sets never deadlock."""
    ids = sorted(set(learner_ids))
    if conn.dialect.name == "sqlite" or not ids:
        return
    if len(ids) == 1:
        conn.execute(_LOCK, {"learner": ids[0]})
        return
    conn.execute(select(LEARNER.c.id).where(LEARNER.c.id.in_(ids)).order_by(LEARNER.c.id).with_for_update()).all()


def done_ids(conn: Connection, learner_id: int) -> set[int]:
    return set(conn.execute(_DONE_IDS, {"learner": learner_id}).scalars().all())  # fetchall: one driver call


def completion_times(conn: Connection, learner_id: int) -> dict[int, datetime]:
    return {lesson_id: at for lesson_id, at in conn.execute(_TIMES, {"learner": learner_id})}


def _insert_fact(builder: Any) -> Any:
    return (
        builder(COMPLETION)
        .values(
            learner_id=bindparam("learner"),
            lesson_id=bindparam("lesson"),
            completed_at=bindparam("at", type_=COMPLETION.c.completed_at.type),
            source=bindparam("source"),
        )
        .on_conflict_do_nothing(index_elements=["learner_id", "lesson_id"])
        .returning(COMPLETION.c.lesson_id, COMPLETION.c.completed_at, COMPLETION.c.source)
    )


_INSERT_FACT = {"postgresql": _insert_fact(postgresql.insert), "sqlite": _insert_fact(sqlite.insert)}


def insert_completion(conn: Connection, learner_id: int, lesson_id: int, at: datetime, source: str) -> Fact | None:
    """Insert the fact unless it exists; the new fact, or None when it was already there (a race loses quietly)."""
    params = {"learner": learner_id, "lesson": lesson_id, "at": at, "source": source}
    row = conn.execute(_INSERT_FACT[conn.dialect.name], params).first()
    return Fact(*row) if row else None


def get_completion(conn: Connection, learner_id: int, lesson_id: int) -> Fact | None:
    row = conn.execute(_FACT, {"learner": learner_id, "lesson": lesson_id}).first()
    return Fact(*row) if row else None


def delete_completions(conn: Connection, learner_id: int, lesson_ids: Iterable[int]) -> list[int]:
    ids = list(lesson_ids)
    if not ids:
        return []
    removed = conn.execute(
        delete(COMPLETION)
        .where(COMPLETION.c.learner_id == learner_id, COMPLETION.c.lesson_id.in_(ids))
        .returning(COMPLETION.c.lesson_id)
    )
    return list(removed.scalars())


def latest_completion(conn: Connection, learner_id: int, lesson_ids: Iterable[int]) -> datetime | None:
    ids = list(lesson_ids)
    if not ids:
        return None
    return conn.execute(
        select(func.max(COMPLETION.c.completed_at)).where(
            COMPLETION.c.learner_id == learner_id, COMPLETION.c.lesson_id.in_(ids)
        )
    ).scalar()


def course_progress_rows(conn: Connection, learner_id: int, course_ids: Iterable[int]) -> list[StoredProgress]:
    return _rows(conn, _COURSE_ROWS, learner_id, set(course_ids))


def pathway_progress_rows(conn: Connection, learner_id: int, pathway_ids: Iterable[int]) -> list[StoredProgress]:
    return _rows(conn, _PATHWAY_ROWS, learner_id, set(pathway_ids))


def _rows(conn: Connection, statement: Any, learner_id: int, wanted: set[int]) -> list[StoredProgress]:
    if not wanted:
        return []
    return [StoredProgress(*row) for row in conn.execute(statement, {"learner": learner_id}) if row[1] in wanted]


def _save(table: Table, columns: tuple[str, ...]) -> Any:
    # Bind names differ from column names: SQLAlchemy reserves those for its own SET parameters.
    values = {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns}
    return update(table).where(table.c.id == bindparam("row_id")).values(values)


_SAVE = {
    "course": _save(ENROLLMENT, STORED_COLUMNS),
    "pathway": _save(PATHWAY_ENROLLMENT, (*STORED_COLUMNS, *PATHWAY_COUNTS)),
}


def save_progress(conn: Connection, kind: str, row_id: int, values: dict[str, Any]) -> None:
    """Write one stored row; values holds every stored column of that kind."""
    conn.execute(_SAVE[kind], {"row_id": row_id, **{f"v_{key}": value for key, value in values.items()}})


def history_entry(
    learner_id: int,
    action: str,
    source: str,
    actor_id: int | None = None,
    lesson_id: int | None = None,
    course_id: int | None = None,
    pathway_id: int | None = None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "learner_id": learner_id,
        "actor_id": actor_id or learner_id,
        "action": action,
        "source": source,
        "lesson_id": lesson_id,
        "course_id": course_id,
        "pathway_id": pathway_id,
        "detail": "",
    }


# Batch reads and writes for recalculation: one statement per batch of learners instead of per learner.


def done_ids_many(conn: Connection, learner_ids: list[int]) -> dict[int, set[int]]:
    # One row per learner with its lesson ids joined by commas: a hundred thousand rows fewer to fetch per batch.
    done: dict[int, set[int]] = {i: set() for i in learner_ids}
    if not learner_ids:
        return done
    lesson = COMPLETION.c.lesson_id
    postgres = conn.dialect.name == "postgresql"
    joined = func.string_agg(cast(lesson, String), ",") if postgres else func.group_concat(lesson)
    rows = conn.execute(
        select(COMPLETION.c.learner_id, joined)
        .where(among_learners(COMPLETION.c.learner_id, learner_ids))
        .group_by(COMPLETION.c.learner_id)
    )
    for learner_id, lessons in rows:
        done[learner_id] = set(map(int, lessons.split(",")))
    return done


def progress_rows_many(conn: Connection, kind: str, learner_ids: list[int]) -> dict[int, list[StoredProgress]]:
    table, columns = (ENROLLMENT, _COURSE_COLUMNS) if kind == "course" else (PATHWAY_ENROLLMENT, _PATHWAY_COLUMNS)
    found: dict[int, list[StoredProgress]] = {i: [] for i in learner_ids}
    if not learner_ids:
        return found
    rows = conn.execute(select(table.c.learner_id, *columns).where(among_learners(table.c.learner_id, learner_ids)))
    for row in rows:
        found[row[0]].append(StoredProgress(*row[1:]))
    return found


def save_progress_many(conn: Connection, kind: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
    if rows:
        params = [{"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}} for row_id, values in rows]
        conn.execute(_SAVE[kind], params)


def latest_by_course_many(conn: Connection, learner_ids: list[int]) -> dict[int, dict[int, datetime]]:
    """Per learner and course, the latest completion among the course's countable lessons (one GROUP BY)."""
    from learnapp.persistence.tables import CourseModule, LessonRow, ModuleRow

    lesson: Table = LessonRow.__table__  # type: ignore[attr-defined]
    module: Table = ModuleRow.__table__  # type: ignore[attr-defined]
    link: Table = CourseModule.__table__  # type: ignore[attr-defined]
    latest: dict[int, dict[int, datetime]] = {i: {} for i in learner_ids}
    if not learner_ids:
        return latest
    rows = conn.execute(
        select(COMPLETION.c.learner_id, link.c.course_id, func.max(COMPLETION.c.completed_at))
        .join(lesson, lesson.c.id == COMPLETION.c.lesson_id)
        .join(module, module.c.id == lesson.c.module_id)
        .join(link, link.c.module_id == lesson.c.module_id)
        .where(
            among_learners(COMPLETION.c.learner_id, learner_ids),
            lesson.c.preview.is_(False),
            lesson.c.retired.is_(False),
            module.c.retired.is_(False),
        )
        .group_by(COMPLETION.c.learner_id, link.c.course_id)
    )
    for learner_id, course_id, at in rows:
        latest[learner_id][course_id] = at
    return latest

"""Persistence: reading and writing completion facts and the stored progress rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from learnapp.persistence.tables import Enrollment, Learner, LessonCompletion, PathwayEnrollment


def lock_learner_row(session: Session, learner_id: int) -> bool:
    """Serialize writers per learner (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE already did)."""
    found = session.execute(select(col(Learner.id)).where(col(Learner.id) == learner_id).with_for_update()).scalar()
    return found is not None


def completion_times(session: Session, learner_id: int) -> dict[int, datetime]:
    rows = session.execute(
        select(col(LessonCompletion.lesson_id), col(LessonCompletion.completed_at)).where(
            col(LessonCompletion.learner_id) == learner_id
        )
    )
    return {lesson_id: at for lesson_id, at in rows}


def insert_completion(session: Session, learner_id: int, lesson_id: int, at: datetime, source: str) -> bool:
    """Insert the fact unless it exists; True when this call created it (a race loses quietly)."""
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        builder(LessonCompletion)
        .values(learner_id=learner_id, lesson_id=lesson_id, completed_at=at, source=source)
        .on_conflict_do_nothing(index_elements=["learner_id", "lesson_id"])
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return bool(result.rowcount)


def get_completion(session: Session, learner_id: int, lesson_id: int) -> LessonCompletion | None:
    return session.execute(
        select(LessonCompletion).where(
            col(LessonCompletion.learner_id) == learner_id, col(LessonCompletion.lesson_id) == lesson_id
        )
    ).scalar()


def delete_completions(session: Session, learner_id: int, lesson_ids: Iterable[int]) -> list[int]:
    ids = list(lesson_ids)
    if not ids:
        return []
    removed = session.execute(
        delete(LessonCompletion)
        .where(col(LessonCompletion.learner_id) == learner_id, col(LessonCompletion.lesson_id).in_(ids))
        .returning(col(LessonCompletion.lesson_id))
    )
    return [row[0] for row in removed]


def enrollments_for(session: Session, learner_id: int, course_ids: Iterable[int]) -> list[Enrollment]:
    ids = list(course_ids)
    if not ids:
        return []
    return list(
        session.execute(
            select(Enrollment).where(col(Enrollment.learner_id) == learner_id, col(Enrollment.course_id).in_(ids))
        ).scalars()
    )


def pathway_enrollments_for(session: Session, learner_id: int, pathway_ids: Iterable[int]) -> list[PathwayEnrollment]:
    ids = list(pathway_ids)
    if not ids:
        return []
    return list(
        session.execute(
            select(PathwayEnrollment).where(
                col(PathwayEnrollment.learner_id) == learner_id,
                col(PathwayEnrollment.pathway_id).in_(ids),
            )
        ).scalars()
    )

"""Persistence: the rows of a progress export: enrollments with their course, a learner's profile and completions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from learnapp.persistence.db import Connection
from learnapp.persistence.handles import COMPLETION, COURSE, ENROLLMENT, LEARNER, LESSON

# What enrollment_rows reads, in this order.
ENROLLMENT_COLUMNS = (
    LEARNER.c.email,
    LEARNER.c.name,
    COURSE.c.slug,
    COURSE.c.title,
    ENROLLMENT.c.enrolled_at,
    ENROLLMENT.c.completed,
    ENROLLMENT.c.total,
    ENROLLMENT.c.percent,
    ENROLLMENT.c.is_complete,
    ENROLLMENT.c.completed_at,
    ENROLLMENT.c.first_completed_at,
    ENROLLMENT.c.last_accessed_at,
)


def enrollment_rows(conn: Connection, learner_id: int | None = None) -> list[tuple[Any, ...]]:
    """ENROLLMENT_COLUMNS of every course enrollment (or one learner's), in learner then course order."""
    query = (
        select(*ENROLLMENT_COLUMNS)
        .join_from(ENROLLMENT, LEARNER, LEARNER.c.id == ENROLLMENT.c.learner_id)
        .join(COURSE, COURSE.c.id == ENROLLMENT.c.course_id)
        .order_by(LEARNER.c.id, COURSE.c.position)
    )
    if learner_id is not None:
        query = query.where(ENROLLMENT.c.learner_id == learner_id)
    return [tuple(row) for row in conn.execute(query)]


def profile(conn: Connection, learner_id: int) -> tuple[str, str, str] | None:
    """(email, name, time zone) of the learner, or None."""
    query = select(LEARNER.c.email, LEARNER.c.name, LEARNER.c.time_zone).where(LEARNER.c.id == learner_id)
    row = conn.execute(query).first()
    return (row.email, row.name, row.time_zone) if row else None


def completions(conn: Connection, learner_id: int) -> list[tuple[str, datetime, str]]:
    """(lesson slug, completed at, source) of each of the learner's completions, oldest first."""
    query = (
        select(LESSON.c.slug, COMPLETION.c.completed_at, COMPLETION.c.source)
        .join_from(COMPLETION, LESSON, LESSON.c.id == COMPLETION.c.lesson_id)
        .where(COMPLETION.c.learner_id == learner_id)
        .order_by(COMPLETION.c.completed_at)
    )
    return [(slug, at, source) for slug, at, source in conn.execute(query)]

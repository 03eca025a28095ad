"""Persistence: learner lookups and enrollment lists the API and admin use cases need (Core reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from learnapp.persistence.handles import ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT


@dataclass(frozen=True)
class LearnerRow:
    id: int
    email: str
    name: str
    role: str
    time_zone: str


@dataclass(frozen=True)
class PathwayEnrollmentRow:
    pathway_id: int
    enrolled_at: datetime
    last_accessed_at: datetime | None
    completed: int
    total: int
    percent: int
    is_complete: bool
    courses_completed: int
    courses_total: int
    completed_at: datetime | None
    first_completed_at: datetime | None


_LEARNER = select(LEARNER.c.id, LEARNER.c.email, LEARNER.c.name, LEARNER.c.role, LEARNER.c.time_zone)
_PATHWAY_COLUMNS = [
    PATHWAY_ENROLLMENT.c[name]
    for name in (
        "pathway_id",
        "enrolled_at",
        "last_accessed_at",
        "completed",
        "total",
        "percent",
        "is_complete",
        "courses_completed",
        "courses_total",
        "completed_at",
        "first_completed_at",
    )
]


def learner_row(conn: Connection, learner_id: int) -> LearnerRow | None:
    row = conn.execute(_LEARNER.where(LEARNER.c.id == learner_id)).first()
    return LearnerRow(*row) if row else None


def joined_and_role(conn: Connection, learner_id: int) -> tuple[datetime, str] | None:
    """When the account was created, and its role (who may date facts before that)."""
    row = conn.execute(select(LEARNER.c.created_at, LEARNER.c.role).where(LEARNER.c.id == learner_id)).first()
    return (row[0], row[1]) if row else None


def learner_exists(conn: Connection, learner_id: int) -> bool:
    return conn.execute(select(LEARNER.c.id).where(LEARNER.c.id == learner_id)).first() is not None


def pathway_enrollment_rows(conn: Connection, learner_id: int) -> list[PathwayEnrollmentRow]:
    rows = conn.execute(select(*_PATHWAY_COLUMNS).where(PATHWAY_ENROLLMENT.c.learner_id == learner_id))
    return [PathwayEnrollmentRow(*row) for row in rows]


def enrolled_learners(conn: Connection, course_id: int) -> list[int]:
    """Learners enrolled in a course, in id order (the order recalculation walks them in)."""
    statement = (
        select(ENROLLMENT.c.learner_id).where(ENROLLMENT.c.course_id == course_id).order_by(ENROLLMENT.c.learner_id)
    )
    return list(conn.execute(statement).scalars())


_TOUCH_ENROLLMENT = (
    update(ENROLLMENT)
    .where(ENROLLMENT.c.learner_id == bindparam("learner"), ENROLLMENT.c.course_id == bindparam("course"))
    .values(last_lesson_id=bindparam("lesson"), last_accessed_at=bindparam("now"))
)


def record_access(
    conn: Connection, learner_id: int, course_id: int, lesson_id: int, pathway_ids: list[int], now: datetime
) -> None:
    """The lesson opened last in a course, and when it and its pathways were opened (a no-op when not enrolled)."""
    conn.execute(_TOUCH_ENROLLMENT, {"learner": learner_id, "course": course_id, "lesson": lesson_id, "now": now})
    if pathway_ids:
        conn.execute(
            update(PATHWAY_ENROLLMENT)
            .where(PATHWAY_ENROLLMENT.c.learner_id == learner_id, PATHWAY_ENROLLMENT.c.pathway_id.in_(pathway_ids))
            .values(last_accessed_at=now)
        )

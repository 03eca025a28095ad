"""Persistence: who has gone quiet: learners with an unfinished course and their last activity of any kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from learnapp.persistence.handles import COURSE, ENROLLMENT, HISTORY, LEARNER
from learnapp.persistence.handles import LESSON_TIME as TIME


@dataclass(frozen=True)
class QuietLearner:
    learner_id: int
    email: str
    name: str
    time_zone: str
    last_active: datetime


@dataclass(frozen=True)
class OpenCourse:
    slug: str
    title: str
    percent: int


def quiet_learners(conn: Connection, cutoff: datetime) -> list[QuietLearner]:
    """Learners enrolled in a course they have not finished whose last activity was at or before `cutoff`.

    Activity: any change to their progress (history), time spent in a lesson, opening or enrolling in a course.
    """
    unfinished = select(ENROLLMENT.c.learner_id).where(ENROLLMENT.c.is_complete.is_(False)).distinct().subquery()
    latest: dict[int, datetime] = {}
    for query in (
        select(HISTORY.c.learner_id, func.max(HISTORY.c.at)).group_by(HISTORY.c.learner_id),
        select(TIME.c.learner_id, func.max(TIME.c.updated_at)).group_by(TIME.c.learner_id),
        select(ENROLLMENT.c.learner_id, func.max(ENROLLMENT.c.enrolled_at)).group_by(ENROLLMENT.c.learner_id),
        select(ENROLLMENT.c.learner_id, func.max(ENROLLMENT.c.last_accessed_at)).group_by(ENROLLMENT.c.learner_id),
    ):
        for learner_id, at in conn.execute(query.where(query.selected_columns[0].in_(select(unfinished)))):
            moment = _aware(at)
            if moment is not None and (learner_id not in latest or moment > latest[learner_id]):
                latest[learner_id] = moment
    quiet = [learner_id for learner_id, at in latest.items() if at <= cutoff]
    if not quiet:
        return []
    rows = conn.execute(
        select(LEARNER.c.id, LEARNER.c.email, LEARNER.c.name, LEARNER.c.time_zone).where(LEARNER.c.id.in_(quiet))
    )
    return [QuietLearner(r.id, r.email, r.name, r.time_zone, latest[r.id]) for r in rows]


def open_courses(conn: Connection, learner_id: int) -> list[OpenCourse]:
    """The learner's unfinished courses, the most recently opened first."""
    rows = conn.execute(
        select(COURSE.c.slug, COURSE.c.title, ENROLLMENT.c.percent)
        .join(COURSE, COURSE.c.id == ENROLLMENT.c.course_id)
        .where(ENROLLMENT.c.learner_id == learner_id, ENROLLMENT.c.is_complete.is_(False))
        .order_by(func.coalesce(ENROLLMENT.c.last_accessed_at, ENROLLMENT.c.enrolled_at).desc(), COURSE.c.slug)
    )
    return [OpenCourse(r.slug, r.title, int(r.percent)) for r in rows]


def _aware(value: Any) -> datetime | None:
    """max() over a UTC column comes back as the driver's value: make it an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

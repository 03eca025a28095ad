"""Persistence: a learner's enrollment rows: adding one through the unit's ORM session, and when each began."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlmodel import Session, SQLModel, col

from learnapp.persistence.handles import ENROLLMENT
from learnapp.persistence.tables import Enrollment, Learner, PathwayEnrollment


def learner_known(session: Session, learner_id: int) -> bool:
    return session.get(Learner, learner_id) is not None


def add_course_enrollment(session: Session, learner_id: int, course_id: int) -> bool:
    """Enroll once: False, with nothing added, when the learner already is."""
    held = select(col(Enrollment.id)).where(
        col(Enrollment.learner_id) == learner_id, col(Enrollment.course_id) == course_id
    )
    return _add_once(session, held, lambda: Enrollment(learner_id=learner_id, course_id=course_id))


def add_pathway_enrollment(session: Session, learner_id: int, pathway_id: int) -> bool:
    """Enroll once in the pathway alone (not its courses): False, with nothing added, when the learner already is."""
    held = select(col(PathwayEnrollment.id)).where(
        col(PathwayEnrollment.learner_id) == learner_id, col(PathwayEnrollment.pathway_id) == pathway_id
    )
    return _add_once(session, held, lambda: PathwayEnrollment(learner_id=learner_id, pathway_id=pathway_id))


def _add_once(session: Session, held: Select[Any], row: Callable[[], SQLModel]) -> bool:
    if session.execute(held).scalar() is not None:
        return False
    session.add(row())
    session.flush()
    return True


def enrolled_since(conn: Connection, learner_id: int) -> dict[int, datetime]:
    """When the learner enrolled in each of their courses, by course id."""
    rows = conn.execute(
        select(ENROLLMENT.c.course_id, ENROLLMENT.c.enrolled_at).where(ENROLLMENT.c.learner_id == learner_id)
    )
    return {course_id: at for course_id, at in rows}

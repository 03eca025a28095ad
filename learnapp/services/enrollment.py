"""Services: enroll a learner in a course or a pathway (a pathway enrolls its courses too)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from learnapp.domain.content import Catalog
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import lock_learner
from learnapp.persistence.tables import Enrollment, Learner, PathwayEnrollment, ProgressHistory
from learnapp.services.errors import NotFound
from learnapp.services.refresh import refresh_learner


def enroll_course(db: Database, learner_id: int, course_slug: str, source: str = "ui") -> bool:
    """Enroll once (repeating is a no-op); progress starts from the facts already there."""
    with db.write() as session:
        catalog = _locked_catalog(session, learner_id)
        course = catalog.course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        created = _enroll(session, learner_id, course.id, source)
        pathways = {p.id for p in catalog.pathways_containing(course.id)}
        refresh_learner(session.connection(), catalog, learner_id, [course.id], pathways)
        return created


def enroll_pathway(db: Database, learner_id: int, pathway_slug: str, source: str = "ui") -> bool:
    with db.write() as session:
        catalog = _locked_catalog(session, learner_id)
        pathway = catalog.pathway(pathway_slug)
        if pathway is None:
            raise NotFound(f"Unknown pathway '{pathway_slug}'")
        exists = session.execute(
            select(col(PathwayEnrollment.id)).where(
                col(PathwayEnrollment.learner_id) == learner_id, col(PathwayEnrollment.pathway_id) == pathway.id
            )
        ).scalar()
        if exists is None:
            session.add(PathwayEnrollment(learner_id=learner_id, pathway_id=pathway.id))
            session.add(_event(learner_id, source, pathway_id=pathway.id))
        for course in pathway.courses:
            _enroll(session, learner_id, course.id, source)
        session.flush()
        courses = [c.id for c in pathway.courses]
        pathways = {p.id for c in courses for p in catalog.pathways_containing(c)}
        refresh_learner(session.connection(), catalog, learner_id, courses, pathways)
        return exists is None


def _locked_catalog(session: Session, learner_id: int) -> Catalog:
    if not lock_learner(session.connection(), learner_id) or session.get(Learner, learner_id) is None:
        raise NotFound("Unknown learner")
    return current_catalog(session)


def _enroll(session: Session, learner_id: int, course_id: int, source: str) -> bool:
    exists = session.execute(
        select(col(Enrollment.id)).where(
            col(Enrollment.learner_id) == learner_id, col(Enrollment.course_id) == course_id
        )
    ).scalar()
    if exists is not None:
        return False
    session.add(Enrollment(learner_id=learner_id, course_id=course_id))
    session.add(_event(learner_id, source, course_id=course_id))
    session.flush()
    return True


def _event(
    learner_id: int, source: str, course_id: int | None = None, pathway_id: int | None = None
) -> ProgressHistory:
    return ProgressHistory(
        learner_id=learner_id,
        actor_id=learner_id,
        action="enrolled",
        source=source,
        course_id=course_id,
        pathway_id=pathway_id,
    )

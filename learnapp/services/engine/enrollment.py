"""Services: enroll a learner in a course or a pathway (a pathway enrolls its courses too)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from learnapp.domain.content import Catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import history_entry, lock_learner
from learnapp.persistence.tables import Enrollment, Learner, PathwayEnrollment
from learnapp.services.engine.unit_of_work import UnitOfWork, unit_of_work
from learnapp.services.errors import NotFound


def enroll_course(
    db: Database, learner_id: int, course_slug: str, source: str = "ui", origin: str | None = None
) -> bool:
    """Enroll once (repeating is a no-op); progress starts from the facts already there."""
    with unit_of_work(db, origin=origin) as work:
        catalog = _locked_catalog(work, learner_id)
        course = catalog.course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        created = _enroll(work, learner_id, course.id, course.slug, source)
        pathways = {p.id for p in catalog.pathways_containing(course.id)}
        # A course already complete through shared modules is a first completion here: the unit of work gives
        # it its notice and certificate.
        work.recompute([learner_id], [course.id], pathways)
        return created


def enroll_pathway(
    db: Database, learner_id: int, pathway_slug: str, source: str = "ui", origin: str | None = None
) -> bool:
    with unit_of_work(db, origin=origin) as work:
        catalog = _locked_catalog(work, learner_id)
        pathway = catalog.pathway(pathway_slug)
        if pathway is None:
            raise NotFound(f"Unknown pathway '{pathway_slug}'")
        session = work.session
        exists = session.execute(
            select(col(PathwayEnrollment.id)).where(
                col(PathwayEnrollment.learner_id) == learner_id, col(PathwayEnrollment.pathway_id) == pathway.id
            )
        ).scalar()
        if exists is None:
            session.add(PathwayEnrollment(learner_id=learner_id, pathway_id=pathway.id))
            session.flush()
            work.record(
                [history_entry(learner_id, "enrolled", source, pathway_id=pathway.id)], {"pathway": pathway.slug}
            )
        for course in pathway.courses:
            _enroll(work, learner_id, course.id, course.slug, source)
        courses = [c.id for c in pathway.courses]
        pathways = {p.id for c in courses for p in catalog.pathways_containing(c)}
        work.recompute([learner_id], courses, pathways)
        return exists is None


def _locked_catalog(work: UnitOfWork, learner_id: int) -> Catalog:
    if not lock_learner(work.conn, learner_id) or work.session.get(Learner, learner_id) is None:
        raise NotFound("Unknown learner")
    return work.catalog


def _enroll(work: UnitOfWork, learner_id: int, course_id: int, slug: str, source: str) -> bool:
    session = work.session
    exists = session.execute(
        select(col(Enrollment.id)).where(
            col(Enrollment.learner_id) == learner_id, col(Enrollment.course_id) == course_id
        )
    ).scalar()
    if exists is not None:
        return False
    session.add(Enrollment(learner_id=learner_id, course_id=course_id))
    session.flush()
    work.record([history_entry(learner_id, "enrolled", source, course_id=course_id)], {"course": slug})
    return True

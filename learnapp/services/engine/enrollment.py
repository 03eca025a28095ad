"""Services: enroll a learner in a course or a pathway (a pathway enrolls its courses too)."""

from __future__ import annotations

from learnapp.domain.content import Catalog
from learnapp.persistence.db import Database
from learnapp.persistence.enrollment_rows import add_course_enrollment, add_pathway_enrollment, learner_known
from learnapp.persistence.facts import history_entry, lock_learner
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
        created = add_pathway_enrollment(work.session, learner_id, pathway.id)
        if created:
            work.record(
                [history_entry(learner_id, "enrolled", source, pathway_id=pathway.id)], {"pathway": pathway.slug}
            )
        for course in pathway.courses:
            _enroll(work, learner_id, course.id, course.slug, source)
        courses = [c.id for c in pathway.courses]
        pathways = {p.id for c in courses for p in catalog.pathways_containing(c)}
        work.recompute([learner_id], courses, pathways)
        return created


def _locked_catalog(work: UnitOfWork, learner_id: int) -> Catalog:
    if not lock_learner(work.conn, learner_id) or not learner_known(work.session, learner_id):
        raise NotFound("Unknown learner")
    return work.catalog


def _enroll(work: UnitOfWork, learner_id: int, course_id: int, slug: str, source: str) -> bool:
    if not add_course_enrollment(work.session, learner_id, course_id):
        return False
    work.record([history_entry(learner_id, "enrolled", source, course_id=course_id)], {"course": slug})
    return True

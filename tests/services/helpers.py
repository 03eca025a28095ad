"""Test helpers: read stored rows and recompute them from the facts, to compare the two."""

from __future__ import annotations

from sqlalchemy import select

from learnapp.domain.progress import course_progress, pathway_progress
from learnapp.persistence.catalog import load_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import completion_times
from learnapp.persistence.tables import Enrollment, PathwayEnrollment
from tests.dbdump import dump  # noqa: F401  (re-exported for the suites)


def stored_course(db: Database, learner_id: int, course_slug: str) -> Enrollment:
    with db.read() as session:
        catalog = load_catalog(session)
        course = catalog.course(course_slug)
        assert course is not None
        row = session.execute(
            select(Enrollment).where(Enrollment.learner_id == learner_id, Enrollment.course_id == course.id)
        ).scalar_one()
        return row


def assert_stored_equals_recomputed(db: Database) -> None:
    """The invariant: every stored row equals what the rules compute from the facts now."""
    with db.read() as session:
        catalog = load_catalog(session)
        for row in session.execute(select(Enrollment)).scalars():
            times = completion_times(session, row.learner_id)
            expected = course_progress(catalog.course(row.course_id), set(times), times)
            assert expected is not None
            assert (row.completed, row.total, row.percent, row.is_complete, row.completed_at) == (
                expected.counts.completed,
                expected.counts.total,
                expected.counts.percent,
                expected.counts.complete,
                expected.completed_at,
            ), f"course {row.course_id} of learner {row.learner_id}"
        for prow in session.execute(select(PathwayEnrollment)).scalars():
            times = completion_times(session, prow.learner_id)
            wanted = pathway_progress(catalog.pathway(prow.pathway_id), set(times), times)
            assert wanted is not None
            assert (prow.completed, prow.total, prow.percent, prow.is_complete, prow.courses_completed) == (
                wanted.counts.completed,
                wanted.counts.total,
                wanted.counts.percent,
                wanted.counts.complete,
                wanted.courses_completed,
            )


def stored_pathway(db: Database, learner_id: int, pathway_slug: str) -> PathwayEnrollment:
    with db.read() as session:
        pathway = load_catalog(session).pathway(pathway_slug)
        assert pathway is not None
        return session.execute(
            select(PathwayEnrollment).where(
                PathwayEnrollment.learner_id == learner_id, PathwayEnrollment.pathway_id == pathway.id
            )
        ).scalar_one()

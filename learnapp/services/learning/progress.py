"""Services: read a learner's progress (outline, aggregates, next lesson, enrollments) and record lesson access."""

from __future__ import annotations

from learnapp.domain.clock import utcnow
from learnapp.persistence import learners
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.learner_read import Part, read_learner
from learnapp.services.engine.lesson_time import MAX_SECONDS_PER_REPORT as MAX_SECONDS_PER_REPORT  # re-exported
from learnapp.services.engine.lesson_time import add_time_spent
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.errors import InvalidRequest, NotEnrolled, NotFound
from learnapp.services.learning import read_model
from learnapp.services.learning.views import NodeView


def course_outline(db: Database, learner_id: int | None, course_slug: str) -> NodeView:
    return read_model.course_view(read_learner(db, learner_id), course_slug)


def pathway_outline(db: Database, learner_id: int | None, pathway_slug: str) -> NodeView:
    return read_model.pathway_view(read_learner(db, learner_id), pathway_slug)


def node_progress(db: Database, learner_id: int, kind: str, slug: str, lessons: bool = False) -> NodeView:
    """A course's or pathway's hierarchical counts (with `lessons`, each completion's time and source too).

    An unknown course or pathway reads 0 of 0, never a crash.
    """
    return read_model.node_view(read_learner(db, learner_id, Part.RECORDS if lessons else Part.NONE), kind, slug)


def next_lesson(db: Database, learner_id: int, course_slug: str) -> str | None:
    """Continue Learning within a course: the first countable lesson not complete, else the first (review)."""
    return read_model.next_lesson(read_learner(db, learner_id), course_slug)


def enrollments(db: Database, learner_id: int) -> tuple[NodeView, ...]:
    """Every course enrollment with its stored progress, most recently opened first."""
    return read_model.course_enrollments(read_learner(db, learner_id, Part.ACCESS))


def continue_learning(db: Database, learner_id: int) -> tuple[str, str] | None:
    """(course, lesson) to resume: the next lesson of the most recently opened unfinished course."""
    target = read_model.continue_learning(enrollments(db, learner_id))
    return (target.slug, target.next_lesson) if target and target.next_lesson else None


def record_access(db: Database, learner_id: int, course_slug: str, lesson_slug: str) -> None:
    """Opening a lesson makes it the enrollment's last lesson (no-op when not enrolled)."""
    with db.transaction() as conn:  # every lesson opened writes: plain statements, no ORM session
        catalog = current_catalog(conn)
        course = catalog.course(course_slug)
        found = catalog.lesson(lesson_slug)
        if course is None or found is None or lesson_slug not in course.placement:
            raise NotFound(f"Unknown lesson '{lesson_slug}' in course '{course_slug}'")
        pathway_ids = [p.id for p in catalog.pathways_containing(course.id)]
        learners.record_access(conn, learner_id, course.id, found[0].id, pathway_ids, utcnow())


def record_time_spent(db: Database, learner_id: int, lesson_slug: str, seconds: int) -> int:
    """Add visible-page time to a lesson (the player's heartbeat); returns the seconds that counted.

    The API's rules (lesson_time.add_time_spent); a preview lesson or a course left meanwhile counts nothing
    here instead of failing: a heartbeat is not a request anyone can correct.
    """
    if seconds <= 0:
        return 0
    with unit_of_work(db) as work:
        try:
            return add_time_spent(work, learner_id, lesson_slug, seconds)
        except (InvalidRequest, NotEnrolled):
            return 0

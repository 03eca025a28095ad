"""Services: time spent on a lesson counts only for an enrolled learner on a countable lesson (player and API)."""

from __future__ import annotations

from learnapp.domain.clock import utcnow
from learnapp.persistence.events import add_lesson_time
from learnapp.persistence.facts import course_progress_rows, pathway_progress_rows
from learnapp.services.engine.refresh import affected_nodes
from learnapp.services.engine.unit_of_work import UnitOfWork
from learnapp.services.errors import InvalidRequest, NotEnrolled, NotFound

# One report is capped, so a forgotten tab cannot inflate the time (the day's cap is add_lesson_time's).
MAX_SECONDS_PER_REPORT = 15 * 60


def add_time_spent(work: UnitOfWork, learner_id: int, lesson_slug: str, seconds: int) -> int:
    """Add one report's seconds inside the caller's unit of work; returns the seconds that counted.

    Refused (nothing added) for an unknown lesson, a preview lesson, or a learner enrolled in no course
    containing the lesson, directly or through a pathway. Counted time is noted in the outbox (`lesson.viewed`,
    an xAPI "experienced"), without telling the learner's tabs: it is not a change of progress.
    """
    conn, catalog = work.conn, work.catalog
    found = catalog.lesson(lesson_slug)
    if found is None:
        raise NotFound(f"Unknown lesson '{lesson_slug}'", {"lesson": lesson_slug})
    lesson, module = found
    if not lesson.countable:
        raise InvalidRequest("Preview lessons do not count toward time spent", {"lesson": lesson_slug})
    courses, pathways = affected_nodes(catalog, module.id)
    if not course_progress_rows(conn, learner_id, courses) and not pathway_progress_rows(conn, learner_id, pathways):
        raise NotEnrolled("Not enrolled in a course containing this lesson", {"lesson": lesson_slug})
    counted = max(0, min(int(seconds), MAX_SECONDS_PER_REPORT))
    added = add_lesson_time(conn, learner_id, lesson.id, counted, utcnow()) if counted else 0
    if added:
        body = {"lesson_id": lesson.id, "lesson": lesson.slug, "module": module.slug, "seconds": added}
        body["courses"] = [c.slug for c in catalog.courses_containing(module.id)]
        work.note(learner_id, "lesson.viewed", lesson.slug, body)
    return added

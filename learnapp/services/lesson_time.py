"""Services: time spent on a lesson counts only for an enrolled learner on a countable lesson (player and API)."""

from __future__ import annotations

from sqlalchemy import Connection

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.events import add_lesson_time
from learnapp.persistence.facts import course_progress_rows, pathway_progress_rows
from learnapp.persistence.tables import utcnow
from learnapp.services.errors import InvalidRequest, NotEnrolled, NotFound
from learnapp.services.refresh import affected_nodes

# One report is capped, so a forgotten tab cannot inflate the time (the day's cap is add_lesson_time's).
MAX_SECONDS_PER_REPORT = 15 * 60


def add_time_spent(conn: Connection, learner_id: int, lesson_slug: str, seconds: int) -> int:
    """Add one report's seconds inside the caller's transaction; returns the seconds that counted.

    Refused (nothing added) for an unknown lesson, a preview lesson, or a learner enrolled in no course
    containing the lesson, directly or through a pathway.
    """
    catalog = current_catalog(conn)
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
    return add_lesson_time(conn, learner_id, lesson.id, counted, utcnow()) if counted else 0

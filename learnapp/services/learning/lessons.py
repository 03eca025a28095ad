"""Services: what the lesson player shows for one lesson of one course, for one learner."""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.domain import progress as rules
from learnapp.domain.content import Course
from learnapp.persistence.catalog import current_catalog, lesson_body
from learnapp.persistence.db import Database
from learnapp.persistence.facts import course_progress_rows
from learnapp.services.errors import NotFound
from learnapp.services.learning.progress import record_access


@dataclass(frozen=True)
class LessonPage:
    """One lesson in its course's published structure; the learner's progress is not part of it.

    The player draws checkmarks and counts from the learner's live progress, so opening a lesson reads only the
    structure (cached per catalog version), the enrollment and the lesson's body.
    """

    course: Course
    catalog_version: int
    enrolled: bool
    total: int  # countable lessons of the course
    slug: str
    title: str
    kind: str
    minutes: int
    preview: bool
    module_slug: str
    module_title: str
    module_number: int
    lesson_number: int
    module_size: int
    previous: str | None
    next: str | None
    # Only sent when the learner may open the lesson: enrolled, or a preview.
    body: str | None
    video_url: str | None


def lesson_page(db: Database, learner_id: int | None, course_slug: str, lesson_slug: str) -> LessonPage:
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        course = catalog.course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        placed = course.placement.get(lesson_slug)
        if placed is None:
            raise NotFound(f"Unknown lesson '{lesson_slug}' in course '{course_slug}'")
        position, module_index, index = placed
        module, lesson = course.modules[module_index], course.lessons[position]
        enrolled = bool(learner_id and course_progress_rows(conn, learner_id, [course.id]))
        allowed = enrolled or lesson.preview
        body, video = lesson_body(conn, lesson.id) if allowed else (None, None)
    order = course.lessons
    return LessonPage(
        course=course,
        catalog_version=catalog.version,
        enrolled=enrolled,
        total=len(course.countable_ids),
        slug=lesson.slug,
        title=lesson.title,
        kind=lesson.kind,
        minutes=lesson.minutes,
        preview=lesson.preview,
        module_slug=module.slug,
        module_title=module.title,
        module_number=module_index + 1,
        lesson_number=index + 1,
        module_size=len(module.lessons),
        previous=order[position - 1].slug if position > 0 else None,
        next=order[position + 1].slug if position + 1 < len(order) else None,
        body=body,
        video_url=video,
    )


def open_lesson(db: Database, learner_id: int | None, course_slug: str, lesson_slug: str) -> LessonPage:
    """The lesson page; for an enrolled learner the lesson also becomes the enrollment's last one (Continue)."""
    page = lesson_page(db, learner_id, course_slug, lesson_slug)
    if learner_id and page.enrolled:
        record_access(db, learner_id, course_slug, lesson_slug)
    return page


def module_totals(course: Course) -> list[int]:
    """Countable lessons per module, in order (the outline's "n of m")."""
    return [rules.module_progress(m, frozenset()).counts.total for m in course.modules]

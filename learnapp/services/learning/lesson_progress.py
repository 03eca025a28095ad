"""Services: a learner's lesson-level progress in a course or pathway (which lessons are complete, when, from where)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import LessonCompletion, LessonRow
from learnapp.services.learning.progress import course_outline, pathway_outline
from learnapp.services.learning.views import CourseView, PathwayView

View = TypeVar("View", CourseView, PathwayView)
# The outline and the records are two reads; a completion landing between them is rare, and a re-read settles it.
_ATTEMPTS = 3


@dataclass(frozen=True)
class LessonRecord:
    completed_at: datetime
    source: str


def course_lessons(db: Database, learner_id: int, course_slug: str) -> tuple[CourseView, dict[str, LessonRecord]]:
    """The course outline with the completion record of each completed lesson (NotFound for an unknown course)."""
    return _agreeing(db, learner_id, lambda: course_outline(db, learner_id, course_slug), lambda v: (v,))


def pathway_lessons(db: Database, learner_id: int, pathway_slug: str) -> tuple[PathwayView, dict[str, LessonRecord]]:
    """The pathway outline with the completion record of each completed lesson of its courses."""
    return _agreeing(db, learner_id, lambda: pathway_outline(db, learner_id, pathway_slug), lambda v: v.courses)


def lesson_records(db: Database, learner_id: int, lesson_slugs: Iterable[str]) -> dict[str, LessonRecord]:
    """Completion time and source of each of these lessons the learner has completed."""
    wanted = sorted(set(lesson_slugs))
    if not wanted:
        return {}
    query = (
        select(col(LessonRow.slug), col(LessonCompletion.completed_at), col(LessonCompletion.source))
        .join(LessonRow, col(LessonRow.id) == col(LessonCompletion.lesson_id))
        .where(col(LessonCompletion.learner_id) == learner_id, col(LessonRow.slug).in_(wanted))
    )
    with db.read() as session:
        return {slug: LessonRecord(at, source) for slug, at, source in session.execute(query)}


def _agreeing(
    db: Database, learner_id: int, outline: Callable[[], View], courses: Callable[[View], Iterable[CourseView]]
) -> tuple[View, dict[str, LessonRecord]]:
    """Outline and records that agree on which lessons are done, so a lesson's flag and its time never contradict."""
    for _ in range(_ATTEMPTS):
        view = outline()
        lessons = [lesson for course in courses(view) for module in course.modules for lesson in module.lessons]
        records = lesson_records(db, learner_id, (lesson.slug for lesson in lessons))
        if {lesson.slug for lesson in lessons if lesson.done} == set(records):
            return view, records
    done = {lesson.slug for lesson in lessons if lesson.done}
    return view, {slug: record for slug, record in records.items() if slug in done}

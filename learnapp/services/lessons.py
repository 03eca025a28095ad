"""Services: what the lesson player shows for one lesson of one course, for one learner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import LessonRow
from learnapp.services.errors import NotFound
from learnapp.services.progress import course_outline
from learnapp.services.views import CourseView


@dataclass(frozen=True)
class LessonPage:
    outline: CourseView
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
    outline = course_outline(db, learner_id, course_slug)
    order = [(m, x) for m in outline.modules for x in m.lessons]
    index = next((i for i, (_m, x) in enumerate(order) if x.slug == lesson_slug), None)
    if index is None:
        raise NotFound(f"Unknown lesson '{lesson_slug}' in course '{course_slug}'")
    module, lesson = order[index]
    with db.read() as session:
        row = session.execute(select(LessonRow).where(col(LessonRow.slug) == lesson_slug)).scalar_one()
        body, video = row.body, row.video_url
    allowed = outline.enrolled or lesson.preview
    return LessonPage(
        outline=outline,
        slug=lesson.slug,
        title=lesson.title,
        kind=lesson.kind,
        minutes=lesson.minutes,
        preview=lesson.preview,
        module_slug=module.slug,
        module_title=module.title,
        module_number=outline.modules.index(module) + 1,
        lesson_number=module.lessons.index(lesson) + 1,
        module_size=len(module.lessons),
        previous=order[index - 1][1].slug if index > 0 else None,
        next=order[index + 1][1].slug if index + 1 < len(order) else None,
        body=body if allowed else None,
        video_url=video if allowed else None,
    )

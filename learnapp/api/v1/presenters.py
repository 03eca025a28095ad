"""API: turn service views into the response schemas (no service calls here, only shapes)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel

from learnapp.api.v1 import schemas as s
from learnapp.domain import routes
from learnapp.services.accounts.learners import Account
from learnapp.services.accounts.tokens import TokenView
from learnapp.services.learning.learner_progress import LearnerProgress
from learnapp.services.learning.my_stats import LearnerStats
from learnapp.services.learning.views import LessonView, ModuleView, NodeView

Model = TypeVar("Model", bound=BaseModel)


def account(view: Account) -> s.AccountPublic:
    return s.AccountPublic.model_validate(view, from_attributes=True)


def token(view: TokenView) -> s.TokenPublic:
    return _copy(view, s.TokenPublic)


def enrollments(progress: LearnerProgress) -> list[s.EnrollmentPublic]:
    return [_copy(view, s.EnrollmentPublic) for view in (*progress.courses, *progress.pathways)]


def learner_progress(learner_id: int, progress: LearnerProgress) -> s.LearnerProgressPublic:
    return s.LearnerProgressPublic(
        learner_id=learner_id,
        courses=[_copy(c, s.CourseEnrollmentProgress, course=c.slug) for c in progress.courses],
        pathways=[_copy(p, s.PathwayEnrollmentProgress, pathway=p.slug) for p in progress.pathways],
    )


def course_progress(view: NodeView, lessons: bool = False) -> s.CourseProgressPublic:
    """With `lessons` (the lighter form without), each module lists its lessons with their completion."""
    modules = [_module(m, lessons) for m in view.modules]
    return _copy(view, s.CourseProgressPublic, course=view.slug, modules=modules)


def pathway_progress(view: NodeView, lessons: bool = False) -> s.PathwayProgressPublic:
    courses = [course_progress(c, lessons) for c in view.courses]
    return _copy(view, s.PathwayProgressPublic, pathway=view.slug, courses=courses)


def _module(view: ModuleView, lessons: bool) -> s.ModuleProgressPublic:
    # `lessons` is set only with them: the lighter form leaves the field unset, and so out of the JSON.
    listed = {"lessons": [_lesson(x) for x in view.lessons]}
    return _copy(view, s.ModuleProgressPublic, module=view.slug, **(listed if lessons else {}), unset={"lessons"})


def _lesson(view: LessonView) -> s.LessonProgressPublic:
    at, source = (view.record.completed_at, view.record.source) if view.record else (None, None)
    return _copy(view, s.LessonProgressPublic, lesson=view.slug, complete=view.done, completed_at=at, source=source)


def _copy(view: object, schema: type[Model], unset: Collection[str] = (), **named: Any) -> Model:
    """The schema filled from the view's fields of the same name, `named` giving the others; `unset` left out."""
    fields = {
        n: getattr(view, n) for n in schema.model_fields if n not in named and n not in unset and hasattr(view, n)
    }
    return schema.model_validate({**fields, **named})


def next_lesson(course: str | None, lesson: str | None) -> s.NextLessonPublic:
    url = routes.lesson(course, lesson) if course and lesson else None
    return s.NextLessonPublic(course=course if lesson else None, lesson=lesson, url=url)


def stats(view: LearnerStats) -> s.StatsPublic:
    weekly = [s.WeekPublic(week_start=start, lessons_completed=count) for start, count in view.weekly]
    return _copy(view, s.StatsPublic, weekly=weekly)

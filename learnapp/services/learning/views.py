"""Services: plain view objects handed to the UI, the API and the CLI (never table rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class LessonView:
    slug: str
    title: str
    kind: str
    minutes: int
    preview: bool
    done: bool


@dataclass(frozen=True)
class ModuleView:
    slug: str
    title: str
    completed: int
    total: int
    complete: bool
    lessons: tuple[LessonView, ...]


@dataclass(frozen=True)
class CourseView:
    """A course as one learner sees it: the outline with counts and flags at every level."""

    slug: str
    title: str
    enrolled: bool
    completed: int
    total: int
    percent: int
    complete: bool
    modules: tuple[ModuleView, ...]
    next_lesson: str | None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class PathwayView:
    slug: str
    title: str
    enrolled: bool
    completed: int
    total: int
    percent: int
    complete: bool
    courses_completed: int
    courses_total: int
    courses: tuple[CourseView, ...]
    next_lesson: tuple[str, str] | None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Aggregate:
    """A node's counts in an aggregate read; an unknown node is 0 of 0 and not complete."""

    kind: str
    slug: str
    completed: int = 0
    total: int = 0
    percent: int = 0
    complete: bool = False
    children: tuple[Aggregate, ...] = field(default=())


@dataclass(frozen=True)
class EnrollmentView:
    course_slug: str
    course_title: str
    completed: int
    total: int
    percent: int
    complete: bool
    enrolled_at: datetime
    last_accessed_at: datetime | None
    last_lesson_slug: str | None
    completed_at: datetime | None
    first_completed_at: datetime | None

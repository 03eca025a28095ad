"""Services: lessons of modules shared between courses: where a learner's credit came from, what Start over resets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnapp.domain.content import Catalog, Course
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.enrollment_rows import enrolled_since
from learnapp.persistence.facts import completion_times
from learnapp.services.errors import NotFound


@dataclass(frozen=True)
class SharedCourse:
    """Another course holding some of this course's modules, and what Start over here would take from it."""

    slug: str
    title: str
    modules: tuple[str, ...]  # titles of the modules the two courses share
    lessons_reset: int  # the learner's completed lessons there that Start over here removes
    enrolled: bool


@dataclass(frozen=True)
class SharedCredit:
    """One course seen by one learner: done lessons credited from another course, and the courses it shares with."""

    done_in: dict[str, str]  # lesson slug → title of the course the learner did it in
    shared: tuple[SharedCourse, ...]
    also_in: dict[str, tuple[str, ...]]  # module slug → titles of the other courses holding it

    def resets_elsewhere(self) -> tuple[SharedCourse, ...]:
        return tuple(s for s in self.shared if s.lessons_reset)


def shared_credit(db: Database, learner_id: int | None, course_slug: str) -> SharedCredit:
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        course = catalog.course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        if not _has_shared_module(catalog, course):
            return SharedCredit({}, (), {})
        done = completion_times(conn, learner_id) if learner_id else {}
        enrolled = enrolled_since(conn, learner_id) if learner_id else {}
    also_in = {
        m.slug: tuple(c.title for c in catalog.courses_containing(m.id) if c.id != course.id) for m in course.modules
    }
    return SharedCredit(
        _done_in(catalog, course, done, enrolled),
        _shared(catalog, course, done, enrolled),
        {slug: titles for slug, titles in also_in.items() if titles},
    )


def _has_shared_module(catalog: Catalog, course: Course) -> bool:
    return any(len(catalog.courses_containing(m.id)) > 1 for m in course.modules)


def _done_in(
    catalog: Catalog, course: Course, done: dict[int, datetime], enrolled: dict[int, datetime]
) -> dict[str, str]:
    """A lesson completed before the learner enrolled here was done in another course holding its module.

    The fact itself does not say where a lesson was completed (it counts everywhere alike); what is certain is
    that it was not here when this course's enrollment came later. The course named is one the learner was
    enrolled in at that moment (the earliest such enrollment), else the first other course holding the module.
    """
    here = enrolled.get(course.id)
    found: dict[str, str] = {}
    for module in course.modules:
        others = [c for c in catalog.courses_containing(module.id) if c.id != course.id]
        if not others:
            continue
        for lesson in module.lessons:
            at = done.get(lesson.id)
            if at is None or (here is not None and at >= here):
                continue
            there = sorted((enrolled[c.id], c.title) for c in others if c.id in enrolled and enrolled[c.id] <= at)
            found[lesson.slug] = there[0][1] if there else others[0].title
    return found


def _shared(
    catalog: Catalog, course: Course, done: dict[int, datetime], enrolled: dict[int, datetime]
) -> tuple[SharedCourse, ...]:
    """Every other course holding one of this course's modules, in catalog order."""
    shared: dict[int, list[str]] = {}
    lessons: dict[int, int] = {}
    for module in course.modules:
        held = sum(1 for x in module.lessons if x.countable and x.id in done)
        for other in catalog.courses_containing(module.id):
            if other.id != course.id:
                shared.setdefault(other.id, []).append(module.title)
                lessons[other.id] = lessons.get(other.id, 0) + held
    return tuple(
        SharedCourse(c.slug, c.title, tuple(shared[c.id]), lessons[c.id], c.id in enrolled)
        for c in catalog.courses
        if c.id in shared
    )

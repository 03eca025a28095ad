"""Domain: the completion rules of SPEC §3 as small pure functions over (tree, completed ids)."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime

from learnapp.domain.content import Course, Lesson, Module, Pathway


@dataclass(frozen=True)
class Counts:
    completed: int
    total: int
    complete: bool

    @property
    def percent(self) -> int:
        """floor(100 × completed / total); 100 only when the node is really complete."""
        if self.total <= 0:
            return 0
        floor = 100 * self.completed // self.total
        return floor if self.complete or floor < 100 else 99


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    counts: Counts


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    counts: Counts
    modules: tuple[ModuleProgress, ...]
    completed_at: datetime | None = None


@dataclass(frozen=True)
class PathwayProgress:
    pathway: Pathway
    counts: Counts
    courses: tuple[CourseProgress, ...]
    courses_completed: int
    completed_at: datetime | None = None

    @property
    def courses_total(self) -> int:
        return len(self.courses)


EMPTY = Counts(0, 0, False)


def module_progress(module: Module, done: Set[int]) -> ModuleProgress:
    countable = module.countable_ids
    completed = len(countable & done)
    # An empty module is never complete: there is nothing to have finished.
    return ModuleProgress(module, Counts(completed, len(countable), bool(countable) and completed == len(countable)))


def course_progress(
    course: Course | None, done: Set[int], times: Mapping[int, datetime] | None = None
) -> CourseProgress | None:
    if course is None:
        return None
    modules = tuple(module_progress(m, done) for m in course.modules)
    countable = course.countable_ids
    complete = bool(countable) and all(m.counts.complete for m in modules)
    counts = Counts(len(countable & done), len(countable), complete)
    return CourseProgress(course, counts, modules, completion_time(countable, complete, times))


def pathway_progress(
    pathway: Pathway | None, done: Set[int], times: Mapping[int, datetime] | None = None
) -> PathwayProgress | None:
    if pathway is None:
        return None
    courses = tuple(course_progress(c, done, times) for c in pathway.courses)
    finished = sum(1 for c in courses if c and c.counts.complete)
    complete = bool(courses) and finished == len(courses)
    countable = pathway.countable_ids
    counts = Counts(len(countable & done), len(countable), complete)
    rows = tuple(c for c in courses if c is not None)
    return PathwayProgress(pathway, counts, rows, finished, completion_time(countable, complete, times))


def course_counts(course: Course, done: Set[int]) -> Counts:
    """course_progress(...).counts without the per-module breakdown (for bulk recalculation)."""
    countable = course.countable_ids
    completed = len(countable & done)
    # Every module complete ⇔ every module has a countable lesson and all countable lessons are done.
    complete = bool(countable) and course.every_module_countable and completed == len(countable)
    return Counts(completed, len(countable), complete)


def pathway_counts(pathway: Pathway, done: Set[int]) -> tuple[Counts, int]:
    """pathway_progress(...) counts and courses completed, without building each course's breakdown."""
    finished = sum(1 for c in pathway.courses if course_counts(c, done).complete)
    countable = pathway.countable_ids
    complete = bool(pathway.courses) and finished == len(pathway.courses)
    return Counts(len(countable & done), len(countable), complete), finished


def completion_time(countable: Set[int], complete: bool, times: Mapping[int, datetime] | None) -> datetime | None:
    """A node is completed at the time of the child completion that completed it: the latest."""
    if not complete or not times:
        return None
    return max((times[i] for i in countable if i in times), default=None)


def first_completed_at(previous: datetime | None, completed_at: datetime | None) -> datetime | None:
    """Once set, the first completion time never changes, even if the node is reopened."""
    return previous if previous is not None else completed_at


def next_lesson(course: Course, done: Set[int]) -> Lesson | None:
    """The first countable lesson not complete, in module and lesson order; else the first (review)."""
    return _next_in(course.lessons, done)


def next_pathway_lesson(pathway: Pathway, done: Set[int]) -> tuple[Course, Lesson] | None:
    """Across the pathway's courses in order; when all is done, the first lesson for review."""
    pairs = [(course, lesson) for course in pathway.courses for lesson in course.lessons]
    pending = next(((c, x) for c, x in pairs if x.countable and x.id not in done), None)
    return pending or (pairs[0] if pairs else None)


def _next_in(lessons: tuple[Lesson, ...], done: Set[int]) -> Lesson | None:
    pending = next((lesson for lesson in lessons if lesson.countable and lesson.id not in done), None)
    return pending or (lessons[0] if lessons else None)

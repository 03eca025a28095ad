"""Domain: the content tree (pathway → course → module → lesson) as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Lesson:
    id: int
    slug: str
    title: str
    kind: str = "article"
    minutes: int = 0
    preview: bool = False

    @property
    def countable(self) -> bool:
        # Preview lessons can be opened without enrolling, so they never count.
        return not self.preview


@dataclass(frozen=True)
class Module:
    id: int
    slug: str
    title: str
    lessons: tuple[Lesson, ...] = ()

    @cached_property
    def countable_ids(self) -> frozenset[int]:
        return frozenset(lesson.id for lesson in self.lessons if lesson.countable)


@dataclass(frozen=True)
class Course:
    id: int
    slug: str
    title: str
    modules: tuple[Module, ...] = ()

    @cached_property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    @cached_property
    def countable_ids(self) -> frozenset[int]:
        return frozenset().union(*(m.countable_ids for m in self.modules))

    @cached_property
    def every_module_countable(self) -> bool:
        return bool(self.modules) and all(m.countable_ids for m in self.modules)

    @cached_property
    def placement(self) -> dict[str, tuple[int, int, int]]:
        """Lesson slug → (position in the course, module index, position in the module)."""
        found: dict[str, tuple[int, int, int]] = {}
        position = 0
        for module_index, module in enumerate(self.modules):
            for index, lesson in enumerate(module.lessons):
                found.setdefault(lesson.slug, (position, module_index, index))
                position += 1
        return found


@dataclass(frozen=True)
class Pathway:
    id: int
    slug: str
    title: str
    courses: tuple[Course, ...] = ()

    @cached_property
    def countable_ids(self) -> frozenset[int]:
        # A module shared by two courses of the pathway counts its lessons once.
        return frozenset().union(*(c.countable_ids for c in self.courses))


@dataclass(frozen=True)
class Catalog:
    """The whole published tree, with the reverse indexes the engine needs."""

    courses: tuple[Course, ...] = ()
    pathways: tuple[Pathway, ...] = ()
    version: int = 0

    @cached_property
    def _courses(self) -> dict[str | int, Course]:
        return {key: c for c in self.courses for key in (c.slug, c.id)}

    @cached_property
    def _pathways(self) -> dict[str | int, Pathway]:
        return {key: p for p in self.pathways for key in (p.slug, p.id)}

    @cached_property
    def _lessons(self) -> dict[int | str, tuple[Lesson, Module]]:
        return {
            key: (lesson, module)
            for course in self.courses
            for module in course.modules
            for lesson in module.lessons
            for key in (lesson.id, lesson.slug)
        }

    @cached_property
    def _courses_by_module(self) -> dict[int, tuple[Course, ...]]:
        index: dict[int, list[Course]] = {}
        for course in self.courses:
            for module in course.modules:
                index.setdefault(module.id, []).append(course)
        return {key: tuple(value) for key, value in index.items()}

    @cached_property
    def _pathways_by_course(self) -> dict[int, tuple[Pathway, ...]]:
        index: dict[int, list[Pathway]] = {}
        for pathway in self.pathways:
            for course in pathway.courses:
                index.setdefault(course.id, []).append(pathway)
        return {key: tuple(value) for key, value in index.items()}

    def course(self, key: str | int) -> Course | None:
        return self._courses.get(key)

    def pathway(self, key: str | int) -> Pathway | None:
        return self._pathways.get(key)

    def lesson(self, key: int | str) -> tuple[Lesson, Module] | None:
        return self._lessons.get(key)

    def courses_containing(self, module_id: int) -> tuple[Course, ...]:
        return self._courses_by_module.get(module_id, ())

    def pathways_containing(self, course_id: int) -> tuple[Pathway, ...]:
        return self._pathways_by_course.get(course_id, ())

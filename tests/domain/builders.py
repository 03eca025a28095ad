"""Small builders for domain trees: ids are unique across the whole test session."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

from learnapp.domain.content import Course, Lesson, Module, Pathway

_ids = itertools.count(1)

T0 = datetime(2025, 1, 1, 9, 0, 0)


def new_id() -> int:
    return next(_ids)


def lesson(*, preview: bool = False, ident: int | None = None) -> Lesson:
    ident = new_id() if ident is None else ident
    return Lesson(id=ident, slug=f"lesson-{ident}", title=f"Lesson {ident}", preview=preview)


def lessons(count: int, *, preview: bool = False) -> tuple[Lesson, ...]:
    return tuple(lesson(preview=preview) for _ in range(count))


def module(*items: Lesson) -> Module:
    ident = new_id()
    return Module(id=ident, slug=f"module-{ident}", title=f"Module {ident}", lessons=tuple(items))


def module_of(count: int, *, previews: int = 0) -> Module:
    """A module of `previews` preview lessons followed by `count` countable lessons."""
    return module(*lessons(previews, preview=True), *lessons(count))


def course(*modules: Module) -> Course:
    ident = new_id()
    return Course(id=ident, slug=f"course-{ident}", title=f"Course {ident}", modules=tuple(modules))


def course_of(*sizes: int) -> Course:
    """A course whose modules hold `sizes` countable lessons each."""
    return course(*(module_of(size) for size in sizes))


def pathway(*courses: Course) -> Pathway:
    ident = new_id()
    return Pathway(id=ident, slug=f"pathway-{ident}", title=f"Pathway {ident}", courses=tuple(courses))


def ids(items: Iterable[Lesson]) -> set[int]:
    return {item.id for item in items}


def countable_ids(item: Module | Course | Pathway) -> set[int]:
    """Countable lesson ids found by walking the tree, independent of the domain's own properties."""
    if isinstance(item, Pathway):
        return set().union(*(countable_ids(c) for c in item.courses))
    if isinstance(item, Course):
        return set().union(*(countable_ids(m) for m in item.modules))
    return {lesson.id for lesson in item.lessons if not lesson.preview}


def first(count: int, items: Iterable[Lesson]) -> set[int]:
    """The ids of the first `count` lessons."""
    return ids(list(items)[:count])


def times_for(items: Iterable[Lesson], start: datetime = T0) -> dict[int, datetime]:
    """Completion times one minute apart, in the order given."""
    return {item.id: start + timedelta(minutes=n) for n, item in enumerate(items)}


def percent_by_spec(completed: int, total: int, complete: bool) -> int:
    """SPEC §3.5 read literally, with exact fractions: the largest whole percent p with p/100 ≤ completed/total,
    where 100 is allowed only for a complete node and an empty node reads 0."""
    if total == 0:
        return 0
    share = Fraction(completed, total)
    return max(p for p in range(101) if Fraction(p, 100) <= share and (p < 100 or complete))

"""SPEC §3 as properties over random trees: shared modules, previews, pathways, random completions."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.domain.content import Course, Lesson, Module, Pathway
from learnapp.domain.progress import (
    Counts,
    course_counts,
    course_progress,
    module_progress,
    next_lesson,
    next_pathway_lesson,
    pathway_counts,
    pathway_progress,
)

from .builders import T0, countable_ids

FOREIGN = 10**6  # ids at or above this are completions of lessons outside the tree
PROPERTIES = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class World:
    modules: tuple[Module, ...]
    courses: tuple[Course, ...]
    pathways: tuple[Pathway, ...]
    done: frozenset[int]

    @property
    def lesson_ids(self) -> list[int]:
        return [lesson.id for m in self.modules for lesson in m.lessons]

    def progress_nodes(self, done):
        """Every node's progress under `done`, keyed by (kind, id)."""
        result = {}
        for m in self.modules:
            result["module", m.id] = module_progress(m, done).counts
        for c in self.courses:
            result["course", c.id] = course_progress(c, done).counts
        for p in self.pathways:
            result["pathway", p.id] = pathway_progress(p, done).counts
        return result


@st.composite
def worlds(draw) -> World:
    """A random world. Hypothesis picks the shape (and shrinks it); a seeded RNG fills in the details,
    which keeps each example to a handful of draws so that hundreds of examples run in well under a second."""
    n_modules = draw(st.integers(0, 7))
    n_courses = draw(st.integers(1, 5))
    n_pathways = draw(st.integers(0, 3))
    preview_rate = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5, 1.0]))
    done_mode = draw(st.sampled_from(["none", "some", "nearly-all", "all"]))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))

    lesson_ids = itertools.count(1)
    # Modules may be empty or preview-only; their ids are shuffled so that no order is implied by ids.
    modules = tuple(
        Module(
            id=m,
            slug=f"m{m}",
            title=f"M{m}",
            lessons=tuple(
                Lesson(id=(n := next(lesson_ids)), slug=f"l{n}", title=f"L{n}", preview=rng.random() < preview_rate)
                for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5]))
            ),
        )
        for m in rng.sample(range(n_modules), n_modules)
    )
    # Courses sample modules from one pool, so modules are often shared by several courses.
    courses = tuple(
        Course(id=c, slug=f"c{c}", title=f"C{c}", modules=tuple(rng.sample(modules, min(n_modules, size))))
        for c, size in enumerate(rng.choice([0, 1, 1, 2, 2, 3, 4]) for _ in range(n_courses))
    )
    pathways = tuple(
        Pathway(id=p, slug=f"p{p}", title=f"P{p}", courses=tuple(rng.sample(courses, rng.randint(0, n_courses))))
        for p in range(n_pathways)
    )

    all_ids = [lesson.id for m in modules for lesson in m.lessons]
    if done_mode == "none":
        done = set()
    elif done_mode == "some":
        rate = rng.random()
        done = {i for i in all_ids if rng.random() < rate}
    elif done_mode == "nearly-all":
        done = set(all_ids) - set(rng.sample(all_ids, min(len(all_ids), rng.randint(1, 2))))
    else:
        done = set(all_ids)
    foreign = {FOREIGN + k for k in range(rng.randint(0, 2))}
    return World(modules, courses, pathways, frozenset(done | foreign))


def expected_percent(counts: Counts) -> int:
    if counts.total == 0:
        return 0
    floor = (100 * counts.completed) // counts.total
    return 99 if floor == 100 and not counts.complete else floor


@PROPERTIES
@given(worlds())
def test_never_complete_below_100_percent_and_100_percent_only_when_complete(world):
    for counts in world.progress_nodes(world.done).values():
        assert 0 <= counts.completed <= counts.total
        assert 0 <= counts.percent <= 100
        assert counts.complete == (counts.percent == 100)
        if counts.complete:
            assert counts.total > 0
            assert counts.completed == counts.total


@PROPERTIES
@given(worlds())
def test_percent_is_floor_of_completed_over_total_capped_at_99_until_complete(world):
    for counts in world.progress_nodes(world.done).values():
        assert counts.percent == expected_percent(counts)


@PROPERTIES
@given(worlds(), st.integers(0, 2**32 - 1))
def test_percent_completed_and_completion_are_monotone_when_adding_completions(world, seed):
    ids = world.lesson_ids
    rng = random.Random(seed)
    extra = set(rng.sample(ids, rng.randint(1, len(ids)))) if ids else set()
    before = world.progress_nodes(world.done)
    after = world.progress_nodes(world.done | extra)
    for key, old in before.items():
        new = after[key]
        assert new.total == old.total
        assert new.completed >= old.completed
        assert new.percent >= old.percent
        assert new.complete or not old.complete


@PROPERTIES
@given(worlds(), st.data())
def test_completion_in_shared_module_counts_in_every_course_containing_it(world, data):
    pending = [
        (lesson, m) for m in world.modules for lesson in m.lessons if lesson.countable and lesson.id not in world.done
    ]
    if not pending:
        return
    lesson, owner = data.draw(st.sampled_from(pending))
    for c in world.courses:
        gain = (
            course_progress(c, world.done | {lesson.id}).counts.completed
            - course_progress(c, world.done).counts.completed
        )
        assert gain == (1 if owner in c.modules else 0)
    for p in world.pathways:
        gain = (
            pathway_progress(p, world.done | {lesson.id}).counts.completed
            - pathway_progress(p, world.done).counts.completed
        )
        assert gain == (1 if any(owner in c.modules for c in p.courses) else 0)


@PROPERTIES
@given(worlds())
def test_preview_completions_never_change_any_progress(world):
    previews = {lesson.id for m in world.modules for lesson in m.lessons if lesson.preview}
    assert world.progress_nodes(world.done | previews) == world.progress_nodes(world.done - previews)


@PROPERTIES
@given(worlds())
def test_course_counts_and_completion_follow_its_modules(world):
    for c in world.courses:
        progress = course_progress(c, world.done)
        countable = countable_ids(c)
        assert progress.counts.total == len(countable)
        assert progress.counts.completed == len(countable & world.done)
        assert [row.module for row in progress.modules] == list(c.modules)
        every_module = all(row.counts.complete for row in progress.modules)
        assert progress.counts.complete == (every_module and progress.counts.total > 0)
        for row in progress.modules:
            own = countable_ids(row.module)
            assert row.counts.complete == (bool(own) and own <= world.done)


@PROPERTIES
@given(worlds())
def test_pathway_counts_distinct_countable_lessons_and_completes_with_every_course(world):
    for p in world.pathways:
        progress = pathway_progress(p, world.done)
        distinct = countable_ids(p)
        assert progress.counts.total == len(distinct)
        assert progress.counts.completed == len(distinct & world.done)
        complete_courses = [course_progress(c, world.done).counts.complete for c in p.courses]
        assert progress.courses_total == len(p.courses)
        assert progress.courses_completed == sum(complete_courses)
        assert progress.counts.complete == (bool(p.courses) and all(complete_courses))


@PROPERTIES
@given(worlds())
def test_completion_time_is_latest_countable_completion_of_a_complete_node(world):
    times = {lesson_id: T0 + timedelta(minutes=(lesson_id * 7919) % 1000) for lesson_id in world.done}
    nodes = [(c, course_progress(c, world.done, times)) for c in world.courses]
    nodes += [(p, pathway_progress(p, world.done, times)) for p in world.pathways]
    for node, progress in nodes:
        if progress.counts.complete:
            assert progress.completed_at == max(times[i] for i in countable_ids(node))
        else:
            assert progress.completed_at is None


@PROPERTIES
@given(worlds())
def test_next_lesson_is_first_incomplete_countable_lesson_else_first_lesson(world):
    for c in world.courses:
        ordered = [lesson for m in c.modules for lesson in m.lessons]
        pending = [lesson for lesson in ordered if lesson.countable and lesson.id not in world.done]
        chosen = next_lesson(c, world.done)
        if pending:
            assert chosen is not None
            assert chosen.countable
            assert chosen.id not in world.done
            assert chosen == pending[0]
        else:
            assert chosen == (ordered[0] if ordered else None)


@PROPERTIES
@given(worlds())
def test_next_pathway_lesson_is_first_incomplete_across_courses_in_order(world):
    for p in world.pathways:
        pending = [
            (c, lesson)
            for c in p.courses
            for m in c.modules
            for lesson in m.lessons
            if lesson.countable and lesson.id not in world.done
        ]
        chosen = next_pathway_lesson(p, world.done)
        if pending:
            assert chosen == pending[0]
            course, lesson = chosen
            assert lesson.countable
            assert lesson.id not in world.done
            assert course in p.courses
            assert lesson in course.lessons
        else:
            review = [(c, c.lessons[0]) for c in p.courses if c.lessons]
            assert chosen == (review[0] if review else None)


@PROPERTIES
@given(worlds())
def test_the_fast_counts_agree_with_the_full_breakdown(world):
    """course_counts and pathway_counts (bulk recalculation) equal what the full rules compute."""
    for c in world.courses:
        assert course_counts(c, world.done) == course_progress(c, world.done).counts
    for p in world.pathways:
        full = pathway_progress(p, world.done)
        assert pathway_counts(p, world.done) == (full.counts, full.courses_completed)

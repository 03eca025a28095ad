"""SPEC §3 as properties over generated trees: shared modules, previews, pathways, long courses, completions."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import Phase, event, find, given, settings
from hypothesis import strategies as st

from learnapp.domain.content import Course, Lesson, Module, Pathway
from learnapp.domain.progress import (
    course_counts,
    course_progress,
    module_progress,
    next_lesson,
    next_pathway_lesson,
    pathway_counts,
    pathway_progress,
)

from .builders import T0, countable_ids, percent_by_spec

FOREIGN = 10**6  # ids at or above this are completions of lessons outside the tree
# LEARNAPP_HYPOTHESIS_PROFILE=nightly: ten times the examples, for a longer run than make test's.
NIGHTLY = os.environ.get("LEARNAPP_HYPOTHESIS_PROFILE") == "nightly"
PROPERTIES = settings(max_examples=2000 if NIGHTLY else 150, deadline=None)
MAX_MODULE_LESSONS = 12
MAX_COURSE_MODULES = 5  # so a course holds up to 60 lessons


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


def _finished(node: Course | Pathway, done: frozenset[int]) -> bool:
    """Complete by walking the tree (SPEC §3.2-3.3): every module of every course has countable lessons, all done."""
    courses = node.courses if isinstance(node, Pathway) else (node,)
    return bool(courses) and all(
        c.modules and all(countable_ids(m) and countable_ids(m) <= done for m in c.modules) for c in courses
    )


def _shared(world: World) -> set[Module]:
    seen = Counter(m for c in world.courses for m in set(c.modules))
    return {m for m, n in seen.items() if n > 1}


def _pending_in_shared(world: World) -> bool:
    return any(countable_ids(m) - world.done for m in _shared(world))


# The cases the properties are about; every property test reports them with event() and
# test_the_strategy_reaches_every_interesting_case holds each to a minimum share of the examples.
CASES: dict[str, tuple[float, Callable[[World], bool]]] = {
    "course with countable lessons": (0.8, lambda w: any(countable_ids(c) for c in w.courses)),
    "no countable lesson": (0.02, lambda w: not any(countable_ids(c) for c in w.courses)),
    "shared module": (0.4, lambda w: bool(_shared(w))),
    "pending lesson in a shared module": (0.15, _pending_in_shared),
    "course complete": (0.25, lambda w: any(_finished(c, w.done) for c in w.courses)),
    "pathway complete": (0.1, lambda w: any(_finished(p, w.done) for p in w.pathways)),
    "pathway incomplete": (0.25, lambda w: any(not _finished(p, w.done) for p in w.pathways)),
    "every countable lesson done, course not complete": (
        0.1,
        lambda w: any(countable_ids(c) and countable_ids(c) <= w.done and not _finished(c, w.done) for c in w.courses),
    ),
    "course of 30+ lessons": (0.04, lambda w: any(len(c.lessons) >= 30 for c in w.courses)),
    "preview lessons": (0.4, lambda w: any(lesson.preview for m in w.modules for lesson in m.lessons)),
}


def report(world: World) -> None:
    for name, (_, holds) in CASES.items():
        if holds(world):
            event(name)
    event(f"largest course: {max((len(c.lessons) for c in world.courses), default=0) // 10 * 10}+ lessons")


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A world drawn piece by piece, so that a failure shrinks to a small tree of countable lessons.

    Courses pick modules from one small pool (so modules are often shared); completions are a random part
    of the lessons plus every lesson of some chosen courses and pathways (so nodes often complete).
    """
    n_modules = draw(st.integers(1, 8))
    ids = iter(range(1, 10**5))
    modules = []
    for module_id in draw(st.permutations(range(n_modules))):  # ids in no particular order
        # Mostly countable lessons; a preview-only or empty module (which can never complete) now and then.
        kind = draw(st.sampled_from(("countable",) * 4 + ("mixed", "previews", "empty")))
        size = 0 if kind == "empty" else draw(st.integers(1, 4) | st.integers(8, MAX_MODULE_LESSONS))
        previews = [kind == "previews" or (kind == "mixed" and draw(st.booleans())) for _ in range(size)]
        lessons = tuple(
            Lesson(id=(n := next(ids)), slug=f"l{n}", title=f"L{n}", preview=preview) for preview in previews
        )
        modules.append(Module(id=module_id, slug=f"m{module_id}", title=f"M{module_id}", lessons=lessons))
    picks = st.lists(st.sampled_from(modules), min_size=1, max_size=MAX_COURSE_MODULES, unique=True)
    courses = tuple(
        Course(id=c, slug=f"c{c}", title=f"C{c}", modules=tuple(draw(picks))) for c in range(draw(st.integers(1, 5)))
    )
    pathways = tuple(
        # The third pathway may be empty: it never completes.
        Pathway(p, f"p{p}", f"P{p}", tuple(draw(st.lists(st.sampled_from(courses), min_size=p < 2, unique=True))))
        for p in range(draw(st.integers(0, 3)))
    )
    every = [lesson.id for m in modules for lesson in m.lessons]
    share = draw(st.sampled_from(("none", "half", "most")))
    if share == "most":  # all but a few
        done = set(every) - draw(st.sets(st.sampled_from(every), max_size=3) if every else st.just(set()))
    else:
        done = {i for i in every if share == "half" and draw(st.booleans())}
    nodes: list[Course | Pathway] = [*courses, *pathways]
    for node in draw(st.lists(st.sampled_from(nodes), max_size=3)):  # finished on purpose
        done |= {lesson.id for c in (node.courses if isinstance(node, Pathway) else (node,)) for lesson in c.lessons}
    done |= {FOREIGN + k for k in range(draw(st.integers(0, 2)))}
    return World(tuple(modules), courses, pathways, frozenset(done))


@PROPERTIES
@given(worlds())
def test_never_complete_below_100_percent_and_100_percent_only_when_complete(world):
    report(world)
    for counts in world.progress_nodes(world.done).values():
        assert 0 <= counts.completed <= counts.total
        assert 0 <= counts.percent <= 100
        assert counts.complete == (counts.percent == 100)
        if counts.complete:
            assert counts.total > 0
            assert counts.completed == counts.total


@PROPERTIES
@given(worlds())
def test_percent_is_the_largest_whole_percent_not_above_the_share_and_100_only_when_complete(world):
    report(world)
    for counts in world.progress_nodes(world.done).values():
        assert counts.percent == percent_by_spec(counts.completed, counts.total, counts.complete)


# (lessons completed of a 60-lesson course of five modules of 12) → percent, read off by hand.
SIXTY = [(0, 0), (1, 1), (2, 3), (3, 5), (20, 33), (30, 50), (40, 66), (59, 98), (60, 100)]


@pytest.mark.parametrize(("completed", "percent"), SIXTY)
def test_a_long_course_reads_the_percent_of_the_table(completed, percent):
    modules = tuple(
        Module(id=m, slug=f"m{m}", title="", lessons=tuple(Lesson(12 * m + i, f"l{12 * m + i}", "") for i in range(12)))
        for m in range(5)
    )
    course = Course(1, "c", "", modules)
    counts = course_progress(course, set(range(completed))).counts
    assert (counts.completed, counts.total, counts.percent) == (completed, 60, percent)
    assert percent_by_spec(completed, 60, counts.complete) == percent  # the oracle agrees with the table too


@pytest.mark.parametrize(
    ("completed", "total", "complete", "percent"),
    [
        (0, 0, False, 0),
        (1, 3, False, 33),
        (2, 3, False, 66),
        (199, 200, False, 99),
        (5, 5, False, 99),
        (5, 5, True, 100),
    ],
)
def test_the_percent_oracle_reads_the_spec_table(completed, total, complete, percent):
    assert percent_by_spec(completed, total, complete) == percent


@PROPERTIES
@given(worlds(), st.data())
def test_percent_completed_and_completion_are_monotone_when_adding_completions(world, data):
    report(world)
    ids = world.lesson_ids
    extra = set(data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))) if ids else set()
    before = world.progress_nodes(world.done)
    after = world.progress_nodes(world.done | extra)
    for key, old in before.items():
        new = after[key]
        assert new.total == old.total
        assert new.completed >= old.completed
        assert new.percent >= old.percent
        assert new.complete or not old.complete


@PROPERTIES
@given(worlds().filter(_pending_in_shared), st.data())
def test_completion_in_shared_module_counts_in_every_course_containing_it(world, data):
    report(world)
    pending = [(lesson, m) for m in _shared(world) for lesson in m.lessons if lesson.countable]
    lesson, owner = data.draw(st.sampled_from([(x, m) for x, m in pending if x.id not in world.done]))
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
    report(world)
    previews = {lesson.id for m in world.modules for lesson in m.lessons if lesson.preview}
    assert world.progress_nodes(world.done | previews) == world.progress_nodes(world.done - previews)


@PROPERTIES
@given(worlds())
def test_course_counts_and_completion_follow_its_modules(world):
    report(world)
    for c in world.courses:
        progress = course_progress(c, world.done)
        countable = countable_ids(c)
        assert progress.counts.total == len(countable)
        assert progress.counts.completed == len(countable & world.done)
        assert [row.module for row in progress.modules] == list(c.modules)
        assert progress.counts.complete == _finished(c, world.done)
        for row in progress.modules:
            own = countable_ids(row.module)
            assert row.counts.complete == (bool(own) and own <= world.done)


@PROPERTIES
@given(worlds())
def test_pathway_counts_distinct_countable_lessons_and_completes_with_every_course(world):
    report(world)
    for p in world.pathways:
        progress = pathway_progress(p, world.done)
        distinct = countable_ids(p)
        assert progress.counts.total == len(distinct)
        assert progress.counts.completed == len(distinct & world.done)
        assert progress.courses_total == len(p.courses)
        assert progress.courses_completed == sum(_finished(c, world.done) for c in p.courses)
        assert progress.counts.complete == _finished(p, world.done)


@PROPERTIES
@given(worlds(), st.data())
def test_completion_time_is_latest_countable_completion_of_a_complete_node(world, data):
    report(world)
    done = sorted(world.done)
    minutes = data.draw(st.lists(st.integers(0, 10_000), min_size=len(done), max_size=len(done)))
    times = {i: T0 + timedelta(minutes=m) for i, m in zip(done, minutes, strict=True)}
    nodes = [(c, course_progress(c, world.done, times)) for c in world.courses]
    nodes += [(p, pathway_progress(p, world.done, times)) for p in world.pathways]
    for node, progress in nodes:
        if _finished(node, world.done):
            assert progress.completed_at == max(times[i] for i in countable_ids(node))
        else:
            assert progress.completed_at is None


@PROPERTIES
@given(worlds())
def test_next_lesson_is_first_incomplete_countable_lesson_else_first_lesson(world):
    report(world)
    for c in world.courses:
        ordered = [lesson for m in c.modules for lesson in m.lessons]
        pending = [lesson for lesson in ordered if lesson.countable and lesson.id not in world.done]
        chosen = next_lesson(c, world.done)
        if pending:
            assert chosen == pending[0]
        else:
            assert chosen == (ordered[0] if ordered else None)


@PROPERTIES
@given(worlds())
def test_next_pathway_lesson_is_first_incomplete_across_courses_in_order(world):
    report(world)
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
        else:
            review = [(c, c.lessons[0]) for c in p.courses if c.lessons]
            assert chosen == (review[0] if review else None)


@PROPERTIES
@given(worlds())
def test_the_fast_counts_agree_with_the_full_breakdown(world):
    """course_counts and pathway_counts (bulk recalculation) equal what the full rules compute."""
    report(world)
    for c in world.courses:
        assert course_counts(c, world.done) == course_progress(c, world.done).counts
    for p in world.pathways:
        full = pathway_progress(p, world.done)
        assert pathway_counts(p, world.done) == (full.counts, full.courses_completed)


@pytest.mark.slow  # Hypothesis draws hundreds of worlds: it checks the strategies of the property tests, slow too
def test_the_strategy_reaches_every_interesting_case():
    """Each case in a fair share of 300 derandomized examples: properties that never meet a case prove nothing."""
    seen: Counter[str] = Counter()
    examples = 0

    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    @given(worlds())
    def sample(world: World) -> None:
        nonlocal examples
        examples += 1
        seen.update(name for name, (_, holds) in CASES.items() if holds(world))

    sample()
    shares = {name: seen[name] / examples for name in CASES}
    assert all(shares[name] >= least for name, (least, _) in CASES.items()), shares
    assert shares["no countable lesson"] <= 0.15, shares


RARE: dict[str, Callable[[World], bool]] = {
    "a course of 45+ lessons": lambda w: any(len(c.lessons) >= 45 for c in w.courses),
    "a complete pathway of 3 courses sharing a module": lambda w: any(
        len(p.courses) == 3
        and _finished(p, w.done)
        and len(countable_ids(p)) < sum(len(countable_ids(c)) for c in p.courses)
        for p in w.pathways
    ),
}


@pytest.mark.slow  # Hypothesis draws hundreds of worlds: it checks the strategies of the property tests, slow too
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.parametrize("case", list(RARE))
def test_rare_cases_are_reachable(case):
    found = find(worlds(), RARE[case], settings=settings(max_examples=2000, phases=[Phase.generate], database=None))
    assert RARE[case](found)

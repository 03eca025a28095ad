"""Races between real processes (spawn, each with its own Database), on SQLite files in WAL mode and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from sqlalchemy import text

from learnapp.persistence.db import Database
from learnapp.services.engine.enrollment import enroll_pathway
from tests.conftest import ADMIN, ALICE, BOB
from tests.process_workers import record_rounds
from tests.services.helpers import assert_stored_equals_recomputed

pytestmark = pytest.mark.slow  # spawns processes: `make test` runs it, `make test-fast` does not

LEARNERS = (ALICE, BOB, ADMIN)
# Every countable lesson of the pathway, the shared module last: its second lesson completes two courses and
# the pathway at once.
LESSONS = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2", "e1", "s1", "s2"]
NODES = {"course:ac-course", "course:course-a", "course:course-b", "pathway:path"}


def run_processes(url: str, plans: list[list[tuple[int, str]]]) -> list[list[bool]]:
    """One process per plan; round r of every plan starts at the same moment (a shared barrier)."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(len(plans))
        with context.Pool(len(plans)) as pool:
            pending = [pool.apply_async(record_rounds, (url, plan, start)) for plan in plans]
            return [p.get(timeout=120) for p in pending]


@pytest.fixture
def enrolled(db: Database) -> Database:
    for learner in LEARNERS:
        enroll_pathway(db, learner, "path")
    return db


def assert_each_completion_announced_once(db: Database) -> None:
    """Every learner finished everything: one completion row per lesson, one certificate and one notice per node."""
    with db.snapshot() as conn:
        facts = Counter(r[0] for r in conn.execute(text("SELECT learner_id FROM lesson_completion")))
        certificates = Counter(
            (r[0], f"{r[1]}:{r[2]}")
            for r in conn.execute(
                text(
                    "SELECT c.learner_id, c.node_kind, coalesce(co.slug, p.slug) FROM certificate c "
                    "LEFT JOIN course co ON c.node_kind = 'course' AND co.id = c.node_id "
                    "LEFT JOIN pathway p ON c.node_kind = 'pathway' AND p.id = c.node_id"
                )
            )
        )
        notices = Counter(
            (r[0], r[1].removesuffix(":completed"))
            for r in conn.execute(
                text("SELECT learner_id, dedupe_key FROM notification WHERE dedupe_key LIKE :pattern"),
                {"pattern": "%:completed"},
            )
        )
    assert facts == {learner: len(LESSONS) for learner in LEARNERS}
    wanted = Counter({(learner, node): 1 for learner in LEARNERS for node in NODES})
    assert certificates == wanted
    assert notices == wanted
    assert_stored_equals_recomputed(db)


def test_two_processes_completing_the_same_lessons_create_each_once(enrolled: Database) -> None:
    plan = [(learner, lesson) for learner in LEARNERS for lesson in LESSONS]
    first, second = run_processes(enrolled.url, [plan, plan])
    # Each round, exactly one of the two calls created the fact; the other got the same record back.
    assert [a + b for a, b in zip(first, second, strict=True)] == [1] * len(plan)
    assert_each_completion_announced_once(enrolled)


def test_two_processes_completing_different_lessons_of_one_learner_all_count(enrolled: Database) -> None:
    # Process one takes the even lessons, process two the odd ones: s1 and s2 (the last two) arrive together.
    evens = [(learner, lesson) for learner in LEARNERS for lesson in LESSONS[0::2]]
    odds = [(learner, lesson) for learner in LEARNERS for lesson in LESSONS[1::2]]
    odds += [(ALICE, "s2")] * (len(evens) - len(odds))  # equal rounds for the barrier; a repeat creates nothing
    first, second = run_processes(enrolled.url, [evens, odds])
    assert sum(first) + sum(second) == len(LEARNERS) * len(LESSONS)
    assert_each_completion_announced_once(enrolled)

"""Statistics counters: after random sequences of engine operations every counter equals its recount."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.services.completion import record_completion, reset_course, revoke_completion
from learnapp.services.enrollment import enroll_course, enroll_pathway
from learnapp.services.population import generate_population
from learnapp.services.recalc_rollback import rollback_recalculate
from learnapp.services.recalculate import RecalcOptions, recalculate
from learnapp.services.stats_verify import verify
from tests.conftest import ALICE, BOB, backend
from tests.services.test_engine_stateful import Example, ProgressEngine
from tests.services.test_engine_stateful import example as example  # noqa: F401 - the fixture, shared

# Bounded for make test (a database per example): the engine's own test covers many more sequences.
SETTINGS = settings(max_examples=40 if backend() == "sqlite" else 25, stateful_step_count=20, deadline=None)


class CountedEngine(ProgressEngine):
    """The engine's every write path (clicks, undo, event batches, enroll, Start over, admin reset, content
    import adding, moving and removing lessons, legacy import and rollback, recalculate), counters checked."""

    @invariant()
    def counters_equal_their_recount(self) -> None:
        checked, differences = verify(self.db)
        assert checked > 0
        assert not differences, "\n".join(map(str, differences))


@pytest.mark.slow  # a stateful machine over every write path: make test runs it, test-fast does not
def test_every_counter_equals_its_recount_after_any_sequence(example: Example) -> None:  # noqa: F811
    CountedEngine.example = example
    run_state_machine_as_test(CountedEngine, settings=SETTINGS)


def _counters(db: Database, slug: str) -> dict[str, int]:
    with db.snapshot() as conn:
        course = current_catalog(conn).course(slug)
        assert course is not None
        return stats_counters.totals(conn, [("course", course.id)])[("course", course.id)]


def test_a_click_moves_its_counters_and_an_undo_moves_them_back(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    before = _counters(db, "course-a")
    record_completion(db, ALICE, "s1")
    after = _counters(db, "course-a")
    assert after != before
    assert after.get("started", 0) == before.get("started", 0) + 1
    assert verify(db)[1] == []
    revoke_completion(db, ALICE, "s1")
    assert _counters(db, "course-a") == before


def test_verify_reports_a_counter_that_drifted_and_recalculate_repairs_it(db: Database, tmp_path: Path) -> None:
    enroll_pathway(db, BOB, "path")
    record_completion(db, BOB, "s1")
    assert verify(db)[1] == []
    with db.transaction() as conn:  # a counter that went wrong (a bug, a hand edit): verify must see it
        course = current_catalog(conn).course("course-a")
        assert course is not None
        stats_counters.add(conn, {("course", course.id, "started", 3): 5})
    checked, differences = verify(db)
    assert [(d.slug, d.counter, d.stored - d.recounted) for d in differences] == [("course-a", "started", 5)]
    recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert verify(db)[1] == []


def test_start_over_takes_the_learners_lessons_out_of_the_funnel(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    record_completion(db, ALICE, "s1")
    reset_course(db, ALICE, "course-a")
    counters = _counters(db, "course-a")
    assert not any(name.startswith("l") and n for name, n in counters.items())
    assert verify(db)[1] == []


def test_recalculate_and_its_rollback_leave_counters_equal_to_the_rows(db: Database, tmp_path: Path) -> None:
    """Rows written wrong outside the engine: recalculate repairs them and the counters; its rollback puts the
    rows back, and the counters follow them (the rollback recounts what it restores)."""
    enroll_pathway(db, ALICE, "path")
    for lesson in ("s1", "s2", "e1"):
        record_completion(db, ALICE, lesson)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE enrollment SET completed = 0, percent = 0, is_complete = false")
    assert verify(db)[1]  # the counters still count what the engine wrote
    report = recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert verify(db)[1] == []
    rollback_recalculate(db, report.run_id, "ops")
    assert _counters(db, "course-a").get("complete", 0) == 0  # the rows as they were put back
    assert verify(db)[1] == []


def test_a_generated_population_leaves_every_counter_equal_to_its_recount(db: Database) -> None:
    generate_population(db, 40, seed=3, enrollments=3, now=datetime(2026, 11, 20, tzinfo=UTC), batch=15)
    checked, differences = verify(db)
    assert checked > 0 and not differences, "\n".join(map(str, differences))

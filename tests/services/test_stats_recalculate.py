"""`learnapp recalculate --learner X` repairs the counters X's stored rows feed, as the course-wide run does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from learnapp.persistence.db import Database
from learnapp.services.admin.stats_verify import verify
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.operations.recalc_rollback import rollback_recalculate
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ALICE, BOB

DONE = datetime(2026, 11, 3, 10, tzinfo=UTC)


def _drift(db: Database, learner: int) -> None:
    """The learner's stored rows written wrong outside the engine (a hand edit, a bug): the counters still count
    what the engine wrote, so they differ from the rows."""
    with db.engine.begin() as connection:
        for table in ("enrollment", "pathway_enrollment"):
            connection.exec_driver_sql(
                f"UPDATE {table} SET completed = 0, percent = 0, is_complete = false, first_completed_at = NULL"
                f" WHERE learner_id = {int(learner)}"
            )


def test_recalculating_one_learner_repairs_the_counters_of_its_nodes(db: Database, tmp_path: Path) -> None:
    enroll_pathway(db, ALICE, "path")
    enroll_course(db, BOB, "course-b")
    for lesson in ("s1", "s2", "e1"):
        record_completion(db, ALICE, lesson, source="import", completed_at=DONE)
    record_completion(db, BOB, "s1")
    _drift(db, ALICE)
    assert {d.counter for d in verify(db)[1]} >= {"complete", "percent"}
    report = recalculate(db, RecalcOptions(learner_id=ALICE), tmp_path / "runs", "ops")
    assert report.updated == 1
    checked, differences = verify(db)
    assert checked > 0 and not differences, "\n".join(map(str, differences))
    rollback_recalculate(db, report.run_id, "ops")  # the rows as they were put back, the counters with them
    assert verify(db)[1] == []


def test_a_dry_run_for_one_learner_changes_no_counter(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    _drift(db, ALICE)
    before = verify(db)[1]
    assert before
    recalculate(db, RecalcOptions(learner_id=ALICE, dry_run=True), tmp_path / "runs", "ops")
    assert verify(db)[1] == before

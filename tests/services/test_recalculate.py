"""Recalculate (backfill): repairs stored progress from the facts; dry run, resume, skip-synced, run files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.operations.recalculate import Interrupted, RecalcOptions, recalculate
from learnapp.services.operations.runs import list_runs
from tests.conftest import ADMIN, ALICE, BOB
from tests.dbdump import dump
from tests.services.helpers import assert_stored_equals_recomputed, stored_course

AUDIT = ("operation_run",)


def progress_dump(db: Database) -> list[str]:
    """Everything except the audit record of runs (a dry run is still recorded as a run)."""
    return dump(db, skip=AUDIT)


def corrupt(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE enrollment SET completed = 7, percent = 70, is_complete = true")
        connection.exec_driver_sql("UPDATE pathway_enrollment SET completed = 0, percent = 0")


@pytest.fixture
def learning(db: Database) -> Database:
    for learner in (ALICE, BOB, ADMIN):
        enroll_pathway(db, learner, "path")
    for slug in ("b1", "b2", "s1"):
        record_completion(db, ALICE, slug)
    record_completion(db, BOB, "s2")
    return db


def test_corrupted_stored_progress_is_repaired_and_a_second_run_changes_nothing(
    learning: Database, tmp_path: Path
) -> None:
    corrupt(learning)
    first = recalculate(learning, RecalcOptions(batch_size=2), tmp_path, "tester")
    assert (first.total, first.failed) == (3, 0) and first.updated == 3
    assert stored_course(learning, ALICE, "ac-course").completed == 2
    assert_stored_equals_recomputed(learning)
    second = recalculate(learning, RecalcOptions(), tmp_path, "tester")
    assert (second.updated, second.rows_changed, second.unchanged) == (0, 0, 3)


def test_dry_run_reports_the_changes_and_leaves_the_progress_data_byte_for_byte(
    learning: Database, tmp_path: Path
) -> None:
    corrupt(learning)
    before = progress_dump(learning)
    report = recalculate(learning, RecalcOptions(dry_run=True), tmp_path, "tester")
    assert report.updated == 3 and report.rows_changed > 0
    assert progress_dump(learning) == before


def test_an_interrupted_run_resumes_after_its_last_committed_batch(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    with pytest.raises(Interrupted) as stopped:
        recalculate(learning, RecalcOptions(batch_size=1), tmp_path, "tester", stop_after=1)
    run_id = list_runs(learning)[0].id
    assert list_runs(learning)[0].status == "interrupted"
    assert f"--resume {run_id}" in str(stopped.value)
    assert stored_course(learning, ALICE, "ac-course").completed == 2  # the first batch is committed
    assert stored_course(learning, BOB, "ac-course").completed == 7  # not yet repaired
    resumed = recalculate(learning, RecalcOptions(batch_size=1), tmp_path, "tester", resume=run_id)
    assert (resumed.run_id, resumed.total) == (run_id, 2)
    assert_stored_equals_recomputed(learning)
    assert list_runs(learning)[0].status == "succeeded"


def test_skip_synced_skips_learners_unchanged_since_their_last_recalculation(
    learning: Database, tmp_path: Path
) -> None:
    recalculate(learning, RecalcOptions(), tmp_path, "tester")
    record_completion(learning, BOB, "s1")
    report = recalculate(learning, RecalcOptions(skip_synced=True), tmp_path, "tester")
    assert (report.skipped, report.total - report.skipped) == (2, 1)


def test_one_course_or_one_learner_only(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    recalculate(learning, RecalcOptions(course="course-b"), tmp_path, "tester")
    assert stored_course(learning, ALICE, "course-b").completed == 1
    assert stored_course(learning, ALICE, "ac-course").completed == 7  # another course: untouched
    recalculate(learning, RecalcOptions(learner_id=BOB), tmp_path, "tester")
    assert stored_course(learning, BOB, "ac-course").completed == 0
    assert stored_course(learning, ALICE, "ac-course").completed == 7


def test_each_run_writes_summary_changes_and_failures_files(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    report = recalculate(learning, RecalcOptions(), tmp_path, "tester")
    folder = tmp_path / f"run-{report.run_id}"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["total"] == 3 and summary["status"] == "succeeded" and summary["updated"] == 3
    changes = json.loads((folder / "changes.json").read_text())
    assert {"learner": ALICE, "node": "course:ac-course", "percent": [70, 20], "complete": [True, False]} in changes
    assert json.loads((folder / "failures.json").read_text()) == []
    run = list_runs(learning)[0]
    assert (run.kind, run.actor, run.arguments["batch_size"]) == ("recalculate", "tester", 500)


def test_enrolling_learners_one_course_without_pathway(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    report = recalculate(db, RecalcOptions(), tmp_path, "tester")
    assert (report.total, report.failed) == (1, 0)


def test_export_gives_csv_rows_per_enrollment_and_a_learners_full_json(learning: Database) -> None:
    from learnapp.services.operations.export import enrollment_rows, learner_data, to_csv, to_json

    rows = enrollment_rows(learning)
    assert len(rows) == 9  # three learners, three courses each (the pathway enrolled them)
    alice = [r for r in rows if r["email"] == "alice@example.com"]
    assert [(r["course"], r["completed"], r["total"]) for r in alice] == [
        ("ac-course", 2, 10),
        ("course-a", 1, 3),
        ("course-b", 1, 2),
    ]
    csv_text = to_csv(enrollment_rows(learning, ALICE))
    assert csv_text.splitlines()[0].startswith("email,name,course") and len(csv_text.splitlines()) == 4
    data = json.loads(to_json(learner_data(learning, ALICE)))
    assert data["learner"]["email"] == "alice@example.com"
    assert sorted(c["lesson"] for c in data["completions"]) == ["b1", "b2", "s1"]
    assert all("email" not in e for e in data["enrollments"])


def test_recalculated_completion_times_are_the_latest_lesson_of_each_complete_course(
    db: Database, tmp_path: Path
) -> None:
    from datetime import timedelta

    from learnapp.domain.clock import utcnow

    enroll_pathway(db, ALICE, "path")
    start = utcnow() - timedelta(days=30)
    for day, slug in enumerate(("s2", "s1", "e1", "b1")):
        record_completion(db, ALICE, slug, source="import", completed_at=start + timedelta(days=day))
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE enrollment SET completed_at = NULL, is_complete = false, first_completed_at = NULL"
        )
    recalculate(db, RecalcOptions(), tmp_path, "tester")
    assert stored_course(db, ALICE, "course-b").completed_at == start + timedelta(days=1)  # s1, the later of the two
    assert stored_course(db, ALICE, "course-a").completed_at == start + timedelta(days=2)  # e1
    assert_stored_equals_recomputed(db)

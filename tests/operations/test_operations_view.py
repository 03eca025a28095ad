"""The Operations page's view of runs: scope and counts in words, the files each run left, and only those files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.admin.operations_view import operation_runs, run_file
from learnapp.services.engine.completion import record_completion
from learnapp.services.errors import Conflict, NotFound
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.legacy_rows import MalformedFile
from learnapp.services.operations.recalc_rollback import rollback_recalculate
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.services.operations.runs import runs_folder
from tests.conftest import BOB
from tests.operations.conftest import corrupt

BOBS_ROW = {"email": "bob@example.com", "pathway": "path", "module": "m-shared", "completed_at": "2026-03-03T09:00:00Z"}


def test_each_kind_of_run_reads_with_its_scope_outcome_counts_and_files(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    folder = runs_folder(learning)
    whole = recalculate(learning, RecalcOptions(batch_size=2), folder, "ops")
    one = recalculate(learning, RecalcOptions(course="course-b", learner_id=BOB, dry_run=True), folder, "ada")
    rollback = rollback_recalculate(learning, whole.run_id, "ops")
    source = tmp_path / "legacy.json"
    source.write_text(json.dumps([BOBS_ROW, {**BOBS_ROW, "email": "nobody@example.com"}]))
    imported = import_progress(learning, source, "ops", dry_run=True, keep_good=True, runs_dir=folder)

    rows = {row.id: row for row in operation_runs(learning)}
    assert list(rows) == [imported.run_id, rollback.run_id, one.run_id, whole.run_id]  # newest first

    first = rows[whole.run_id]
    assert (first.label, first.actor, first.status, first.dry_run) == ("Recalculate", "ops", "succeeded", False)
    assert first.scope == "every learner, batches of 2"
    counts = dict(first.counts)
    assert counts["learners"] == whole.total and counts["updated"] == whole.updated == 5
    assert counts["rows kept for rollback"] == whole.rows_kept > 0
    assert [f.name for f in first.files] == ["changes.json", "failures.json", "summary.json"]
    assert all(f.size > 0 for f in first.files) and first.finished_at is not None and first.error == ""

    dry = rows[one.run_id]
    assert dry.scope == "learner bob@example.com, course course-b, batches of 500, dry run" and dry.dry_run

    undo = rows[rollback.run_id]
    assert (undo.label, undo.scope, undo.files) == ("Recalculate rollback", f"of run {whole.run_id}", [])
    assert dict(undo.counts)["learners restored"] == len(rollback.learners_restored) > 0

    legacy = rows[imported.run_id]
    assert legacy.label == "Progress import" and legacy.status == "dry-run"
    assert legacy.scope == "file legacy.json, keeping good rows, dry run"
    assert dict(legacy.counts)["rows"] == 2 and dict(legacy.counts)["rejected"] == 1
    assert {f.name for f in legacy.files} == {"report.json", "rows.csv", "learners.csv"}


def test_a_refused_rollback_and_a_failed_import_show_why(learning: Database) -> None:
    corrupt(learning)
    folder = runs_folder(learning)
    run = recalculate(learning, RecalcOptions(), folder, "ops")
    record_completion(learning, BOB, "s1")  # Bob moved on since the run: its rollback is refused, naming him
    with pytest.raises(Conflict):
        rollback_recalculate(learning, run.run_id, "ops")
    refused = operation_runs(learning)[0]
    assert (refused.kind, refused.status) == ("recalc-rollback", "refused") and "bob@example.com" in refused.error
    with pytest.raises(MalformedFile):
        import_progress(learning, folder / "missing.csv", "ops", runs_dir=folder)
    failed = operation_runs(learning)[0]
    assert (failed.kind, failed.status, failed.files) == ("progress-import", "failed", []) and failed.error


def test_a_run_file_is_served_by_its_exact_name_only(learning: Database, tmp_path: Path) -> None:
    run = recalculate(learning, RecalcOptions(), runs_folder(learning), "ops")
    path, media = run_file(learning, run.run_id, "summary.json")
    assert media == "application/json" and json.loads(path.read_text())["run_id"] == run.run_id
    secret = tmp_path / "secret.json"
    secret.write_text("{}")
    run_folder = runs_folder(learning) / f"run-{run.run_id}"
    (run_folder / "linked.json").symlink_to(secret)  # listed in the folder, but a file from elsewhere
    for name in ("../learnapp.db", "nope.json", "linked.json", "", "."):
        with pytest.raises(NotFound):
            run_file(learning, run.run_id, name)
    with pytest.raises(NotFound):
        run_file(learning, run.run_id + 99, "summary.json")

"""Legacy import report: every row's outcome, a summary per learner, and a dry run whose report is the real one's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.operations.legacy_import import import_progress
from tests.conftest import ALICE
from tests.dbdump import dump

ROWS = [
    # Bob finishes course-b (m-shared) and with it gets its certificate queued.
    {"email": "bob@example.com", "pathway": "path", "module": "m-shared", "completed_at": "2026-03-03T09:00:00Z"},
    # Alice already did b1: the module row is partly imported.
    {"email": "alice@example.com", "pathway": "path", "module": "m-basics", "completed_at": "2026-03-01T10:00:00Z"},
    {
        "email": "alice@example.com",
        "pathway": "path",
        "module": "m-basics",
        "completed_at": "2026-03-01T10:00:00Z",
        "lesson": "b2",
    },
    {"email": "alice@example.com", "pathway": "path", "module": "m-core", "completed_at": "2026-03-01 10:00:00"},
    {"email": "nobody@example.com", "pathway": "path", "module": "m-core", "completed_at": "2026-03-01T10:00:00Z"},
]


def comparable(report_file: Path) -> dict[str, object]:
    data = json.loads(report_file.read_text())
    return {k: v for k, v in data.items() if k not in ("run_id", "dry_run", "files")}


def test_the_dry_run_report_is_the_real_runs_and_the_dry_run_changes_nothing(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    source = tmp_path / "legacy.json"
    source.write_text(json.dumps(ROWS))
    before = dump(db, skip=("operation_run",))
    dry = import_progress(db, source, "ops", dry_run=True, keep_good=True, runs_dir=tmp_path / "runs")
    assert dump(db, skip=("operation_run",)) == before
    real = import_progress(db, source, "ops", keep_good=True, runs_dir=tmp_path / "runs")
    assert dry.written is False and real.written is True
    dry_folder, real_folder = (tmp_path / "runs" / f"run-{r.run_id}" for r in (dry, real))
    assert comparable(dry_folder / "report.json") == comparable(real_folder / "report.json")
    for name in ("rows.csv", "learners.csv"):
        assert (dry_folder / name).read_text() == (real_folder / name).read_text()

    rows = list(csv.DictReader((real_folder / "rows.csv").open()))
    assert [(r["number"], r["outcome"], r["imported"], r["already_present"]) for r in rows] == [
        ("1", "imported", "2", "0"),
        ("2", "partly imported", "2", "1"),
        ("3", "already present", "0", "1"),  # b2 came with row 2
        ("4", "rejected", "0", "0"),
        ("5", "rejected", "0", "0"),
    ]
    assert "no time zone" in rows[3]["reason"] and "unknown learner" in rows[4]["reason"]
    learners = {r["email"]: r for r in csv.DictReader((real_folder / "learners.csv").open())}
    assert learners["bob@example.com"] | {} == {
        "email": "bob@example.com",
        "rows": "1",
        "imported": "2",
        "already_present": "0",
        "rejected": "0",
        "courses_newly_complete": "course-b",
        "certificates_queued": "1",
    }
    alice = learners["alice@example.com"]
    assert (alice["rows"], alice["imported"], alice["already_present"], alice["rejected"]) == ("3", "2", "2", "1")
    assert (alice["certificates_queued"], learners["nobody@example.com"]["rejected"]) == ("0", "1")


def test_a_refused_file_reports_every_row_as_not_imported_or_rejected(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "legacy.json"
    source.write_text(json.dumps(ROWS))
    report = import_progress(db, source, "ops", runs_dir=tmp_path)
    assert report.outcome == "refused" and not report.written
    assert [r.outcome for r in report.outcomes] == ["not imported"] * 3 + ["rejected"] * 2
    assert "--keep-good" in report.outcomes[0].reason

"""Legacy progress import: rows into the hierarchy, row-numbered rejections, zero drift, exact rollback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import Conflict
from learnapp.services.operations.legacy_import import import_progress, rollback_import
from tests.conftest import ALICE, BOB
from tests.dbdump import LOGS
from tests.dbdump import dump as dump_all
from tests.services.helpers import assert_stored_equals_recomputed, stored_course

AUDIT = ("operation_run", "learner_snapshot", "imported_fact", "imported_enrollment", "progress_history", *LOGS)
GOOD = [
    {"email": "alice@example.com", "pathway": "path", "module": "m-basics", "completed_at": "2026-03-01T10:00:00Z"},
    {
        "email": "alice@example.com",
        "pathway": "path",
        "module": "m-core",
        "completed_at": "2026-03-02T11:30:15.250Z",
        "lesson": "c2",
    },
    {"email": "BOB@example.com", "pathway": "path", "module": "m-shared", "completed_at": "2026-03-03T09:00:00+02:00"},
]
BAD = [
    {"email": "nobody@example.com", "pathway": "path", "module": "m-core", "completed_at": "2026-03-01T10:00:00Z"},
    {"email": "alice@example.com", "pathway": "path", "module": "m-extra", "completed_at": "2026-03-01 10:00:00"},
    {"email": "alice@example.com", "pathway": "Path", "module": "m-core", "completed_at": "2026-03-01T10:00:00Z"},
    {"email": "alice@example.com", "pathway": "path", "module": "m-core", "completed_at": None},
]


def dump(db: Database) -> list[str]:
    return dump_all(db, skip=AUDIT, counters=False)


def export(tmp_path: Path, rows: list[dict[str, object]], name: str = "legacy.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows))
    return path


def test_rows_map_into_the_hierarchy_with_zero_timestamp_drift(db: Database, tmp_path: Path) -> None:
    report = import_progress(db, export(tmp_path, GOOD), "ops")
    assert (report.rows, report.imported, report.already_present, report.drift, report.rejected) == (3, 6, 0, 0, [])
    assert stored_course(db, ALICE, "ac-course").completed == 4  # three of m-basics and c2
    assert stored_course(db, BOB, "course-b").is_complete
    assert_stored_equals_recomputed(db)


def test_importing_again_finds_everything_already_present(db: Database, tmp_path: Path) -> None:
    import_progress(db, export(tmp_path, GOOD), "ops")
    again = import_progress(db, export(tmp_path, GOOD), "ops")
    assert (again.imported, again.already_present) == (0, 6)


def test_bad_rows_are_reported_with_row_numbers_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    before = dump(db)
    report = import_progress(db, export(tmp_path, GOOD + BAD), "ops")
    assert [r["number"] for r in report.rejected] == [4, 5, 6, 7]
    reasons = " | ".join(r["reason"] for r in report.rejected)
    for expected in ("unknown learner", "no time zone", "unknown pathway Path", "missing completed_at"):
        assert expected in reasons
    assert not report.written and dump(db) == before


def test_good_rows_are_kept_only_when_asked(db: Database, tmp_path: Path) -> None:
    report = import_progress(db, export(tmp_path, GOOD + BAD), "ops", keep_good=True)
    assert (report.imported, len(report.rejected), report.written) == (6, 4, True)


def test_a_dry_run_writes_no_progress(db: Database, tmp_path: Path) -> None:
    before = dump(db)
    report = import_progress(db, export(tmp_path, GOOD), "ops", dry_run=True)
    assert report.learners == 2 and not report.written
    assert dump(db) == before


def test_csv_exports_work_too(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_text("email,pathway,module,completed_at,lesson\nalice@example.com,path,m-wrap,2026-01-05T08:00:00Z,\n")
    assert import_progress(db, path, "ops").imported == 2


def test_import_then_rollback_restores_an_identical_dump(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    before = dump(db)
    report = import_progress(db, export(tmp_path, GOOD), "ops")
    assert dump(db) != before
    assert rollback_import(db, report.run_id, "ops") == [ALICE, BOB]
    # Bob's course-b, first completed by the import, keeps what that earned (as after an undo): the
    # certificate queued and its notice. Everything else is exactly as before.
    earned = ("certificate", "notification")
    # The rollback is a change too: the learners' progress versions moved on (counters left out).
    after = dump_all(db, skip=AUDIT + earned, counters=False)
    assert after == [line for line in before if line.split(":")[0] not in earned]
    assert [line.split(":")[0] for line in dump_all(db, skip=AUDIT, counters=False) if line not in before] == list(
        earned
    )


def test_rollback_refuses_to_overwrite_later_changes_unless_forced(db: Database, tmp_path: Path) -> None:
    report = import_progress(db, export(tmp_path, GOOD), "ops")
    record_completion(db, ALICE, "w1")
    with pytest.raises(Conflict, match="changed since import run"):
        rollback_import(db, report.run_id, "ops")
    assert rollback_import(db, report.run_id, "ops", only_learner=BOB) == [BOB]
    assert rollback_import(db, report.run_id, "ops", only_learner=ALICE, force=True) == [ALICE]
    # w1 was not imported, so it stays; the enrollments the import created are gone again.
    from learnapp.services.operations.export import learner_data

    assert [c["lesson"] for c in learner_data(db, ALICE)["completions"]] == ["w1"]

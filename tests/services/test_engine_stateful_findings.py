"""What the stateful engine test found, each as the minimal sequence it printed, fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_content
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import Conflict
from learnapp.services.operations.legacy_import import import_progress, rollback_import
from tests.conftest import ALICE, BOB, FIXTURE_CONTENT
from tests.services.helpers import assert_stored_equals_recomputed, dump, stored_course

ROWS = [{"email": "bob@example.com", "pathway": "path", "module": "m-shared", "completed_at": "2026-03-01T10:00:00Z"}]


def _import(db: Database, tmp_path: Path, rows: list[dict[str, str]] = ROWS) -> int:
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(rows))
    report = import_progress(db, path, "ops")
    assert report.written
    return report.run_id


@pytest.mark.parametrize("force", [False, True])
def test_a_second_rollback_of_a_run_changes_nothing_the_learner_did_since(
    db: Database, tmp_path: Path, force: bool
) -> None:
    run = _import(db, tmp_path)  # enrolls Bob in the pathway and its courses, completes m-shared
    rollback_import(db, run, "ops")
    enroll_course(db, BOB, "course-b")  # his own, after the rollback
    record_completion(db, BOB, "s1")
    before = dump(db)
    with pytest.raises(Conflict, match="already rolled back"):
        rollback_import(db, run, "ops", force=force)  # before the fix: deleted his enrollment and his s1
    assert dump(db) == before
    assert_stored_equals_recomputed(db)


def test_a_whole_rollback_after_one_learners_rolls_back_only_the_others(db: Database, tmp_path: Path) -> None:
    rows = [*ROWS, {**ROWS[0], "email": "alice@example.com"}]
    run = _import(db, tmp_path, rows)
    assert rollback_import(db, run, "ops", only_learner=BOB) == [BOB]
    enroll_course(db, BOB, "course-b")
    assert rollback_import(db, run, "ops") == [ALICE]
    with pytest.raises(Conflict, match="already rolled back"):
        rollback_import(db, run, "ops", only_learner=ALICE)
    assert_stored_equals_recomputed(db)


def test_a_content_change_moves_a_complete_courses_time_to_its_latest_lesson(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-a")
    times = {lesson: record_completion(db, ALICE, lesson).completed_at for lesson in ("s1", "s2", "e1")}
    assert stored_course(db, ALICE, "course-a").completed_at == times["e1"]  # milliseconds after s2: within ±5 min
    (tmp_path / "catalog.yaml").write_text(
        FIXTURE_CONTENT.replace("modules: [m-shared, m-extra]", "modules: [m-shared]")
    )
    import_content(db, tmp_path)  # course-a is now m-shared only: complete when s2 was done (SPEC §3.7)
    assert stored_course(db, ALICE, "course-a").completed_at == times["s2"]

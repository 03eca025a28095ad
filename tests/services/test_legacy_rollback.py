"""A forced legacy rollback: stored progress follows the facts left behind, and every removed fact is in the history."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from learnapp.persistence.db import Database
from learnapp.persistence.tables import LessonRow, ProgressHistory
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.operations.legacy_import import import_progress, rollback_import
from tests.conftest import ALICE
from tests.services.helpers import assert_stored_equals_recomputed, stored_course

ROWS = [{"email": "alice@example.com", "pathway": "path", "module": "m-basics", "completed_at": "2026-03-01T10:00:00Z"}]


def _history(db: Database, action: str) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(LessonRow.slug, ProgressHistory.source)
            .join(LessonRow, LessonRow.id == ProgressHistory.lesson_id)  # type: ignore[arg-type]
            .where(ProgressHistory.learner_id == ALICE, ProgressHistory.action == action)
            .order_by(LessonRow.slug)
        )
        return [(slug, source) for slug, source in rows]


def test_a_forced_rollback_leaves_stored_progress_equal_to_the_facts(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(ROWS))
    report = import_progress(db, path, "ops")
    assert stored_course(db, ALICE, "ac-course").completed == 3  # b1 already there, b2 and b3 imported
    record_completion(db, ALICE, "c1")  # after the import: the rollback must not forget it
    rollback_import(db, report.run_id, "ops", force=True)
    row = stored_course(db, ALICE, "ac-course")
    assert (row.completed, row.total, row.percent) == (2, 10, 20)  # b1 and c1; the snapshot said 1 of 10
    assert_stored_equals_recomputed(db)
    # The two imported facts it removed are in the history, next to the import that added them.
    assert _history(db, "uncompleted") == [("b2", "import"), ("b3", "import")]


def test_an_unforced_rollback_of_an_unchanged_learner_still_matches_the_facts(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps([{**ROWS[0], "module": "m-shared"}]))
    report = import_progress(db, path, "ops")
    assert stored_course(db, ALICE, "course-b").is_complete
    rollback_import(db, report.run_id, "ops")
    assert stored_course(db, ALICE, "course-b").completed == 1
    assert_stored_equals_recomputed(db)
    assert _history(db, "uncompleted") == [("s2", "import")]

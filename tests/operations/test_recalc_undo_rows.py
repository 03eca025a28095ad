"""What a recalculate keeps for its rollback comes from the recompute's own read, and its marks are copied in SQL."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from learnapp.persistence.db import Database
from learnapp.persistence.facts import StoredProgress, course_progress_rows
from learnapp.persistence.runs import SYNC
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.operations.recalc_rollback import rollback_recalculate
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ALICE, BOB
from tests.dbdump import dump
from tests.operations.conftest import AUDIT, corrupt


def data(db: Database) -> list[str]:
    return dump(db, skip=AUDIT, counters=False)


def test_rolling_back_a_second_run_gives_back_the_marks_and_rows_the_first_run_left(
    learning: Database, tmp_path: Path
) -> None:
    corrupt(learning)
    recalculate(learning, RecalcOptions(batch_size=2), tmp_path, "tester")
    corrupt(learning)  # wrong again: the second run rewrites rows and every mark the first run left
    with learning.engine.connect() as connection:
        marks = connection.execute(select(SYNC.c.learner_id, SYNC.c.synced_at)).all()
    assert marks and all(at is not None for _, at in marks)
    before = data(learning)
    second = recalculate(learning, RecalcOptions(batch_size=2), tmp_path, "tester")
    assert second.updated == 5
    rollback_recalculate(learning, second.run_id, "tester")
    assert data(learning) == before  # the first run's marks, to the microsecond, and the corrupted rows


def test_the_recompute_hands_back_each_changed_row_as_it_read_it(learning: Database) -> None:
    corrupt(learning)
    with unit_of_work(learning, dry_run=True) as work:
        catalog = work.catalog
        courses, pathways = [c.id for c in catalog.courses], [p.id for p in catalog.pathways]
        stored = {r.node_id: r for r in course_progress_rows(work.conn, ALICE, courses)}
        changes = work.recompute([ALICE, BOB], courses, pathways)[ALICE]  # two learners: the batch's reads
    assert stored and all(r.updated_at is not None for r in stored.values())
    moved = [c for c in changes if c.kind == "course"]
    assert moved and all(c.before == stored[c.node_id] for c in moved)  # updated_at included: the row as it was
    assert all(isinstance(c.before, StoredProgress) for c in changes)


def test_a_batch_reads_the_stored_rows_once_whatever_the_number_of_learners(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        stored = ("FROM enrollment", "FROM pathway_enrollment")
        # The stored rows as the batch reads them; the counters' repair after the run recounts by node (GROUP BY).
        row_read = "first_completed_at" in statement and "GROUP BY" not in statement.upper()
        if statement.lstrip().upper().startswith("SELECT") and row_read:
            reads.extend(table for table in stored if table in statement)

    event.listen(learning.engine, "before_cursor_execute", count)
    try:
        run = recalculate(learning, RecalcOptions(batch_size=10), tmp_path, "tester")
    finally:
        event.remove(learning.engine, "before_cursor_execute", count)
    assert run.total == 5 and run.rows_kept > 0
    assert sorted(reads) == ["FROM enrollment", "FROM pathway_enrollment"]  # one batch: each table read once


def test_a_run_leaves_older_objects_out_of_its_collections_and_the_collector_as_it_was(
    learning: Database, tmp_path: Path
) -> None:
    corrupt(learning)
    seen: list[int] = []
    recalculate(
        learning,
        RecalcOptions(batch_size=2),
        tmp_path,
        "tester",
        progress=lambda *_: seen.append(gc.get_freeze_count()),
    )
    assert seen and all(count > 0 for count in seen)  # during the run, what existed before it is not walked
    assert gc.get_freeze_count() == 0  # and afterwards it is collected as before
    gc.freeze()
    try:
        recalculate(learning, RecalcOptions(), tmp_path, "tester")
        assert gc.get_freeze_count() > 0  # someone else's freeze is theirs to undo (objects may die meanwhile)
    finally:
        gc.unfreeze()

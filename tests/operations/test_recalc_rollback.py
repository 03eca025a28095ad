"""Recalculate rollback: the previous stored values come back exactly; a learner who moved on is named or recomputed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.errors import Conflict, InvalidRequest
from learnapp.services.operations.recalc_rollback import rollback_recalculate
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.services.operations.runs import list_runs
from tests.conftest import ADMIN, ALICE, BOB
from tests.dbdump import dump
from tests.operations.conftest import AUDIT, corrupt
from tests.services.helpers import invariant_problems


def data(db: Database) -> list[str]:
    return dump(db, skip=AUDIT, counters=False)


def learner_of(line: str) -> int:
    """The learner of an enrollment row's dump line: "enrollment: (id, learner_id, ...)"."""
    return int(line.split("(", 1)[1].split(", ")[1])


def test_recalculate_then_rollback_gives_back_the_dump_of_before(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    before = data(learning)
    run = recalculate(learning, RecalcOptions(batch_size=2), tmp_path, "tester")
    assert run.updated == 5 and run.rows_kept > 0
    assert data(learning) != before and not invariant_problems(learning)
    rolled = rollback_recalculate(learning, run.run_id, "tester")
    assert data(learning) == before
    assert rolled.learners_restored == sorted(run.learners) and rolled.learners_recomputed == []
    newest = list_runs(learning)[0]
    assert (newest.kind, newest.status, newest.arguments["run"]) == ("recalc-rollback", "succeeded", run.run_id)
    with learning.engine.connect() as connection:
        restored = connection.execute(text("SELECT count(*) FROM progress_history WHERE action = 'restored'")).scalar()
    assert restored == rolled.rows_restored > 0  # each row put back is in its learner's history
    with pytest.raises(Conflict, match="already rolled back"):
        rollback_recalculate(learning, run.run_id, "tester")


def test_one_learner_rolled_back_at_a_time_ends_at_the_same_dump(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    before = data(learning)
    run = recalculate(learning, RecalcOptions(), tmp_path, "tester")
    rollback_recalculate(learning, run.run_id, "tester", learner_id=BOB)
    wrong = {p.split(" of learner ")[1].split(":")[0] for p in invariant_problems(learning)}
    assert wrong == {str(BOB)}  # only Bob's rows are back to what they were; the others stay repaired
    for learner in sorted(set(run.learners) - {BOB}):
        rollback_recalculate(learning, run.run_id, "tester", learner_id=learner)
    assert data(learning) == before


def test_a_learner_who_changed_since_is_named_and_nothing_is_restored(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    run = recalculate(learning, RecalcOptions(), tmp_path, "tester")
    record_completion(learning, BOB, "c1")  # Bob moved on: his old rows would overwrite this
    after_click = data(learning)
    with pytest.raises(Conflict, match="bob@example.com") as refused:
        rollback_recalculate(learning, run.run_id, "tester")
    assert refused.value.details == {"learners": ["bob@example.com"]}
    assert data(learning) == after_click
    assert list_runs(learning)[0].status == "refused"


def test_a_forced_rollback_recomputes_who_changed_so_stored_never_differs_from_the_facts(
    learning: Database, tmp_path: Path
) -> None:
    corrupt(learning)
    before = {line for line in data(learning) if line.startswith(("enrollment:", "pathway_enrollment:"))}
    run = recalculate(learning, RecalcOptions(), tmp_path, "tester")
    record_completion(learning, BOB, "c1")
    rolled = rollback_recalculate(learning, run.run_id, "tester", force=True)
    assert rolled.learners_recomputed == [BOB] and ALICE in rolled.learners_restored
    problems = invariant_problems(learning)
    assert not [p for p in problems if f" of learner {BOB}:" in p]  # Bob: from the facts, his click included
    assert {p.split(" of learner ")[1].split(":")[0] for p in problems} == {str(i) for i in rolled.learners_restored}
    restored = {line for line in data(learning) if line.startswith(("enrollment:", "pathway_enrollment:"))}
    assert {x for x in before if learner_of(x) != BOB} == {x for x in restored if learner_of(x) != BOB}
    with learning.engine.connect() as connection:
        kinds = connection.execute(
            text("SELECT learner_id, action FROM progress_history WHERE action IN ('restored', 'recomputed')")
        ).all()
    assert (BOB, "recomputed") in kinds and (ALICE, "restored") in kinds and (BOB, "restored") not in kinds


def test_a_dry_run_has_nothing_to_roll_back(learning: Database, tmp_path: Path) -> None:
    corrupt(learning)
    run = recalculate(learning, RecalcOptions(dry_run=True), tmp_path, "tester")
    assert run.rows_kept == 0
    with pytest.raises(InvalidRequest, match="dry run"):
        rollback_recalculate(learning, run.run_id, "tester")
    assert ADMIN in run.learners

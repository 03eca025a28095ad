"""--resume: an interrupted run goes on with its own scope and options, touching exactly the learners it would have."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.operations.recalculate import Interrupted, RecalcOptions, recalculate
from learnapp.services.operations.runs import list_runs
from tests.conftest import BOB
from tests.dbdump import dump
from tests.operations.conftest import corrupt

SCOPES = {
    "all": RecalcOptions(batch_size=1),
    "course": RecalcOptions(course="course-b", batch_size=1),
    "learner": RecalcOptions(learner_id=BOB, batch_size=1),
    "dry run": RecalcOptions(batch_size=1, dry_run=True),
}


@pytest.mark.parametrize("scope", SCOPES)
def test_a_resumed_run_touches_exactly_the_learners_the_original_would_have(
    learning: Database, tmp_path: Path, scope: str
) -> None:
    corrupt(learning)
    options = SCOPES[scope]
    # What the whole run would touch: the same options, run through in a dry run (which changes nothing).
    wanted = recalculate(learning, RecalcOptions(**{**options.__dict__, "dry_run": True}), tmp_path, "t").learners
    before = dump(learning, skip=("operation_run",))
    stop = 1 if scope != "learner" else 0  # one learner: stopped before its only batch
    with pytest.raises(Interrupted):
        recalculate(learning, options, tmp_path, "t", stop_after=stop)
    run_id = list_runs(learning)[0].id
    done = wanted[:stop]
    # Resumed as the CLI does, with today's defaults: the run's own scope and options must win.
    resumed = recalculate(learning, RecalcOptions(), tmp_path, "t", resume=run_id)
    assert resumed.run_id == run_id and resumed.dry_run == options.dry_run
    assert done + resumed.learners == wanted
    assert list_runs(learning)[0].status == "succeeded"
    if options.dry_run:
        assert dump(learning, skip=("operation_run",)) == before


def test_resuming_a_finished_run_is_refused(learning: Database, tmp_path: Path) -> None:
    from learnapp.services.errors import InvalidRequest

    run = recalculate(learning, RecalcOptions(), tmp_path, "t")
    with pytest.raises(InvalidRequest, match="already finished"):
        recalculate(learning, RecalcOptions(), tmp_path, "t", resume=run.run_id)

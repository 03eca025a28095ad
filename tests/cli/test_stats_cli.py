"""`learnapp stats verify`: exit 0 when every counter equals its recount, 1 with each difference; --repair fixes."""

from __future__ import annotations

from click.testing import CliRunner

from learnapp.cli import main
from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_pathway
from tests.conftest import ALICE


def test_verify_reports_a_drifted_counter_and_repair_recounts_it(cli_db: Database) -> None:
    enroll_pathway(cli_db, ALICE, "path")
    record_completion(cli_db, ALICE, "s1")
    runner = CliRunner()
    clean = runner.invoke(main, ["stats", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "equals its recount" in clean.output
    with cli_db.transaction() as conn:
        course = current_catalog(conn).course("course-b")
        assert course is not None
        lesson = next(x.id for x in course.lessons if x.slug == "s1")
        stats_counters.add(conn, {("course", course.id, f"l{lesson}", 5): -1})  # the funnel lost a learner
    drifted = runner.invoke(main, ["stats", "verify", "--course", "course-b"])
    assert drifted.exit_code == 1
    assert f"course course-b: l{lesson} is 0, recounted 1" in drifted.output
    assert runner.invoke(main, ["stats", "verify", "--repair"]).exit_code == 0
    assert runner.invoke(main, ["stats", "verify"]).exit_code == 0
    unknown = runner.invoke(main, ["stats", "verify", "--course", "nope"])
    assert unknown.exit_code == 1 and "Unknown course 'nope'" in unknown.output

"""`learnapp population`: generates learners on a migrated database with content, and refuses a seed twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.services.operations.population import generate_population
from learnapp.settings import get_settings
from tests.services.helpers import assert_stored_equals_recomputed


@pytest.fixture
def demo_db(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", empty_url)
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["demo"]).exit_code == 0
    yield empty_url
    get_settings.cache_clear()


def test_population_command_generates_and_reports(demo_db: str) -> None:
    result = CliRunner().invoke(main, ["population", "--learners", "30", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "30 learners" in result.output and "population-demo-2026" in result.output
    again = CliRunner().invoke(main, ["population", "--learners", "5", "--seed", "7"])
    assert again.exit_code == 1 and "seed 7 is already loaded" in again.output


def test_a_population_in_several_batches_has_exact_counts_and_every_counter_equals_its_recount(
    cli_db: Database,
) -> None:
    """What the command reports is what is stored, and the statistics counters it added recount exactly."""
    report = generate_population(cli_db, 45, seed=12, enrollments=3, batch=20)
    ids = {"lo": report.first_learner_id, "hi": report.last_learner_id}
    mine = "learner_id BETWEEN :lo AND :hi"
    with cli_db.snapshot() as conn:
        count = lambda sql: conn.execute(text(sql), ids).scalar()  # noqa: E731
        assert count("SELECT count(*) FROM learner WHERE id BETWEEN :lo AND :hi") == report.learners == 45
        assert count(f"SELECT count(*) FROM enrollment WHERE {mine}") == report.enrollments == 45 * 3
        assert count(f"SELECT count(*) FROM pathway_enrollment WHERE {mine}") == report.pathway_enrollments
        assert count(f"SELECT count(*) FROM lesson_completion WHERE {mine}") == report.completions > 0
    assert_stored_equals_recomputed(cli_db)
    verified = CliRunner().invoke(main, ["stats", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "equals its recount" in verified.output

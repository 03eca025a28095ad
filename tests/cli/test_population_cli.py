"""`learnapp population`: generates learners on a migrated database with content, and refuses a seed twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from learnapp.cli import main
from learnapp.settings import get_settings


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

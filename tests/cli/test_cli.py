"""The learnapp command line: migrate, import (with dry run), demo; clear errors and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.settings import ROOT, get_settings
from tests.services.helpers import dump


@pytest.fixture
def empty_db(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", empty_url)
    get_settings.cache_clear()
    database = Database(empty_url)
    yield database
    database.dispose()
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_db_upgrade_then_demo_twice_is_idempotent(empty_db: Database) -> None:
    assert run("db", "upgrade")[0] == 0
    code, output = run("demo")
    assert code == 0 and "learner@example.com" in output and "admin@example.com" in output
    first = dump(empty_db)
    code, output = run("demo")
    assert code == 0 and "content unchanged" in output
    assert dump(empty_db) == first


def test_content_import_dry_run_writes_nothing(empty_db: Database) -> None:
    run("db", "upgrade")
    before = dump(empty_db)
    code, output = run("content", "import", str(ROOT / "content"), "--dry-run")
    assert code == 0 and "dry run" in output and "lesson" in output
    assert dump(empty_db) == before


def test_invalid_content_exits_1_naming_the_problem_and_writes_nothing(empty_db: Database, tmp_path: Path) -> None:
    run("db", "upgrade")
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "x.yaml").write_text("courses:\n  - {slug: c, title: C, modules: [ghost]}\n")
    before = dump(empty_db)
    code, output = run("content", "import", str(folder))
    assert code == 1
    assert "x.yaml" in output and "course 'c'" in output and "unknown module 'ghost'" in output
    assert "nothing was written" in output
    assert dump(empty_db) == before


def test_create_user_refuses_a_duplicate_email(empty_db: Database) -> None:
    run("db", "upgrade")
    args = ("create-user", "--email", "new@example.com", "--name", "New", "--password", "long-enough-1")
    assert run(*args)[0] == 0
    code, output = run(*args)
    assert code == 1 and "already exists" in output


def test_recalculate_progress_import_rollback_export_and_runs_from_the_command_line(
    empty_db: Database, tmp_path: Path
) -> None:
    run("db", "upgrade")
    run("demo")
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(
        "email,pathway,module,completed_at\n"
        "admin@example.com,python-developer,py-http-and-apis,2026-02-01T09:00:00Z\n"
        "ghost@example.com,python-developer,py-http-and-apis,2026-02-01T09:00:00Z\n"
    )
    runs_dir = ("--runs-dir", str(tmp_path / "runs"))
    code, output = run("progress", "import", str(legacy), *runs_dir)
    assert code == 1 and "row 2" in output and "unknown learner" in output and "nothing written" in output
    code, output = run("progress", "import", str(legacy), "--keep-good", *runs_dir)
    assert code == 0 and "2 completions imported" in output  # py-http-and-apis has 2 countable lessons
    run_id = output.split("run ", 1)[1].split(":", 1)[0]
    code, output = run("progress", "export", "--learner", "admin@example.com", "--format", "json")
    assert code == 0 and '"lesson": "py-' in output
    code, output = run("progress", "rollback", run_id)
    assert code == 0 and "restored 1 learner" in output
    code, output = run("recalculate", "--dry-run", *runs_dir)
    assert code == 0 and "dry run" in output and "0 failed" in output
    code, output = run("runs")
    assert code == 0 and "progress-import" in output and "recalculate" in output

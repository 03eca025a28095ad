"""The operations commands: rollback and resume on the command line, runs show and prune, files tied to the database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.services.operations.runs import runs_folder
from tests.operations.conftest import corrupt


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), terminal_width=400)
    return result.exit_code, result.output


def run_id_of(output: str) -> str:
    return output.split("run ", 1)[1].split(":", 1)[0].split(" ")[0]


def test_resume_takes_no_other_option(cli_db: Database) -> None:
    code, output = run("recalculate", "--resume", "1", "--course", "course-a")
    assert code == 2 and "own scope and options" in output and "--course" in output
    code, output = run("recalculate", "--force")
    assert code == 2 and "--force goes with --rollback" in output


def test_recalculate_rollback_show_and_prune_from_the_command_line(cli_db: Database, learning: Database) -> None:
    corrupt(cli_db)
    code, output = run("recalculate")
    folder = runs_folder(cli_db)
    assert code == 0 and str(folder) in output.replace("\n", "")
    recalc = run_id_of(output)
    assert (folder / f"run-{recalc}" / "summary.json").is_file()
    code, output = run("recalculate", "--rollback", recalc, "--learner", "bob@example.com")
    assert code == 0 and "1 learner(s) restored" in output
    code, output = run("recalculate", "--rollback", recalc, "--learner", "bob@example.com")
    assert code == 1 and "already rolled back" in output
    code, output = run("runs", "show", recalc)
    assert code == 0 and "recalculate by" in output and "summary.json" in output
    assert "learners a rollback can restore: 5" in output
    code, output = run("runs")
    assert code == 0 and "recalc-rollback" in output and str(folder) in output.replace("\n", "")
    second = run_id_of(run("recalculate", "--dry-run")[1])
    code, output = run("runs", "prune", "--older-than", "0")
    # The first recalculate and rollback are pruned; the newest of each kind (the dry run, the refused one) kept.
    assert code == 0 and f"pruned run(s) {recalc}, {int(recalc) + 1}:" in output
    assert not (folder / f"run-{recalc}").exists() and (folder / f"run-{second}").exists()
    code, output = run("recalculate", "--rollback", recalc)
    assert code == 1 and f"Run {recalc} was pruned" in output
    code, output = run("runs", "show", "999")
    assert code == 1 and "No run 999" in output


def test_two_databases_keep_their_run_files_apart(db: Database, other_db: Database, tmp_path: Path) -> None:
    assert runs_folder(db) != runs_folder(other_db)
    if db.is_sqlite:  # beside the database file
        assert runs_folder(db).parent == Path(db.url.split("///", 1)[1]).resolve().parent
    assert runs_folder(Database("postgresql://u:secret@h/a")) != runs_folder(Database("postgresql://u:secret@h/b"))
    assert "secret" not in str(runs_folder(Database("postgresql://u:secret@h/a")))

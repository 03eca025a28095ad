"""CLI: operator commands for progress data (recalculate, legacy import and rollback, export, runs)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from learnapp.persistence.db import default_database
from learnapp.services.accounts import find_account
from learnapp.services.errors import LearnappError
from learnapp.services.operations import list_runs
from learnapp.services.recalculate import Interrupted, RecalcOptions, recalculate
from learnapp.settings import ROOT

console = Console()
RUNS_DIR = ROOT / "var" / "runs"


def bar() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def learner_id(email: str | None) -> int | None:
    if email is None:
        return None
    account = find_account(default_database(), email)
    if account is None:
        raise click.BadParameter(f"no learner with email {email}", param_hint="--learner")
    return account.id


@click.command("recalculate")
@click.option("--course", help="Only this course (slug).")
@click.option("--learner", "email", help="Only this learner (email).")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--dry-run", is_flag=True, help="Compute and report; commit nothing.")
@click.option("--skip-synced", is_flag=True, help="Skip learners unchanged since their last recalculation.")
@click.option("--resume", type=int, help="Continue an interrupted run by its id.")
@click.option("--runs-dir", type=click.Path(path_type=Path), default=RUNS_DIR, show_default=True)
def recalculate_command(
    course: str | None,
    email: str | None,
    batch_size: int,
    dry_run: bool,
    skip_synced: bool,
    resume: int | None,
    runs_dir: Path,
) -> None:
    """Recompute stored progress and completion flags from the facts and the current content."""
    options = RecalcOptions(course, learner_id(email), batch_size, dry_run, skip_synced)
    try:
        with bar() as progress:
            task = progress.add_task("recalculating", total=None)
            report = recalculate(
                default_database(),
                options,
                runs_dir,
                getpass.getuser(),
                resume,
                lambda done, total: progress.update(task, completed=done, total=total),
            )
    except (Interrupted, KeyboardInterrupt) as stop:
        console.print(f"[yellow]interrupted[/yellow] {stop}")
        sys.exit(130)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    mode = " (dry run: nothing written)" if report.dry_run else ""
    console.print(
        f"run {report.run_id}{mode}: {report.total} learners, {report.updated} updated, {report.unchanged} unchanged,"
        f" {report.skipped} skipped, {report.failed} failed, {report.rows_changed} rows changed"
        f" in {report.duration_seconds:.2f}s; files in {runs_dir / f'run-{report.run_id}'}"
    )
    sys.exit(1 if report.failed else 0)


@click.command("runs")
def runs_command() -> None:
    """List recorded operation runs: who, when, arguments, outcome."""
    table = Table("id", "kind", "who", "started", "status", "summary", title="operation runs")
    for run in list_runs(default_database()):
        shown = ("total", "updated", "failed", "rows", "error")
        short = ", ".join(f"{k}={str(v)[:80]}" for k, v in run.summary.items() if k in shown)
        table.add_row(str(run.id), run.kind, run.actor, run.started_at.strftime("%Y-%m-%d %H:%M:%S"), run.status, short)
    console.print(table)


@click.group("progress")
def progress_group() -> None:
    """Progress data: export."""


@progress_group.command("export")
@click.option("--learner", "email", help="Only this learner (email); default everyone.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write here instead of standard output.")
def export_command(email: str | None, fmt: str, output: Path | None) -> None:
    """Export per-learner course progress (JSON for one learner includes every completion)."""
    from learnapp.services.export import enrollment_rows, learner_data, to_csv, to_json

    learner = learner_id(email)
    db = default_database()
    if fmt == "csv":
        text = to_csv(enrollment_rows(db, learner))
    else:
        text = to_json(learner_data(db, learner) if learner is not None else enrollment_rows(db))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        console.print(f"wrote {output}")


@progress_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write no progress.")
@click.option("--keep-good", is_flag=True, help="Import the good rows even when some rows are rejected.")
@click.option("--learner", "email", help="Only this learner's rows.")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--runs-dir", type=click.Path(path_type=Path), default=RUNS_DIR, show_default=True)
def import_command(
    file: Path, dry_run: bool, keep_good: bool, email: str | None, batch_size: int, runs_dir: Path
) -> None:
    """Import a flat legacy export (CSV or JSON: email, pathway, module, completed_at[, lesson])."""
    import json
    from dataclasses import asdict

    from learnapp.services.legacy_import import import_progress

    try:
        with console.status("importing progress..."):
            report = import_progress(default_database(), file, getpass.getuser(), dry_run, keep_good, email, batch_size)
    except LearnappError as error:
        run = f" (run {error.details['run']} recorded as failed)" if isinstance(error.details, dict) else ""
        console.print(f"[red]{escape(error.message)}[/red]{run}", highlight=False)  # a file name is not markup
        sys.exit(1)
    folder = runs_dir / f"run-{report.run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "validation.json").write_text(json.dumps(asdict(report), indent=2, default=str))
    for rejected in report.rejected:
        console.print(f"[red]row {rejected['number']}[/red]: {rejected['reason']}")
    state = "written" if report.written else "nothing written"
    console.print(
        f"run {report.run_id}: {report.rows} rows, {report.imported} completions imported, "
        f"{report.already_present} already present, {len(report.rejected)} rejected, timestamp drift "
        f"{report.drift}, {report.learners} learners ({state}); report in {folder / 'validation.json'}"
    )
    sys.exit(1 if report.rejected and not report.written and not dry_run else 0)


@progress_group.command("rollback")
@click.argument("run_id", type=int)
@click.option("--learner", "email", help="Only this learner.")
@click.option("--force", is_flag=True, help="Roll back even learners who changed since the import.")
def rollback_command(run_id: int, email: str | None, force: bool) -> None:
    """Restore exactly the state before an import run (whole run or one learner)."""
    from learnapp.services.legacy_import import rollback_import

    try:
        restored = rollback_import(default_database(), run_id, getpass.getuser(), learner_id(email), force)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    console.print(f"restored {len(restored)} learner(s) to their state before run {run_id}")

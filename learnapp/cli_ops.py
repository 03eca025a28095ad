"""CLI: operator commands for progress data (recalculate, legacy import and rollback, export, runs)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from learnapp.persistence.db import default_database
from learnapp.services.accounts.learners import find_account
from learnapp.services.errors import LearnappError
from learnapp.services.operations.recalculate import Interrupted, RecalcOptions, recalculate
from learnapp.services.operations.runs import list_runs, runs_folder

console = Console()
RUNS_DIR_HELP = "Where run files go (default: a folder tied to the database, printed after the run)."


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


def runs_dir_or_default(runs_dir: Path | None) -> Path:
    return runs_dir if runs_dir is not None else runs_folder(default_database())


@click.command("recalculate")
@click.option("--course", help="Only this course (slug).")
@click.option("--learner", "email", help="Only this learner (email); with --rollback, roll back only them.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--dry-run", is_flag=True, help="Compute and report; commit nothing.")
@click.option("--skip-synced", is_flag=True, help="Skip learners unchanged since their last recalculation.")
@click.option("--resume", type=int, help="Continue an interrupted run by its id, with its own scope and options.")
@click.option("--rollback", type=int, help="Put back the stored progress a run changed (by its id).")
@click.option("--force", is_flag=True, help="With --rollback: recompute learners who changed since from the facts.")
@click.option("--runs-dir", type=click.Path(path_type=Path), default=None, help=RUNS_DIR_HELP)
@click.pass_context
def recalculate_command(
    context: click.Context,
    course: str | None,
    email: str | None,
    batch_size: int,
    dry_run: bool,
    skip_synced: bool,
    resume: int | None,
    rollback: int | None,
    force: bool,
    runs_dir: Path | None,
) -> None:
    """Recompute stored progress and completion flags from the facts and the current content."""
    given = {n for n in context.params if context.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE}
    if resume is not None and given - {"resume", "runs_dir"}:
        others = ", ".join(f"--{n.replace('_', '-')}" for n in sorted(given - {"resume", "runs_dir"}))
        raise click.UsageError(f"--resume continues the run with its own scope and options: drop {others}")
    if rollback is not None:
        if given - {"rollback", "email", "force"}:
            raise click.UsageError("--rollback takes only --learner and --force")
        _rollback_recalculate(rollback, email, force)
        return
    if force:
        raise click.UsageError("--force goes with --rollback")
    runs_dir = runs_dir_or_default(runs_dir)
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


def _rollback_recalculate(run_id: int, email: str | None, force: bool) -> None:
    from learnapp.services.operations.recalc_rollback import rollback_recalculate

    try:
        report = rollback_recalculate(default_database(), run_id, getpass.getuser(), learner_id(email), force)
    except LearnappError as error:
        console.print(f"[red]{escape(error.message)}[/red]", highlight=False)
        sys.exit(1)
    console.print(
        f"run {report.run_id}: rolled back recalculate run {run_id}: {report.rows_restored} stored row(s) of "
        f"{len(report.learners_restored)} learner(s) restored, {len(report.learners_recomputed)} learner(s) "
        "who changed since recomputed from the facts"
    )


@click.group("runs", invoke_without_command=True)
@click.pass_context
def runs_command(context: click.Context) -> None:
    """List recorded operation runs: who, when, arguments, outcome (show one, prune old ones)."""
    if context.invoked_subcommand is not None:
        return
    table = Table("id", "kind", "who", "started", "status", "summary", title="operation runs")
    for run in list_runs(default_database()):
        shown = ("total", "updated", "failed", "rows", "imported", "rejected", "rows_restored", "error", "pruned")
        short = ", ".join(f"{k}={str(v)[:80]}" for k, v in run.summary.items() if k in shown)
        table.add_row(str(run.id), run.kind, run.actor, run.started_at.strftime("%Y-%m-%d %H:%M:%S"), run.status, short)
    console.print(table)
    console.print(f"run files of this database: {runs_folder(default_database())}")


@runs_command.command("show")
@click.argument("run_id", type=int)
def runs_show(run_id: int) -> None:
    """A run's summary and files."""
    from learnapp.services.operations.runs import run_details

    try:
        details = run_details(default_database(), run_id)
    except LearnappError as error:
        console.print(f"[red]{escape(error.message)}[/red]")
        sys.exit(1)
    run = details.run
    finished = run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "not finished"
    console.print(
        f"run {run.id}: {run.kind} by {run.actor}, started {run.started_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"finished {finished}, status {run.status}",
        highlight=False,
        markup=False,
    )
    console.print(f"arguments: {json.dumps(run.arguments)}", highlight=False, markup=False)
    for key, value in run.summary.items():
        console.print(f"  {key}: {json.dumps(value, default=str)[:200]}", highlight=False, markup=False)
    if run.kind == "recalculate":
        console.print(f"learners a rollback can restore: {details.learners_undoable}")
    console.print(f"files in {run.folder}:" if details.files else "no files", highlight=False, markup=False)
    for name, size in details.files:
        console.print(f"  {name} ({size:,} bytes)", highlight=False, markup=False)


@runs_command.command("prune")
@click.option("--older-than", "days", type=click.IntRange(0, None), required=True, help="Age in days.")
def runs_prune(days: int) -> None:
    """Delete old runs' snapshots, kept values and files (never those of the newest run of each kind)."""
    from learnapp.services.operations.runs import prune_runs

    pruned = prune_runs(default_database(), days)
    listed = ", ".join(str(i) for i in pruned.runs) or "none"
    console.print(
        f"pruned run(s) {listed}: {pruned.rows} snapshot/kept row(s) and {pruned.folders} folder(s) deleted; "
        "they can no longer be rolled back"
    )


@click.group("progress")
def progress_group() -> None:
    """Progress data: export."""


@progress_group.command("export")
@click.option("--learner", "email", help="Only this learner (email); default everyone.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write here instead of standard output.")
def export_command(email: str | None, fmt: str, output: Path | None) -> None:
    """Export per-learner course progress (JSON for one learner includes every completion)."""
    from learnapp.services.operations.export import enrollment_rows, learner_data, to_csv, to_json

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
@click.option("--runs-dir", type=click.Path(path_type=Path), default=None, help=RUNS_DIR_HELP)
def import_command(
    file: Path, dry_run: bool, keep_good: bool, email: str | None, batch_size: int, runs_dir: Path | None
) -> None:
    """Import a flat legacy export (CSV or JSON: email, pathway, module, completed_at[, lesson])."""
    from learnapp.services.operations.legacy_import import import_progress

    runs_dir = runs_dir_or_default(runs_dir)
    try:
        with console.status("importing progress..."):
            report = import_progress(
                default_database(), file, getpass.getuser(), dry_run, keep_good, email, batch_size, runs_dir
            )
    except LearnappError as error:
        run = f" (run {error.details['run']} recorded as failed)" if isinstance(error.details, dict) else ""
        console.print(f"[red]{escape(error.message)}[/red]{run}", highlight=False)  # a file name is not markup
        sys.exit(1)
    folder = runs_dir / f"run-{report.run_id}"
    for rejected in report.rejected:
        console.print(f"[red]row {rejected['number']}[/red]: {rejected['reason']}")
    state = "written" if report.written else "nothing written"
    console.print(
        f"run {report.run_id}: {report.rows} rows, {report.imported} completions imported, "
        f"{report.already_present} already present, {len(report.rejected)} rejected, timestamp drift "
        f"{report.drift}, {report.learners} learners ({state}); every row's outcome in {folder / 'rows.csv'}, "
        f"per learner in {folder / 'learners.csv'}, all of it in {folder / 'report.json'}",
        highlight=False,
        markup=False,
    )
    sys.exit(1 if report.rejected and not report.written and not dry_run else 0)


@progress_group.command("rollback")
@click.argument("run_id", type=int)
@click.option("--learner", "email", help="Only this learner.")
@click.option("--force", is_flag=True, help="Roll back even learners who changed since the import.")
def rollback_command(run_id: int, email: str | None, force: bool) -> None:
    """Restore exactly the state before an import run (whole run or one learner)."""
    from learnapp.services.operations.legacy_import import rollback_import

    try:
        restored = rollback_import(default_database(), run_id, getpass.getuser(), learner_id(email), force)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    console.print(f"restored {len(restored)} learner(s) to their state before run {run_id}")

"""CLI entry point: `learnapp` commands for operators (migrate, import content, demo data)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from learnapp.cli_content import content_export
from learnapp.cli_integrations import xapi
from learnapp.cli_ops import progress_group, recalculate_command, runs_command
from learnapp.cli_stats import stats
from learnapp.persistence.db import default_database
from learnapp.services.content.apply import ImportReport, import_content
from learnapp.services.content.files import ContentError
from learnapp.services.errors import LearnappError
from learnapp.settings import get_settings

console = Console()


@click.group()
def main() -> None:
    """learnapp: progress tracking you can trust."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database (LEARNAPP_DATABASE_URL) to the latest schema."""
    from learnapp.persistence.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


@main.group()
def content() -> None:
    """Catalog content."""


@content.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report the impact; write nothing.")
def content_import(path: Path, dry_run: bool) -> None:
    """Validate and import content files atomically (all or nothing)."""
    try:
        with console.status("importing content..."):
            report = import_content(default_database(), path, dry_run=dry_run)
    except ContentError as error:
        for problem in error.problems:
            console.print(f"[red]error[/red] {problem}")
        console.print(f"[red]{len(error.problems)} problem(s); nothing was written.[/red]")
        sys.exit(1)
    _print_report(report)


@main.command()
def demo() -> None:
    """Load the demo catalog, the demo accounts and a demo learner's history (idempotent).

    With LEARNAPP_DEMO=false only the catalog is imported: no account with a published password is created.
    """
    from learnapp.services.operations.demo import DEMO_ACCOUNTS, load_demo

    settings = get_settings()
    if not settings.demo:
        with console.status("importing content..."):
            report = import_content(default_database(), settings.content_dir)
        _print_report(report)
        console.print("LEARNAPP_DEMO=false: catalog imported, no demo accounts created")
        return
    with console.status("loading demo data..."):
        report = load_demo(default_database(), settings.content_dir)
    _print_report(report)
    for email, _name, password, role in DEMO_ACCOUNTS:
        console.print(f"demo {role}: [bold]{email}[/bold] / [bold]{password}[/bold]")


@main.command("check-deployment")
def check_deployment() -> None:
    """Exit 1 with the reasons the app would refuse to start (a database not at this code's schema; a public origin
    with demo passwords or open /metrics)."""
    from learnapp.services.operations.deployment import deployment_problems, refusal

    problems = deployment_problems(default_database())
    if problems:
        console.print(refusal(problems), style="red", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    console.print("[green]deployment checks passed[/green]")


@main.command()
@click.option("--learners", default=2000, show_default=True, help="How many learners to generate.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same population.")
@click.option("--enrollments", default=5, show_default=True, help="Course enrollments per learner.")
@click.option("--days", default=90, show_default=True, help="Spread completions over this many past days.")
def population(learners: int, seed: int, enrollments: int, days: int) -> None:
    """Generate demo learners with varied, time-spread progress (for admin charts and benchmarks)."""
    from learnapp.cli_ops import bar as progress_bar
    from learnapp.services.operations.population import PASSWORD, generate_population

    try:
        with progress_bar() as bar:
            task = bar.add_task("generating learners", total=learners)
            report = generate_population(
                default_database(),
                learners,
                seed,
                enrollments,
                days,
                on_progress=lambda done, _: bar.update(task, completed=done),
            )
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    console.print(
        f"{report.learners:,} learners (ids {report.first_learner_id}–{report.last_learner_id}), "
        f"{report.enrollments:,} course and {report.pathway_enrollments:,} pathway enrollments, "
        f"{report.completions:,} lesson completions; each can log in with password [bold]{PASSWORD}[/bold]"
    )


@main.group()
def certificates() -> None:
    """Certificates."""


@certificates.command("issue")
def certificates_issue() -> None:
    """Render every certificate that is due now (the app's worker does this continuously)."""
    from learnapp.services.notices.certificates import issue_due

    total = 0
    with console.status("issuing certificates..."):
        while issued := issue_due(default_database()):
            total += issued
    console.print(f"issued {total} certificate(s)")


@main.command()
def housekeeping() -> None:
    """Purge ended sign-in sessions and client event ids past their retention (the app's worker does it hourly)."""
    from learnapp.domain.clock import utcnow
    from learnapp.services.operations.housekeeping import CLIENT_EVENT_RETENTION, purge

    purged = purge(default_database(), utcnow())
    console.print(
        f"purged {purged.sessions} ended session(s) and {purged.client_events} client event id(s) "
        f"older than {CLIENT_EVENT_RETENTION.days} days"
    )


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
@click.password_option()
def create_user(email: str, name: str, admin: bool, password: str) -> None:
    """Create a learner or an admin account."""
    from learnapp.services.accounts.learners import create_learner

    try:
        account = create_learner(default_database(), email, name, password, "admin" if admin else "learner")
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    console.print(f"created {account.role} {account.email} (id {account.id})")


@main.group()
def token() -> None:
    """API bearer tokens."""


@token.command("create")
@click.option("--email", required=True, help="The learner (or admin) the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'grading script'.")
@click.option("--expires-in-days", type=int, default=None, help="Stop working after N days (1-365); default: never.")
def token_create(email: str, name: str, expires_in_days: int | None) -> None:
    """Create a token and print it once: only its hash is stored (at most 20 active per account)."""
    from learnapp.services.accounts.learners import find_account
    from learnapp.services.accounts.tokens import create_token

    account = find_account(default_database(), email)
    if account is None:
        console.print(f"[red]No account with email {email}[/red]")
        sys.exit(1)
    try:
        created = create_token(default_database(), account.id, name, expires_in_days)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    console.print(f"token {created.token.id} '{created.token.name}' for {account.email} ({account.role})")
    expires = created.token.expires_at
    console.print(f"expires {expires:%Y-%m-%d %H:%M} UTC" if expires else "never expires")
    console.print("Copy it now, it will not be shown again:")
    click.echo(created.secret)


@token.command("list")
@click.option("--email", required=True, help="The account whose tokens to list.")
def token_list(email: str) -> None:
    """An account's tokens (never their secrets): created, last used, expires, state."""
    from learnapp.services.accounts.learners import find_account
    from learnapp.services.accounts.tokens import list_tokens

    account = find_account(default_database(), email)
    if account is None:
        console.print(f"[red]No account with email {email}[/red]")
        sys.exit(1)
    table = Table(title=f"API tokens of {account.email} (times in UTC)")
    for column in ("id", "name", "prefix", "created", "last used", "expires", "state"):
        table.add_column(column)
    for view in list_tokens(default_database(), account.id):
        state = "revoked" if view.revoked_at else "expired" if view.expired else "active"
        table.add_row(
            str(view.id),
            view.name,
            view.prefix,
            _minute(view.created_at),
            _minute(view.last_used_at) or "never",
            _minute(view.expires_at) or "never",
            state,
        )
    console.print(table)


def _minute(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (it stops working at once)."""
    from learnapp.services.accounts.tokens import revoke_token

    try:
        revoked = revoke_token(default_database(), token_id)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    console.print(f"revoked token {revoked.id} '{revoked.name}'")


def _print_report(report: ImportReport) -> None:
    table = Table(title="content import" + (" (dry run: nothing written)" if report.dry_run else ""))
    for column in ("kind", "created", "updated", "retired"):
        table.add_column(column)
    for kind in sorted(set(report.created) | set(report.updated) | set(report.retired)):
        table.add_row(kind, str(report.created[kind]), str(report.updated[kind]), str(report.retired[kind]))
    console.print(table if report.changed else "content unchanged: nothing to do")
    if report.changed:
        console.print(
            f"courses changed: {', '.join(report.changed_courses) or 'none'}; "
            f"learners dropping below 100%: {report.learners_dropping}; gaining 100%: {report.learners_gaining}; "
            f"completed enrollments reopened: {report.completions_reopened} (certificates are never revoked); "
            f"stored progress rows recomputed: {report.progress_rows_changed}"
        )


content.add_command(content_export)
main.add_command(recalculate_command)
main.add_command(runs_command)
main.add_command(progress_group)
main.add_command(xapi)
main.add_command(stats)

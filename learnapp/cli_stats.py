"""CLI: `learnapp stats verify` checks the admin statistics counters against a recount of the stored rows."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from learnapp.persistence.db import default_database
from learnapp.services.errors import LearnappError
from learnapp.services.stats_verify import verify

console = Console()


@click.group()
def stats() -> None:
    """The counters behind the admin statistics."""


@stats.command("verify")
@click.option("--course", "course", help="Only this course (slug); every course and pathway otherwise.")
def stats_verify(course: str | None) -> None:
    """Recount every counter from the stored rows and facts; list each one that differs (exit 1 if any)."""
    try:
        with console.status("recounting..."):
            checked, differences = verify(default_database(), course)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    for d in differences:
        console.print(f"{d.kind} {d.slug}: {d.counter} is {d.stored}, recounted {d.recounted}", markup=False)
    if differences:
        repair = "`learnapp recalculate` repairs them"
        console.print(f"[red]{len(differences)} counter(s) differ in {checked} node(s): {repair}[/red]")
        sys.exit(1)
    console.print(f"every counter of {checked} node(s) equals its recount")

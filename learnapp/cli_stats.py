"""CLI: `learnapp stats verify` checks the admin statistics counters against a recount of the stored rows."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from learnapp.persistence.db import default_database
from learnapp.services.admin.stats_verify import repair, verify
from learnapp.services.errors import LearnappError

console = Console()


@click.group()
def stats() -> None:
    """The counters behind the admin statistics."""


@stats.command("verify")
@click.option("--course", "course", help="Only this course (slug); every course and pathway otherwise.")
@click.option("--repair", "fix", is_flag=True, help="Then replace every counter that differs by its recount.")
def stats_verify(course: str | None, fix: bool) -> None:
    """Recount every counter from the stored rows and facts; list each one that differs (exit 1 if any)."""
    try:
        with console.status("recounting..."):
            checked, differences = verify(default_database(), course)
    except LearnappError as error:
        console.print(f"[red]{error.message}[/red]")
        sys.exit(1)
    for d in differences:
        console.print(f"{d.kind} {d.slug}: {d.counter} is {d.stored}, recounted {d.recounted}", markup=False)
    if not differences:
        console.print(f"every counter of {checked} node(s) equals its recount")
        return
    if fix:
        with console.status("repairing..."):
            repair(default_database(), sorted({d.node for d in differences}))
        console.print(f"{len(differences)} counter(s) differed in {checked} node(s): recounted")
        return
    advice = "`learnapp recalculate` or `learnapp stats verify --repair` repairs them"
    console.print(f"[red]{len(differences)} counter(s) differ in {checked} node(s): {advice}[/red]")
    sys.exit(1)

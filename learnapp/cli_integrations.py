"""CLI: outbound integrations: `learnapp xapi backfill` replays the outbox to a (new) Learning Record Store."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from rich.console import Console

from learnapp.persistence.db import default_database
from learnapp.services.errors import LearnappError
from learnapp.services.integrations.xapi import backfill

console = Console()


@click.group()
def xapi() -> None:
    """xAPI statements to the LRS at LEARNAPP_XAPI_URL."""


@xapi.command("backfill")
@click.option("--since", help="Only events from this day or time on (YYYY-MM-DD, or ISO 8601; UTC unless zoned).")
def xapi_backfill(since: str | None) -> None:
    """Send every statement of the outbox (since DATE) to the LRS now; ids are stable, so a repeat is harmless."""
    try:
        start = _moment(since) if since else None
        with console.status("sending statements...") as status:
            report = backfill(default_database(), start, lambda n: status.update(f"sent {n} statement(s)..."))
    except (LearnappError, ValueError) as error:
        console.print(f"[red]{getattr(error, 'message', error)}[/red]")
        sys.exit(1)
    console.print(
        f"{report.queued} statement(s) built, {report.requeued} queued again, {report.sent} accepted by the LRS, "
        f"{report.failed} failed (see the xapi_statement table's last_error)"
    )
    sys.exit(1 if report.failed else 0)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"--since: not a date or ISO 8601 time: {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

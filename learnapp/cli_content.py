"""CLI: `learnapp content export` writes the published catalog as a content file that imports unchanged."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from learnapp.persistence.db import default_database
from learnapp.services.content.export import write_export

console = Console()


@click.command("export")
@click.argument("target", type=click.Path(path_type=Path))
def content_export(target: Path) -> None:
    """Write the published catalog to TARGET: a file, or a folder (as catalog.yaml in it)."""
    if not target.is_dir() and not target.parent.is_dir():
        raise click.BadParameter(f"folder {target.parent} does not exist", param_hint="TARGET")
    written = write_export(default_database(), target)
    console.print(f"catalog written to {written} (import it with `learnapp content import {written}`)")

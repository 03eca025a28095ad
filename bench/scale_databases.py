"""Benchmark support: bench.scale's databases (10,000 learners and N), built once in a folder, measured later.

Building a million learners takes long enough that the build and the measures are separate phases: the measures
then run on the code of their own moment, both databases back to back under the same load. The 10,000-learner
database is a copy of the large one taken when it had 10,000 learners (seed 1); seed 2 then adds the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bench.completion import console
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.content.apply import import_content
from learnapp.services.operations.population import PopulationReport, generate_population
from learnapp.settings import ROOT
from tests.backing import _as_server_user, _hand_over, _run, create_database, pg_bin, pg_socket_options, pg_socket_url

BASE = 10_000
NAMES = {"base": "scale_base", "large": "scale_large"}


@contextmanager
def kept_postgres(folder: Path) -> Iterator[str]:
    """A cluster whose data stays in `folder` between runs (durability off, as the tests' clusters); yields the
    admin URL. Made on first use, started and stopped by each run."""
    data, log = folder / "data", folder / "server.log"
    if not data.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _hand_over(folder)
        _run(_as_server_user([pg_bin("initdb"), "-D", str(data), "-U", "learnapp", "--auth=trust", "-E", "UTF8"]))
    options = f"{pg_socket_options(folder)} -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    _run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]))
    try:
        yield pg_socket_url(folder)
    finally:
        subprocess.run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True)


@contextmanager
def urls(kind: str, folder: Path) -> Iterator[dict[str, str]]:
    """The two databases' URLs (existing or not yet), the PostgreSQL cluster running meanwhile."""
    if kind == "sqlite":
        (folder / "sqlite").mkdir(parents=True, exist_ok=True)
        yield {size: f"sqlite:///{folder / 'sqlite' / f'{name}.db'}" for size, name in NAMES.items()}
        return
    with kept_postgres(folder / "pg") as admin:
        yield {size: pg_socket_url(folder / "pg", name) for size, name in NAMES.items()} | {"admin": admin}


def bar_columns() -> tuple[ProgressColumn, ...]:
    """A population's progress bar: what, how far, how long, how much longer."""
    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )


def grow(db: Database, learners: int, seed: int) -> tuple[float, PopulationReport]:
    """Add `learners` to the population, then settle; returns the population's seconds and its report."""
    started = time.perf_counter()
    with Progress(*bar_columns(), console=console) as bar:
        task = bar.add_task(f"population +{learners:,}", total=learners)
        report = generate_population(db, learners, seed=seed, on_progress=lambda n, _: bar.update(task, completed=n))
    seconds = time.perf_counter() - started
    settle(db)
    settled = time.perf_counter() - started - seconds
    console.print(
        f"  +{report.learners:,} learners, {report.completions:,} completions in {seconds:.0f} s"
        f" (load {os.getloadavg()[0]:.1f}), then settled in {settled:.0f} s"
    )
    return seconds, report


def settle(db: Database) -> None:
    """After a bulk load, the state a running database reaches on its own before the figures are taken.

    PostgreSQL: statistics and the visibility map (autovacuum's work on a table this size; index-only scans need
    the map), then a checkpoint so its writes do not land in the measures. SQLite: the WAL copied back and emptied.
    """
    if db.is_sqlite:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
        conn.exec_driver_sql("CHECKPOINT")


def build(kind: str, folder: Path, learners: int) -> dict[str, Any]:
    """Both databases from nothing; what was built (reports, seconds, load) is kept in the folder too."""
    with urls(kind, folder) as where:
        if kind == "sqlite":
            for path in (folder / "sqlite").glob("scale_*"):
                path.unlink()
        else:
            create_database(where["admin"], NAMES["large"])
        upgrade(where["large"])
        db = Database(where["large"])
        import_content(db, ROOT / "content")
        base_seconds, base = grow(db, BASE, seed=1)
        base_load = os.getloadavg()
        db.dispose()
        _copy(kind, where, folder)
        db = Database(where["large"])
        rest_seconds, rest = grow(db, learners - BASE, seed=2)
        db.dispose()
    built = {
        "kind": kind,
        "learners": learners,
        "reports": {"base": asdict(base), "large": asdict(rest)},
        "build_seconds": {str(BASE): round(base_seconds, 1), str(learners): round(rest_seconds, 1)},
        "load_average_after_build": {str(BASE): base_load, str(learners): os.getloadavg()},
    }
    (folder / f"built-{kind}.json").write_text(json.dumps(built, indent=2) + "\n")
    return built


def _copy(kind: str, where: dict[str, str], folder: Path) -> None:
    """The 10,000-learner database: a copy of the large one as it is now."""
    if kind == "sqlite":
        shutil.copyfile(folder / "sqlite" / f"{NAMES['large']}.db", folder / "sqlite" / f"{NAMES['base']}.db")
        return
    create_database(where["admin"], NAMES["base"], template=NAMES["large"])


def built(kind: str, folder: Path) -> dict[str, Any]:
    found = json.loads((folder / f"built-{kind}.json").read_text())
    found["reports"] = {size: PopulationReport(**report) for size, report in found["reports"].items()}
    return found

"""Services: the record of operation runs: where their files live, what one run did, and pruning old ones."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from learnapp.domain.clock import utcnow
from learnapp.persistence import recalc_undo, runs, snapshots
from learnapp.persistence.db import Database, address
from learnapp.services.errors import InvalidRequest, NotFound
from learnapp.settings import ROOT


def list_runs(db: Database, limit: int = 50) -> list[runs.Run]:
    with db.snapshot() as conn:
        return runs.list_runs(conn, limit)


def runs_folder(db: Database) -> Path:
    """Where this database's run files go: beside a SQLite file, else under var/runs/<name>-<digest of the URL>.

    Tied to the database so that two databases (tests, staging) never write each other's run-1.
    """
    where = address(db.url)
    if where.sqlite_file is not None:
        database = Path(where.sqlite_file).resolve()
        return database.with_name(f"{database.name}-runs")
    digest = hashlib.sha256(where.shown.encode()).hexdigest()[:12]
    return ROOT / "var" / "runs" / f"{where.name or 'memory'}-{digest}"


@dataclass(frozen=True)
class RunDetails:
    run: runs.Run
    files: list[tuple[str, int]]  # name, bytes
    learners_undoable: int  # recalculate: learners whose previous rows are kept (a rollback can restore them)


def run_details(db: Database, run_id: int) -> RunDetails:
    with db.snapshot() as conn:
        run = runs.get_run(conn, run_id)
        if run is None:
            raise NotFound(f"No run {run_id}")
        undoable = recalc_undo.learners_kept(conn, run_id) if run.kind == "recalculate" else 0
    folder = Path(run.folder) if run.folder else None
    files = (
        sorted((f.name, f.stat().st_size) for f in folder.iterdir() if f.is_file())
        if folder and folder.is_dir()
        else []
    )
    return RunDetails(run, files, undoable)


@dataclass(frozen=True)
class Pruned:
    runs: list[int]
    rows: int  # snapshot and kept-value rows deleted
    folders: int


def prune_runs(db: Database, older_than_days: int, now: datetime | None = None) -> Pruned:
    """Delete the snapshots, kept values and files of runs started more than N days ago.

    Never those of the newest run of each kind, whatever its age; the runs' records stay (who, when, outcome).
    """
    if older_than_days < 0:
        raise InvalidRequest("--older-than must be 0 or more days")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    with db.transaction() as conn:
        keep = runs.newest_of_each_kind(conn)
        old = [r for r in runs.started_before(conn, cutoff) if r.id not in keep and r.summary.get("pruned") is None]
        ids = [r.id for r in old]
        rows = (snapshots.forget(conn, ids) + recalc_undo.forget(conn, ids)) if ids else 0
        for run in old:
            runs.update_run(conn, run.id, summary={**run.summary, "pruned": utcnow().isoformat()}, folder="")
    folders = 0
    for run in old:
        if run.folder and Path(run.folder).is_dir():
            shutil.rmtree(run.folder)
            folders += 1
    return Pruned(ids, rows, folders)

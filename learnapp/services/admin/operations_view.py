"""Services: operation runs as the admin's Operations page shows them (scope, counts, files), and a run's file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from learnapp.persistence import admin_learners
from learnapp.persistence.db import Database
from learnapp.persistence.runs import Run
from learnapp.services.errors import NotFound
from learnapp.services.operations.runs import list_runs, run_details

KINDS = {
    "recalculate": "Recalculate",
    "recalc-rollback": "Recalculate rollback",
    "progress-import": "Progress import",
    "progress-rollback": "Import rollback",
}
# The summary's figures worth showing, in the order shown, with their words (one, many).
COUNTS = (
    ("total", "learner", "learners"),
    ("updated", "updated", "updated"),
    ("unchanged", "unchanged", "unchanged"),
    ("skipped", "skipped", "skipped"),
    ("failed", "failed", "failed"),
    ("rows_changed", "row changed", "rows changed"),
    ("rows_kept", "row kept for rollback", "rows kept for rollback"),
    ("rows", "row", "rows"),
    ("imported", "imported", "imported"),
    ("already_present", "already present", "already present"),
    ("rejected", "rejected", "rejected"),
    ("learners", "learner", "learners"),
    ("rows_restored", "row restored", "rows restored"),
    ("learners_restored", "learner restored", "learners restored"),
    ("learners_recomputed", "learner recomputed", "learners recomputed"),
    ("restored", "learner restored", "learners restored"),
    ("forced", "forced", "forced"),
)
MEDIA = {".json": "application/json", ".csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class RunFile:
    name: str
    size: int


@dataclass(frozen=True)
class RunRow:
    id: int
    kind: str  # as stored: recalculate, recalc-rollback, progress-import, progress-rollback
    label: str  # in words
    actor: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    dry_run: bool
    scope: str
    counts: list[tuple[str, int]]
    error: str  # why a run failed or was refused; empty otherwise
    pruned: bool
    files: list[RunFile]


def operation_runs(db: Database, limit: int = 50) -> list[RunRow]:
    """The latest runs, newest first, with what each covered, its figures and the files it left."""
    found = list_runs(db, limit)
    emails = _emails(db, {i for run in found if (i := _learner_id(run)) is not None})
    return [_row(run, emails, _files(run)) for run in found]


def run_file(db: Database, run_id: int, name: str) -> tuple[Path, str]:
    """A file of a run's folder, by its exact name (one listed there, never a path), and its media type."""
    details = run_details(db, run_id)  # NotFound for an unknown run
    if name not in {listed for listed, _size in details.files}:
        raise NotFound(f"Run {run_id} has no file {name!r}")
    folder = Path(details.run.folder).resolve()
    path = (folder / name).resolve()
    if path.parent != folder:  # a link out of the run's folder is not one of its files
        raise NotFound(f"Run {run_id} has no file {name!r}")
    return path, MEDIA.get(path.suffix, "application/octet-stream")


def _files(run: Run) -> list[RunFile]:
    folder = Path(run.folder) if run.folder else None
    if folder is None or not folder.is_dir():
        return []
    return sorted((RunFile(f.name, f.stat().st_size) for f in folder.iterdir() if f.is_file()), key=lambda f: f.name)


def _learner_id(run: Run) -> int | None:
    """The one learner a run was limited to: recalculate's learner_id, a rollback's learner (imports name an email)."""
    value = run.arguments.get("learner_id", run.arguments.get("learner"))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _who(learner: int, emails: dict[int, str]) -> str:
    return emails.get(learner, f"#{learner}")


def _emails(db: Database, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with db.snapshot() as conn:
        return admin_learners.emails(conn, ids)


def _row(run: Run, emails: dict[int, str], files: list[RunFile]) -> RunRow:
    summary = run.summary
    error = summary.get("error")
    return RunRow(
        id=run.id,
        kind=run.kind,
        label=KINDS.get(run.kind, run.kind),
        actor=run.actor,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        dry_run=bool(run.arguments.get("dry_run")),
        scope=scope_of(run, emails),
        counts=[_counted(summary[key], one, many) for key, one, many in COUNTS if key in summary],
        error=str(error) if error else "",
        pruned="pruned" in summary,
        files=files,
    )


def _counted(value: Any, one: str, many: str) -> tuple[str, int]:
    """(words, figure): the figure, or the length of a list of learners (the rollbacks keep their ids)."""
    if isinstance(value, bool):
        figure = int(value)
    elif isinstance(value, int):
        figure = value
    else:
        figure = len(value) if isinstance(value, list) else 0
    return (one if figure == 1 else many), figure


def scope_of(run: Run, emails: dict[int, str]) -> str:
    """What the run covered and how, from its stored arguments, in words."""
    a = run.arguments
    parts: list[str] = []
    if run.kind == "recalculate":
        learner = a.get("learner_id")
        if isinstance(learner, int):
            parts.append(f"learner {_who(learner, emails)}")
        parts.append(f"course {a['course']}" if a.get("course") else "" if parts else "every learner")
        parts.append(f"batches of {a.get('batch_size', '?')}")
        if a.get("skip_synced"):
            parts.append("skipping synced learners")
    elif run.kind in ("recalc-rollback", "progress-rollback"):
        parts.append(f"of run {a.get('run', '?')}")
        if isinstance(a.get("learner"), int):
            parts.append(f"learner {_who(a['learner'], emails)}")
        if a.get("force"):
            parts.append("forced")
    elif run.kind == "progress-import":
        parts.append(f"file {Path(str(a.get('file', '?'))).name}")
        if a.get("learner"):
            parts.append(f"only {a['learner']}")
        if a.get("keep_good"):
            parts.append("keeping good rows")
    else:
        parts += [f"{k} {v}" for k, v in a.items()]
    if a.get("dry_run"):
        parts.append("dry run")
    return ", ".join(p for p in parts if p)

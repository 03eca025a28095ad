"""Services: recalculate (backfill) stored progress from the facts, in committed batches, resumable."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog
from learnapp.metrics import ERRORS, RECALCULATE_BATCH_SECONDS
from learnapp.persistence import recalc_undo, runs
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.services.admin.stats_verify import repair_recalculated
from learnapp.services.engine.refresh import ProgressChange, log_changes
from learnapp.services.engine.unit_of_work import UnitOfWork, unit_of_work
from learnapp.services.errors import InvalidRequest, NotFound

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RecalcOptions:
    course: str | None = None
    learner_id: int | None = None
    batch_size: int = 500
    dry_run: bool = False
    skip_synced: bool = False


@dataclass
class RecalcReport:
    run_id: int
    dry_run: bool
    total: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    rows_changed: int = 0
    duration_seconds: float = 0.0
    rows_kept: int = 0  # previous values kept for a rollback (none in a dry run: it wrote nothing)
    changes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    learners: list[int] = field(default_factory=list)  # every learner this invocation recomputed, in order


class Interrupted(Exception):
    """Raised to stop a run between batches (tests, signals); the committed batches stay done."""


def recalculate(
    db: Database,
    options: RecalcOptions,
    runs_dir: Path,
    actor: str,
    resume: int | None = None,
    progress: Progress | None = None,
    stop_after: int | None = None,
) -> RecalcReport:
    """Recompute the learners in scope, batch by batch; resumed, the run goes on with its own stored options."""
    started = time.perf_counter()
    with db.transaction() as conn:
        run_id, cursor, options = _open_run(conn, options, actor, resume)
        catalog = current_catalog(conn)
        courses, pathways = _scope(catalog, options)
        learners = _learners(conn, options, courses, cursor)
    report = RecalcReport(run_id, options.dry_run, total=len(learners))
    with _older_objects_left_alone():
        for number, start in enumerate(range(0, len(learners), options.batch_size)):
            if stop_after is not None and number >= stop_after:
                _close(db, report, runs_dir, started, "interrupted")
                raise Interrupted(f"run {run_id} stopped after {number} batches; resume with --resume {run_id}")
            batch = learners[start : start + options.batch_size]
            _batch(db, catalog, batch, courses, pathways, options, report)
            if progress:
                progress(min(start + len(batch), len(learners)), len(learners))
        if not options.dry_run:
            # The batches moved the counters by what they changed; a recount of what stored rows feed also repairs
            # counters that drifted from the rows (rows written outside the engine), one learner's nodes included.
            whole_site = options.course is None and options.learner_id is None
            repair_recalculated(db, courses, pathways, options.learner_id, whole_site)
        _close(db, report, runs_dir, started, "succeeded")
    return report


@contextmanager
def _older_objects_left_alone() -> Iterator[None]:
    """The run's garbage collections skip every object that existed before it (modules, caches, the catalog).

    None of them is the run's garbage, yet each full collection walked them all: a fifth of a large run's time.
    Unfrozen afterwards, so they are collected as before; left as is when something else froze the heap already.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _open_run(
    conn: Connection, options: RecalcOptions, actor: str, resume: int | None
) -> tuple[int, int, RecalcOptions]:
    if resume is None:
        return runs.start_run(conn, "recalculate", actor, asdict(options)), 0, options
    run = runs.get_run(conn, resume)
    if run is None or run.kind != "recalculate":
        raise NotFound(f"No recalculate run {resume}")
    if run.status == "succeeded":
        raise InvalidRequest(f"Run {resume} already finished; nothing to resume")
    runs.update_run(conn, resume, status="running")
    # The run's own scope and options, never today's: a course run resumed stays a course run, a dry run dry.
    known = {f.name for f in fields(RecalcOptions)}
    return resume, run.cursor, RecalcOptions(**{k: v for k, v in run.arguments.items() if k in known})


def _scope(catalog: Catalog, options: RecalcOptions) -> tuple[list[int], list[int]]:
    if options.course is None:
        return [c.id for c in catalog.courses], [p.id for p in catalog.pathways]
    course = catalog.course(options.course)
    if course is None:
        raise NotFound(f"Unknown course '{options.course}'")
    return [course.id], [p.id for p in catalog.pathways_containing(course.id)]


def _learners(conn: Connection, options: RecalcOptions, courses: list[int], cursor: int) -> list[int]:
    if options.learner_id is not None:
        return [options.learner_id] if options.learner_id > cursor else []
    ids = runs.enrolled_learners(conn, courses, every_pathway=options.course is None)
    return sorted(i for i in ids if i > cursor)


@RECALCULATE_BATCH_SECONDS.time()
def _batch(
    db: Database,
    catalog: Catalog,
    batch: list[int],
    courses: list[int],
    pathways: list[int],
    options: RecalcOptions,
    report: RecalcReport,
) -> None:
    """One unit of work per batch: learners are never locked for long; a dry run rolls it back."""
    with unit_of_work(db, dry_run=options.dry_run) as work:
        # Before the savepoints below: a lock taken inside one would be released by its rollback.
        work.lock(batch)
        synced = runs.synced_learners(work.conn, batch, catalog.version) if options.skip_synced else set()
        report.skipped += len(synced)
        todo = [i for i in batch if i not in synced]
        if not options.dry_run:  # each learner's recalculation mark as it was (a dry run keeps nothing)
            report.rows_kept += recalc_undo.keep_marks(work.conn, report.run_id, todo)
        found = _recompute(work, catalog, todo, courses, pathways, report)
        runs.mark_synced(work.conn, todo, catalog.version)
        report.learners += todo
        if not options.dry_run:
            # The previous value of every row this batch changed, committed with it: the run can be rolled back.
            changed = [(i, c.kind, c.before) for i, moved in found.items() for c in moved if c.before]
            report.rows_kept += recalc_undo.keep_rows(work.conn, report.run_id, changed, work.versions)
            runs.update_run(work.conn, report.run_id, cursor=batch[-1])
    if options.dry_run:  # the unit rolled back: the cursor is kept on its own, so a dry run resumes too
        with db.transaction() as conn:
            runs.update_run(conn, report.run_id, cursor=batch[-1])


def _recompute(
    work: UnitOfWork,
    catalog: Catalog,
    learners: list[int],
    courses: list[int],
    pathways: list[int],
    report: RecalcReport,
) -> dict[int, list[ProgressChange]]:
    started = time.perf_counter()
    try:
        with work.savepoint():
            found = work.recompute(learners, courses, pathways, catalog=catalog)
    except Exception:  # find the learner at fault: redo this batch one learner at a time
        return {i: _one(work, catalog, i, courses, pathways, report) for i in learners}
    for learner_id in learners:
        _count(report, learner_id, found[learner_id], started)
    return found


def _one(
    work: UnitOfWork, catalog: Catalog, learner_id: int, courses: list[int], pathways: list[int], report: RecalcReport
) -> list[ProgressChange]:
    started = time.perf_counter()
    try:
        with work.savepoint():
            changes = work.recompute([learner_id], courses, pathways, catalog=catalog)[learner_id]
    except Exception as error:  # one bad learner must not stop the run: it is reported and skipped
        ERRORS.labels("recalculate_learner").inc()
        report.failed += 1
        report.failures.append({"learner": learner_id, "error": f"{type(error).__name__}: {error}"})
        return []
    _count(report, learner_id, changes, started)
    return changes


def _count(report: RecalcReport, learner_id: int, changes: list[ProgressChange], started: float) -> None:
    if not changes:
        report.unchanged += 1
        return
    report.updated += 1
    report.rows_changed += len(changes)
    report.changes += [
        {
            "learner": learner_id,
            "node": f"{c.kind}:{c.slug}",
            # Tuples (JSON lists all the same): a run keeps tens of thousands of these, and entries of atoms only
            # drop out of the garbage collector's passes instead of being walked by every one of them.
            "percent": (c.before_percent, c.after_percent),
            "complete": (c.before_complete, c.after_complete),
        }
        for c in changes
    ]
    log_changes("progress recalculated", learner_id, None, changes, started)


_LISTS = ("changes", "failures", "learners")


def _close(db: Database, report: RecalcReport, runs_dir: Path, started: float, status: str) -> None:
    report.duration_seconds = round(time.perf_counter() - started, 3)
    folder = runs_dir / f"run-{report.run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    # Not asdict(report): it would deep-copy every change just to drop them.
    summary = {f.name: getattr(report, f.name) for f in fields(report) if f.name not in _LISTS}
    summary["status"] = status
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    # One change per line: readable, greppable, and far cheaper to write than an indented document.
    (folder / "changes.json").write_text("[\n" + ",\n".join(json.dumps(c) for c in report.changes) + "\n]\n")
    (folder / "failures.json").write_text(json.dumps(report.failures, indent=2))
    with db.transaction() as conn:
        finished = utcnow() if status == "succeeded" else None
        runs.update_run(conn, report.run_id, status=status, summary=summary, folder=str(folder), finished_at=finished)

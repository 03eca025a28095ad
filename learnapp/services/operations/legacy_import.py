"""Services: import flat legacy progress into the hierarchy, with snapshots, a validation report and rollback."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog
from learnapp.persistence import legacy_progress, runs, snapshots
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.facts import done_ids, get_completion, history_entry, insert_completion
from learnapp.services.engine.unit_of_work import UnitOfWork, unit_of_work
from learnapp.services.errors import Conflict, NotFound
from learnapp.services.operations.legacy_report import LearnerSummary, RowOutcome, outcome_of, summarize, write_files
from learnapp.services.operations.legacy_rows import LegacyRow, MalformedFile, Rejection, check_row, read_rows


@dataclass
class ImportReport:
    run_id: int
    dry_run: bool
    rows: int = 0
    imported: int = 0  # facts created
    already_present: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    learners: int = 0
    drift: int = 0  # stored times that differ from the source: must be 0
    outcome: str = "imported"  # or "refused" (rejected rows without keep_good): the same in a dry run
    outcomes: list[RowOutcome] = field(default_factory=list)  # every source row, in file order
    per_learner: list[LearnerSummary] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and self.outcome == "imported"


def import_progress(
    db: Database,
    path: Path,
    actor: str,
    dry_run: bool = False,
    keep_good: bool = False,
    only_email: str | None = None,
    batch_size: int = 200,
    runs_dir: Path | None = None,
) -> ImportReport:
    """Check every row, then import (or, with rejections and no keep_good, refuse); a malformed file fails the run.

    A dry run does every learner's work in units that roll back: its report is the real run's. With `runs_dir`,
    the report is written under runs_dir/run-<id> as report.json, rows.csv and learners.csv.
    """
    with db.transaction() as conn:
        catalog = current_catalog(conn)
        learners = legacy_progress.learner_ids_by_email(conn)
        arguments = {"file": str(path), "dry_run": dry_run, "keep_good": keep_good, "learner": only_email}
        run_id = runs.start_run(conn, "progress-import", actor, arguments)
    try:
        raw = read_rows(path)
    except MalformedFile as error:
        with db.transaction() as conn:  # recorded as failed, so `learnapp runs` shows the attempt and why
            runs.update_run(conn, run_id, status="failed", summary={"error": error.message}, finished_at=utcnow())
        error.details = {"run": run_id}
        raise
    report = ImportReport(run_id, dry_run, rows=len(raw))
    good: dict[int, list[LegacyRow]] = defaultdict(list)
    for number, row in enumerate(raw, start=1):
        checked = check_row(number, row, catalog, learners)
        outcome = outcome_of(row, checked)
        report.outcomes.append(outcome)
        if isinstance(checked, Rejection):
            report.rejected.append(asdict(checked))
        elif only_email is None or checked.email == only_email.lower():
            good[learners[checked.email]].append(checked)
        else:
            outcome.outcome, outcome.reason = "skipped", f"only {only_email.lower()}'s rows were asked for"
    report.learners = len(good)
    summaries: dict[str, LearnerSummary] = {}
    if report.rejected and not keep_good:
        reason = f"{len(report.rejected)} row(s) of the file are rejected; --keep-good imports the good rows"
        for outcome in report.outcomes:
            if not outcome.outcome:
                outcome.outcome, outcome.reason = "not imported", reason
        report.outcome = "refused"
        return _finish(db, report, summaries, runs_dir, "dry-run" if dry_run else "refused")
    ids = sorted(good)
    for start in range(0, len(ids), batch_size):
        # A dry run does the same work, batch by batch, and rolls each batch back: its counts are the real ones.
        with unit_of_work(db, dry_run=dry_run) as work:
            batch = ids[start : start + batch_size]
            # Locked before the before-snapshot and the facts are read: a click waits, never lost.
            work.lock(batch)
            for learner_id in batch:
                summary = summaries.setdefault(good[learner_id][0].email, LearnerSummary(good[learner_id][0].email))
                _import_learner(work, catalog, run_id, learner_id, good[learner_id], report, summary)
    return _finish(db, report, summaries, runs_dir, "dry-run" if dry_run else "succeeded")


def _import_learner(
    work: UnitOfWork,
    catalog: Catalog,
    run_id: int,
    learner_id: int,
    rows: list[LegacyRow],
    report: ImportReport,
    summary: LearnerSummary,
) -> None:
    conn = work.conn
    certificates = snapshots.certificates_of(conn, learner_id)
    before = snapshots.learner_state(conn, learner_id)
    pathways = {row.pathway for row in rows}
    courses = {c.id for slug in pathways if (p := catalog.pathway(slug)) for c in p.courses}
    pathway_ids = {p.id for slug in pathways if (p := catalog.pathway(slug))}
    history = []
    for course_id in courses:
        if legacy_progress.enroll(conn, "course", learner_id, course_id):
            snapshots.remember_enrollment(conn, run_id, learner_id, "course", course_id)
            history.append(history_entry(learner_id, "enrolled", "import", course_id=course_id))
    for pathway_id in pathway_ids:
        if legacy_progress.enroll(conn, "pathway", learner_id, pathway_id):
            snapshots.remember_enrollment(conn, run_id, learner_id, "pathway", pathway_id)
            history.append(history_entry(learner_id, "enrolled", "import", pathway_id=pathway_id))
    for row in rows:
        found = catalog.lesson(row.lesson) if row.lesson else None
        module = found[1] if found else next(m for c in catalog.courses for m in c.modules if m.slug == row.module)
        lessons = [found[0]] if found else [x for x in module.lessons if x.countable]
        outcome = report.outcomes[row.number - 1]
        for lesson in lessons:
            if insert_completion(conn, learner_id, lesson.id, row.completed_at, "import") is None:
                report.already_present += 1
                outcome.already_present += 1
                continue
            report.imported += 1
            outcome.imported += 1
            snapshots.remember_fact(conn, run_id, learner_id, lesson.id)
            history.append(history_entry(learner_id, "completed", "import", lesson_id=lesson.id))
            stored = get_completion(conn, learner_id, lesson.id)
            report.drift += int(stored is None or stored.completed_at != row.completed_at)
        outcome.settle()
    for entry in history:
        entry["detail"] = f"import run {run_id}"
    work.record(history)
    # A course the imported history completes earns its notice and certificate from the unit of work.
    all_courses, all_pathways = [c.id for c in catalog.courses], [p.id for p in catalog.pathways]
    changes = work.recompute([learner_id], all_courses, all_pathways, catalog=catalog)[learner_id]
    summary.courses_newly_complete += sorted(c.slug for c in changes if c.newly_completed and c.kind == "course")
    summary.certificates_queued += snapshots.certificates_of(conn, learner_id) - certificates
    snapshots.save_snapshot(conn, run_id, learner_id, before, snapshots.learner_state(conn, learner_id))


def _finish(
    db: Database, report: ImportReport, summaries: dict[str, LearnerSummary], runs_dir: Path | None, status: str
) -> ImportReport:
    report.per_learner = summarize(report.outcomes, summaries)
    folder = ""
    if runs_dir is not None:
        folder = str(runs_dir / f"run-{report.run_id}")
        report.files = [str(f) for f in write_files(report, Path(folder))]
    # The run's record keeps the counts; every row and learner is in the files.
    summary = {k: v for k, v in asdict(report).items() if k not in ("outcomes", "per_learner")}
    summary["rejected"] = len(report.rejected)
    with db.transaction() as conn:
        runs.update_run(conn, report.run_id, status=status, summary=summary, finished_at=utcnow(), folder=folder)
    return report


def rollback_import(
    db: Database, run_id: int, actor: str, only_learner: int | None = None, force: bool = False
) -> list[int]:
    """Restore each learner exactly as before the run; refuse if they changed since, unless forced."""
    with unit_of_work(db) as work:
        conn = work.conn
        run = runs.get_run(conn, run_id)
        if run is None or run.kind != "progress-import":
            raise NotFound(f"No progress import run {run_id}")
        states = snapshots.snapshots(conn, run_id, only_learner)
        if not states:
            raise NotFound(f"Import run {run_id} kept no snapshot to restore (it imported nothing, or was pruned)")
        work.lock(states)  # in id order: two writers of overlapping learners never deadlock
        # Rolled back once, a learner's snapshot is history: again, it would delete what they did since (an enrollment).
        done = _rolled_back(conn, run_id, set(states))
        if done and not set(states) - done:
            raise Conflict(
                f"Import run {run_id} was already rolled back for these learners", {"learners": sorted(done)}
            )
        states = {learner_id: state for learner_id, state in states.items() if learner_id not in done}
        changed = [lid for lid, (_b, after) in states.items() if snapshots.learner_state(conn, lid) != after]
        if changed and not force:
            raise Conflict(
                f"{len(changed)} learner(s) changed since import run {run_id}; a rollback would overwrite "
                "those changes. Use --force to roll back anyway.",
                {"learners": changed},
            )
        for learner_id, (before, _after) in sorted(states.items()):
            _undo_learner(work, run_id, learner_id, before)
        arguments = {"run": run_id, "learner": only_learner, "force": force}
        rollback = runs.start_run(conn, "progress-rollback", actor, arguments)
        summary = {"restored": len(states), "forced": sorted(set(changed) & set(states))}
        runs.update_run(conn, rollback, status="succeeded", summary=summary, finished_at=utcnow())
    return sorted(states)


def _rolled_back(conn: Connection, run_id: int, learners: set[int]) -> set[int]:
    """The learners of this run a previous rollback (whole or for them) already restored."""
    done: set[int] = set()
    for parsed in runs.arguments_of_kind(conn, "progress-rollback"):
        if int(parsed["run"]) == run_id:
            done |= learners if parsed.get("learner") is None else {int(parsed["learner"])} & learners
    return done


def _undo_learner(work: UnitOfWork, run_id: int, learner_id: int, before: dict[str, Any]) -> None:
    """Remove the run's facts (each one logged) and restore the snapshot, then recompute from the facts left.

    Forced, the learner changed since the import (a later click), so the snapshot's stored rows are stale.
    """
    conn, catalog = work.conn, work.catalog
    had = done_ids(conn, learner_id)
    unenrolled = snapshots.undo_import(conn, run_id, learner_id, before)
    removed = sorted(had - done_ids(conn, learner_id))
    entries = [history_entry(learner_id, "uncompleted", "import", lesson_id=i) for i in removed]
    entries += [history_entry(learner_id, "unenrolled", "import", **{f"{kind}_id": node}) for kind, node in unenrolled]
    work.record([{**entry, "detail": f"rollback of import run {run_id}"} for entry in entries])
    work.touch(learner_id)  # the snapshot's stored rows came back: the learner's tabs must reload them
    work.recount_stats()  # so did stored rows outside the recompute: the statistics counters are recounted
    work.recompute([learner_id], [c.id for c in catalog.courses], [p.id for p in catalog.pathways])

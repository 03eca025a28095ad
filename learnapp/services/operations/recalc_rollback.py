"""Services: roll back a recalculate run: its previous stored values put back, or the facts where a learner moved on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from learnapp.domain.clock import utcnow
from learnapp.persistence import admin_learners, recalc_undo, runs
from learnapp.persistence.db import Database
from learnapp.persistence.facts import history_entry
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.errors import Conflict, InvalidRequest, LearnappError, NotFound


@dataclass
class RollbackReport:
    run_id: int  # the rollback's own run
    of_run: int
    rows_restored: int = 0
    learners_restored: list[int] = field(default_factory=list)
    learners_recomputed: list[int] = field(default_factory=list)  # forced: changed since, so from the facts


def rollback_recalculate(
    db: Database, run_id: int, actor: str, learner_id: int | None = None, force: bool = False
) -> RollbackReport:
    """Put back every stored row the run changed (all its learners, or one), in one unit of work.

    A learner whose progress version moved since the run's batch changed after it (a click, another run): putting
    their old rows back would overwrite that, so the rollback refuses and names them; forced, they are recomputed
    from the facts instead, so stored progress never differs from the facts. The rollback is a run of its own,
    and every row it restores is a history entry of the learner's.
    """
    with db.transaction() as conn:
        run = runs.get_run(conn, run_id)
        if run is None or run.kind != "recalculate":
            raise NotFound(f"No recalculate run {run_id}")
        if run.arguments.get("dry_run"):
            raise InvalidRequest(f"Run {run_id} was a dry run: it wrote nothing to roll back")
        if "pruned" in run.summary:
            raise InvalidRequest(f"Run {run_id} was pruned: the values it overwrote are no longer kept")
        arguments = {"run": run_id, "learner": learner_id, "force": force}
        report = RollbackReport(runs.start_run(conn, "recalc-rollback", actor, arguments), run_id)
    try:
        _roll_back(db, report, learner_id, force)
    except LearnappError as error:
        with db.transaction() as conn:  # the refusal is recorded: `learnapp runs` shows the attempt and why
            summary = {"error": error.message, "details": error.details}
            runs.update_run(conn, report.run_id, status="refused", summary=summary, finished_at=utcnow())
        raise
    with db.transaction() as conn:
        runs.update_run(conn, report.run_id, status="succeeded", summary=asdict(report), finished_at=utcnow())
    return report


def _roll_back(db: Database, report: RollbackReport, learner_id: int | None, force: bool) -> None:
    run_id = report.of_run
    with unit_of_work(db) as work:
        conn = work.conn
        rows = recalc_undo.kept(conn, run_id, learner_id)
        if not rows:
            if recalc_undo.kept(conn, run_id, learner_id, restored=True):
                raise Conflict(
                    f"Recalculate run {run_id} was already rolled back" + (" for this learner" * bool(learner_id))
                )
            raise InvalidRequest(
                f"Recalculate run {run_id} changed no stored progress" + (" of this learner" * bool(learner_id))
            )
        learners = sorted({r.learner_id for r in rows})
        work.lock(learners)  # in id order, before the versions are read: a click now waits for the rollback
        left = {r.learner_id: r.version for r in rows if r.kind != "sync"}
        now = recalc_undo.versions(conn, left)
        changed = sorted(i for i, version in left.items() if now.get(i) != version)
        if changed and not force:
            emails = list(admin_learners.emails(conn, changed).values())
            raise Conflict(
                f"{len(changed)} learner(s) changed since recalculate run {run_id}: {', '.join(emails)}. "
                "Rolling back would overwrite those changes; use --force to recompute them from the facts instead.",
                {"learners": emails},
            )
        detail = f"rollback of recalculate run {run_id} (run {report.run_id})"
        entries = []
        for row in rows:
            if row.learner_id in changed and row.kind != "sync":
                continue
            recalc_undo.put_back(conn, row)
            if row.kind != "sync":
                report.rows_restored += 1
                entry = history_entry(row.learner_id, "restored", "admin", **{f"{row.kind}_id": row.node_id})
                entries.append({**entry, "detail": detail})
        entries += [{**history_entry(i, "recomputed", "admin"), "detail": f"forced {detail}"} for i in changed]
        work.record(entries)
        catalog = work.catalog
        if changed:
            work.recompute(changed, [c.id for c in catalog.courses], [p.id for p in catalog.pathways])
        recalc_undo.mark_restored(conn, run_id, learners, report.run_id)
        report.learners_restored = sorted(set(left) - set(changed))
        report.learners_recomputed = changed

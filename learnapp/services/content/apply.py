"""Services: apply validated content files in one transaction and recompute affected progress."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnapp.domain.content import Catalog
from learnapp.persistence import content_apply
from learnapp.persistence.catalog import load_catalog, lock_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.services.content.files import ContentPlan, ParentSpec, read_content
from learnapp.services.engine.refresh import log_changes
from learnapp.services.engine.unit_of_work import UnitOfWork, unit_of_work


@dataclass
class ImportReport:
    """What an import changed (or, in a dry run, would change)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    retired: Counter[str] = field(default_factory=Counter)
    changed_courses: list[str] = field(default_factory=list)
    learners_dropping: int = 0
    learners_gaining: int = 0
    completions_reopened: int = 0
    progress_rows_changed: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + sum(self.retired.values()))


# Affected learners recomputed this many at a time inside the import's one transaction (bounded IN lists).
RECOMPUTE_BATCH = 500


def import_content(db: Database, path: Path, dry_run: bool = False) -> ImportReport:
    return import_plan(db, read_content(path), dry_run)  # read_content raises ContentError before any write


def import_plan(
    db: Database, plan: ContentPlan, dry_run: bool = False, inspect: Callable[[Connection], None] | None = None
) -> ImportReport:
    """Apply an already validated plan (the admin page applies exactly the files it previewed).

    `inspect` looks at the database as the import left it, inside its transaction, before commit or rollback.
    """
    report = ImportReport(dry_run=dry_run)
    with unit_of_work(db, dry_run=dry_run) as work:  # a dry run does it all, then rolls it all back
        lock_catalog(work.conn)  # two imports at once: the second starts from what the first published
        session = work.session
        before = load_catalog(session)
        _apply(work, plan, report)
        if report.changed:
            _recompute(work, before, load_catalog(session, content_apply.bump_version(session)), report)
        if inspect is not None:
            session.flush()
            inspect(work.conn)
    return report


def _apply(work: UnitOfWork, plan: ContentPlan, report: ImportReport) -> None:
    session = work.session
    modules = content_apply.rows_by_slug(session, "module")
    lessons = content_apply.rows_by_slug(session, "lesson")
    for spec in plan.modules:
        module = content_apply.upsert(
            session, modules, "module", spec.slug, report, title=spec.title, description=spec.description
        )
        for position, lesson in enumerate(spec.lessons):
            content_apply.upsert(
                session,
                lessons,
                "lesson",
                lesson.slug,
                report,
                module_id=module.id,
                position=position,
                title=lesson.title,
                description=lesson.description,
                kind=lesson.kind,
                minutes=lesson.minutes,
                preview=lesson.preview,
                video_url=lesson.video_url,
                body=lesson.body,
            )
    content_apply.retire(lessons, {x.slug for m in plan.modules for x in m.lessons}, report, "lesson")
    content_apply.retire(modules, {m.slug for m in plan.modules}, report, "module")
    courses = _parents(work, plan.courses, report, "course")
    _links(work, "course", plan.courses, courses, modules, report)
    pathways = _parents(work, plan.pathways, report, "pathway")
    _links(work, "pathway", plan.pathways, pathways, courses, report)


def _parents(work: UnitOfWork, specs: list[ParentSpec], report: ImportReport, kind: str) -> dict[str, Any]:
    found = content_apply.rows_by_slug(work.session, kind)
    for position, spec in enumerate(specs):
        content_apply.upsert(
            work.session,
            found,
            kind,
            spec.slug,
            report,
            title=spec.title,
            description=spec.description,
            position=position,
        )
    content_apply.retire(found, {s.slug for s in specs}, report, kind)
    return found


def _links(
    work: UnitOfWork,
    kind: str,
    specs: list[ParentSpec],
    parents: dict[str, Any],
    children: dict[str, Any],
    report: ImportReport,
) -> None:
    for spec in specs:
        wanted = [(children[slug].id, position) for position, slug in enumerate(spec.children)]
        content_apply.relink(work.session, kind, parents[spec.slug].id, wanted, report)


def _recompute(work: UnitOfWork, before: Catalog, after: Catalog, report: ImportReport) -> None:
    """Content changes never rewrite facts: recompute the stored rows of every affected learner."""
    changed = {c.id for c in after.courses if before.course(c.id) != c}
    changed |= {c.id for c in before.courses if after.course(c.id) is None}
    pathways = {p.id for p in after.pathways if before.pathway(p.id) != p}
    pathways |= {p.id for c in changed for p in after.pathways_containing(c)}
    # Their funnels count other lessons now: the statistics counters are recounted with the new catalog.
    work.recount_stats([("course", c) for c in changed] + [("pathway", p) for p in pathways], after)
    slugs = {c.id: c.slug for c in (*before.courses, *after.courses)}
    report.changed_courses = sorted(slugs[c] for c in changed)
    learners = content_apply.enrolled_learners(work.session, changed, pathways)
    dropping, gaining = set(), set()
    ordered = sorted(learners)
    for start in range(0, len(ordered), RECOMPUTE_BATCH):
        batch = ordered[start : start + RECOMPUTE_BATCH]
        started = time.perf_counter()
        # Locked in id order before their facts are read: a click waits for the import instead of being overwritten
        # by progress computed without it. First completions the new content brings (a last missing lesson
        # removed) earn their notice and certificate from the unit of work; a dry run rolls them back.
        found = work.recompute(batch, changed, pathways, catalog=after)
        for learner_id in batch:
            changes = found[learner_id]
            log_changes(
                "progress recalculated" + (" (dry run)" if report.dry_run else ""), learner_id, None, changes, started
            )
            for change in changes:
                report.progress_rows_changed += 1
                if change.before_complete and not change.after_complete:
                    dropping.add(learner_id)
                    report.completions_reopened += 1
                if change.after_complete and not change.before_complete:
                    gaining.add(learner_id)
    report.learners_dropping, report.learners_gaining = len(dropping), len(gaining)

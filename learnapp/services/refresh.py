"""Services: the only writer of stored progress, recomputed from the facts by the domain rules."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from learnapp.domain import progress as rules
from learnapp.domain.content import Catalog
from learnapp.persistence.facts import completion_times, enrollments_for, pathway_enrollments_for
from learnapp.persistence.tables import Enrollment, PathwayEnrollment, utcnow

log = logging.getLogger("learnapp.progress")


@dataclass(frozen=True)
class ProgressChange:
    """One stored row that moved: what it was and what the facts now say."""

    kind: str  # "course" or "pathway"
    slug: str
    before_percent: int
    after_percent: int
    before_complete: bool
    after_complete: bool
    newly_completed: bool


def affected_nodes(catalog: Catalog, module_id: int) -> tuple[set[int], set[int]]:
    """Every course containing the module, and every pathway containing one of those courses."""
    courses = {c.id for c in catalog.courses_containing(module_id)}
    pathways = {p.id for c in courses for p in catalog.pathways_containing(c)}
    return courses, pathways


def refresh_learner(
    session: Session,
    catalog: Catalog,
    learner_id: int,
    course_ids: Iterable[int],
    pathway_ids: Iterable[int],
    times: dict[int, datetime] | None = None,
) -> list[ProgressChange]:
    """Recompute the learner's stored rows for these nodes; write only rows that differ."""
    times = completion_times(session, learner_id) if times is None else times
    done = set(times)
    changes = [
        change
        for row in enrollments_for(session, learner_id, course_ids)
        if (change := _refresh_course(catalog, row, done, times))
    ]
    changes += [
        change
        for prow in pathway_enrollments_for(session, learner_id, pathway_ids)
        if (change := _refresh_pathway(catalog, prow, done, times))
    ]
    return changes


def _refresh_course(
    catalog: Catalog, row: Enrollment, done: set[int], times: dict[int, datetime]
) -> ProgressChange | None:
    result = rules.course_progress(catalog.course(row.course_id), done, times)
    counts = result.counts if result else rules.EMPTY
    completed_at = result.completed_at if result else None
    return _apply(row, "course", result.course.slug if result else str(row.course_id), counts, completed_at, {})


def _refresh_pathway(
    catalog: Catalog, row: PathwayEnrollment, done: set[int], times: dict[int, datetime]
) -> ProgressChange | None:
    result = rules.pathway_progress(catalog.pathway(row.pathway_id), done, times)
    counts = result.counts if result else rules.EMPTY
    extra = {
        "courses_completed": result.courses_completed if result else 0,
        "courses_total": result.courses_total if result else 0,
    }
    slug = result.pathway.slug if result else str(row.pathway_id)
    return _apply(row, "pathway", slug, counts, result.completed_at if result else None, extra)


def _apply(
    row: Enrollment | PathwayEnrollment,
    kind: str,
    slug: str,
    counts: rules.Counts,
    completed_at: datetime | None,
    extra: dict[str, int],
) -> ProgressChange | None:
    wanted = {
        "completed": counts.completed,
        "total": counts.total,
        "percent": counts.percent,
        "is_complete": counts.complete,
        "completed_at": completed_at,
        "first_completed_at": rules.first_completed_at(row.first_completed_at, completed_at),
        **extra,
    }
    if all(getattr(row, key) == value for key, value in wanted.items()):
        return None
    change = ProgressChange(
        kind,
        slug,
        row.percent,
        counts.percent,
        row.is_complete,
        counts.complete,
        newly_completed=counts.complete and row.first_completed_at is None,
    )
    for key, value in wanted.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    return change


def log_changes(event: str, learner_id: int, lesson: str | None, changes: list[ProgressChange], started: float) -> None:
    """One structured record per stored row that moved (or one record when nothing moved)."""
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    rows: list[ProgressChange | None] = list(changes) or [None]
    for change in rows:
        log.info(
            event,
            extra={
                "learner": learner_id,
                "lesson": lesson,
                "node": f"{change.kind}:{change.slug}" if change else None,
                "old_percent": change.before_percent if change else None,
                "new_percent": change.after_percent if change else None,
                "duration_ms": duration_ms,
            },
        )

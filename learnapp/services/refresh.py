"""Services: the only writer of stored progress, recomputed from the facts by the domain rules."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from learnapp.domain import progress as rules
from learnapp.domain.content import Catalog
from learnapp.persistence.facts import (
    StoredProgress,
    course_progress_rows,
    done_ids,
    latest_completion,
    pathway_progress_rows,
    save_progress,
)
from learnapp.persistence.tables import utcnow

log = logging.getLogger("learnapp.progress")


@dataclass(frozen=True)
class ProgressChange:
    """One stored row that moved: what it was and what the facts now say."""

    kind: str  # "course" or "pathway"
    node_id: int
    slug: str
    title: str
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
    conn: Connection,
    catalog: Catalog,
    learner_id: int,
    course_ids: Iterable[int],
    pathway_ids: Iterable[int],
    course_rows: list[StoredProgress] | None = None,
) -> list[ProgressChange]:
    """Recompute the learner's stored rows for these nodes from the facts; write only rows that differ."""
    done = done_ids(conn, learner_id)
    rows = course_progress_rows(conn, learner_id, course_ids) if course_rows is None else course_rows

    def finished_at(lesson_ids: frozenset[int]) -> datetime | None:
        # Only a complete node needs its time: the latest completion among its lessons.
        return latest_completion(conn, learner_id, lesson_ids)

    changes = [_course_change(conn, catalog, row, done, finished_at) for row in rows]
    changes += [
        _pathway_change(conn, catalog, row, done, finished_at)
        for row in pathway_progress_rows(conn, learner_id, pathway_ids)
    ]
    return [change for change in changes if change]


Finisher = Callable[[frozenset[int]], datetime | None]


def _course_change(
    conn: Connection, catalog: Catalog, row: StoredProgress, done: set[int], finished_at: Finisher
) -> ProgressChange | None:
    course = catalog.course(row.node_id)
    result = rules.course_progress(course, done)
    if course is None or result is None:  # retired content: nothing left to have finished
        return _apply(
            conn, ("course", row.node_id, str(row.node_id), ""), row, rules.EMPTY, frozenset(), finished_at, {}
        )
    node = ("course", course.id, course.slug, course.title)
    return _apply(conn, node, row, result.counts, course.countable_ids, finished_at, {})


def _pathway_change(
    conn: Connection, catalog: Catalog, row: StoredProgress, done: set[int], finished_at: Finisher
) -> ProgressChange | None:
    pathway = catalog.pathway(row.node_id)
    result = rules.pathway_progress(pathway, done)
    if pathway is None or result is None:
        empty = {"courses_completed": 0, "courses_total": 0}
        return _apply(
            conn, ("pathway", row.node_id, str(row.node_id), ""), row, rules.EMPTY, frozenset(), finished_at, empty
        )
    extra = {"courses_completed": result.courses_completed, "courses_total": result.courses_total}
    node = ("pathway", pathway.id, pathway.slug, pathway.title)
    return _apply(conn, node, row, result.counts, pathway.countable_ids, finished_at, extra)


def _apply(
    conn: Connection,
    node: tuple[str, int, str, str],
    row: StoredProgress,
    counts: rules.Counts,
    lesson_ids: frozenset[int],
    finished_at: Finisher,
    extra: dict[str, int],
) -> ProgressChange | None:
    completed_at = finished_at(lesson_ids) if counts.complete else None
    wanted: dict[str, Any] = {
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
    kind, node_id, slug, title = node
    save_progress(conn, kind, row.id, {**wanted, "updated_at": utcnow()})
    return ProgressChange(
        kind,
        node_id,
        slug,
        title,
        row.percent,
        counts.percent,
        row.is_complete,
        counts.complete,
        newly_completed=counts.complete and row.first_completed_at is None,
    )


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
                "duration_ms": round(duration_ms, 3),
            },
        )

"""Services: the one recompute of stored progress from the facts (by the domain rules), and what changes earn."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnapp.domain import progress as rules
from learnapp.domain.claims import completion_time, within_tolerance
from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog, Course, Pathway
from learnapp.persistence import certs
from learnapp.persistence.db import Connection
from learnapp.persistence.facts import (
    StoredProgress,
    course_progress_rows,
    done_ids,
    done_ids_many,
    latest_by_course_many,
    latest_completion,
    lock_learners,
    pathway_progress_rows,
    progress_rows_many,
    save_progress_many,
)
from learnapp.services.engine.changes import ProgressChange
from learnapp.services.notices.milestones import notify_progress

__all__ = ["ProgressChange", "affected_nodes", "follow_changes", "log_changes", "recompute"]

log = logging.getLogger("learnapp.progress")

Finisher = Callable[[frozenset[int]], datetime | None]
Writer = Callable[[str, int, dict[str, Any]], None]


def affected_nodes(catalog: Catalog, module_id: int) -> tuple[set[int], set[int]]:
    """Every course containing the module, and every pathway containing one of those courses."""
    courses = {c.id for c in catalog.courses_containing(module_id)}
    pathways = {p.id for c in courses for p in catalog.pathways_containing(c)}
    return courses, pathways


@dataclass(frozen=True)
class LearnerFacts:
    """What one learner's recompute reads: done lessons, stored rows, and completion times on demand."""

    done: set[int]
    course_rows: list[StoredProgress]
    pathway_rows: list[StoredProgress]
    finished_at: Finisher


def recompute(
    conn: Connection,
    catalog: Catalog,
    learner_ids: Iterable[int],
    course_ids: Iterable[int],
    pathway_ids: Iterable[int],
    course_rows: list[StoredProgress] | None = None,
) -> dict[int, list[ProgressChange]]:
    """The one recompute: these learners' stored rows for these nodes, from the facts; only rows that differ written.

    The learners are locked in id order before anything is read (PostgreSQL: their learner rows; SQLite: the write
    transaction already serializes writers), their facts read once, and what moved returned per learner. One
    learner (a click) reads only its own rows and the completion times its complete nodes need; many (a batch)
    read everything in a few set-based statements. `course_rows`, for one learner, are rows already read under
    the lock. Consequences are the caller's unit of work's (learnapp/services/engine/unit_of_work.py).
    """
    ids = sorted(set(learner_ids))
    lock_learners(conn, ids)
    courses, pathways = set(course_ids), set(pathway_ids)
    if len(ids) == 1:
        facts = {ids[0]: _one_learner(conn, ids[0], courses, pathways, course_rows)}
    else:
        facts = _many_learners(conn, catalog, ids, courses, pathways)
    pending: dict[str, list[tuple[int, dict[str, Any]]]] = {"course": [], "pathway": []}

    def write(kind: str, row_id: int, values: dict[str, Any]) -> None:
        pending[kind].append((row_id, values))

    changes: dict[int, list[ProgressChange]] = {}
    for learner_id, own in facts.items():
        found = [_course_change(write, catalog, r, own.done, own.finished_at) for r in own.course_rows]
        found += [_pathway_change(write, catalog, r, own.done, own.finished_at) for r in own.pathway_rows]
        changes[learner_id] = [c for c in found if c]
    save_progress_many(conn, "course", pending["course"])
    save_progress_many(conn, "pathway", pending["pathway"])
    return changes


def _one_learner(
    conn: Connection, learner_id: int, courses: set[int], pathways: set[int], rows: list[StoredProgress] | None
) -> LearnerFacts:
    def finished_at(lesson_ids: frozenset[int]) -> datetime | None:
        # Only a complete node needs its time: the latest completion among its lessons.
        return latest_completion(conn, learner_id, lesson_ids)

    return LearnerFacts(
        done_ids(conn, learner_id),
        course_progress_rows(conn, learner_id, courses) if rows is None else rows,
        pathway_progress_rows(conn, learner_id, pathways),
        finished_at,
    )


def _many_learners(
    conn: Connection, catalog: Catalog, learner_ids: list[int], courses: set[int], pathways: set[int]
) -> dict[int, LearnerFacts]:
    done = done_ids_many(conn, learner_ids)
    course_rows = progress_rows_many(conn, "course", learner_ids)
    pathway_rows = progress_rows_many(conn, "pathway", learner_ids)
    # Only learners with a complete node need completion times (the costly part to read).
    needing = [
        i
        for i in learner_ids
        if _has_complete(catalog.course, course_rows[i], done[i], courses)
        or _has_complete(catalog.pathway, pathway_rows[i], done[i], pathways)
    ]
    latest = latest_by_course_many(conn, needing)
    course_of = {c.countable_ids: c.id for c in catalog.courses}
    courses_of = {p.countable_ids: [c.id for c in p.courses] for p in catalog.pathways}

    def finisher(own: dict[int, datetime]) -> Finisher:
        def finished_at(lesson_ids: frozenset[int]) -> datetime | None:
            # A node's lessons identify it: a course, or a pathway (the latest of its courses' latest).
            if lesson_ids in course_of:
                return own.get(course_of[lesson_ids])
            moments = [own[c] for c in courses_of.get(lesson_ids, []) if c in own]
            return max(moments, default=None)

        return finished_at

    return {
        i: LearnerFacts(
            done[i],
            [r for r in course_rows[i] if r.node_id in courses],
            [r for r in pathway_rows[i] if r.node_id in pathways],
            finisher(latest.get(i, {})),
        )
        for i in learner_ids
    }


def follow_changes(conn: Connection, learner_id: int, changes: list[ProgressChange], milestones: bool) -> None:
    """What the changes earn, once, whoever caused them: a first completion's notice and certificate.

    Milestone notices (25/50/75%) only when the learner's own new completion moved the bar (`milestones`):
    an enrollment, an import or a recalculation reports progress made earlier, and announcing it as news
    would flood the bell. Notices have a key and certificates are unique per learner and node, so a
    repeat writes nothing.
    """
    if changes:
        notify_progress(conn, learner_id, changes, milestones)
        for change in changes:
            if change.newly_completed:
                certs.queue(conn, learner_id, change.kind, change.node_id, change.completed_at or utcnow())


def _course_change(
    write: Writer, catalog: Catalog, row: StoredProgress, done: set[int], finished_at: Finisher
) -> ProgressChange | None:
    course = catalog.course(row.node_id)
    if course is None:  # retired content: nothing left to have finished
        return _apply(
            write, ("course", row.node_id, str(row.node_id), ""), row, rules.EMPTY, frozenset(), finished_at, {}
        )
    node = ("course", course.id, course.slug, course.title)
    return _apply(write, node, row, rules.course_counts(course, done), course.countable_ids, finished_at, {})


def _pathway_change(
    write: Writer, catalog: Catalog, row: StoredProgress, done: set[int], finished_at: Finisher
) -> ProgressChange | None:
    pathway = catalog.pathway(row.node_id)
    if pathway is None:
        empty = {"courses_completed": 0, "courses_total": 0}
        return _apply(
            write, ("pathway", row.node_id, str(row.node_id), ""), row, rules.EMPTY, frozenset(), finished_at, empty
        )
    counts, finished = rules.pathway_counts(pathway, done)
    extra = {"courses_completed": finished, "courses_total": len(pathway.courses)}
    node = ("pathway", pathway.id, pathway.slug, pathway.title)
    return _apply(write, node, row, counts, pathway.countable_ids, finished_at, extra)


def _apply(
    write: Writer,
    node: tuple[str, int, str, str],
    row: StoredProgress,
    counts: rules.Counts,
    lesson_ids: frozenset[int],
    finished_at: Finisher,
    extra: dict[str, int],
) -> ProgressChange | None:
    inferred = finished_at(lesson_ids) if counts.complete else None
    # An accepted claim's time stays while the node stays complete and the time near the inferred one; any other
    # stored time follows the facts (a content change that moves the latest lesson moves it too).
    claimed_at = row.claimed_at if inferred and row.is_complete and within_tolerance(row.claimed_at, inferred) else None
    completed_at = completion_time(claimed_at, inferred) if inferred else None
    wanted: dict[str, Any] = {
        "completed": counts.completed,
        "total": counts.total,
        "percent": counts.percent,
        "is_complete": counts.complete,
        "completed_at": completed_at,
        "first_completed_at": rules.first_completed_at(row.first_completed_at, completed_at),
        "claimed_at": claimed_at,
        **extra,
    }
    if all(getattr(row, key) == value for key, value in wanted.items()):
        return None
    kind, node_id, slug, title = node
    write(kind, row.id, {**wanted, "updated_at": utcnow()})
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
        completed_at=completed_at,
        before=row,
        after_completed=counts.completed,
    )


def log_changes(event: str, learner_id: int, lesson: str | None, changes: list[ProgressChange], started: float) -> None:
    """One structured record per stored row that moved (or one record when nothing moved)."""
    if not log.isEnabledFor(logging.INFO):  # a large recalculation would build tens of thousands of records for nothing
        return
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


def _has_complete(
    lookup: Callable[[int], Course | Pathway | None], rows: list[StoredProgress], done: set[int], wanted: set[int]
) -> bool:
    for row in rows:
        node = lookup(row.node_id)
        if row.node_id in wanted and node is not None and node.countable_ids and node.countable_ids <= done:
            return True
    return False

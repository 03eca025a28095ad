"""Services: record and revoke lesson completions, reset a course; each call one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog, Lesson, Module
from learnapp.metrics import RECORD_COMPLETION_SECONDS, completion_recorded
from learnapp.persistence.activity import record_activity
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.facts import (
    course_progress_rows,
    delete_completions,
    get_completion,
    history_entry,
    insert_completion,
    lock_learner,
)
from learnapp.persistence.learners import joined_and_role
from learnapp.services.engine.refresh import ProgressChange, affected_nodes, log_changes
from learnapp.services.engine.unit_of_work import UnitOfWork, unit_of_work
from learnapp.services.errors import InvalidRequest, NotEnrolled, NotFound
from learnapp.services.notices.milestones import announcements

SOURCES = ("ui", "api", "import", "admin")
# Operators' imports and admins may date a completion before the account existed (migrating history).
BACKDATING_SOURCES = ("import",)


class BeforeAccount(InvalidRequest):
    code = "before_account"


@dataclass(frozen=True)
class CompletionView:
    """What callers learn about a completion: the fact, whether this call created it, what moved."""

    learner_id: int
    lesson_id: int
    lesson_slug: str
    completed_at: datetime
    source: str
    created: bool
    changes: tuple[ProgressChange, ...] = ()

    @property
    def announced(self) -> bool:
        """Whether it earned a notice or a certificate (a milestone or a first completion)."""
        return bool(announcements(list(self.changes)))


def record_completion(
    db: Database,
    learner_id: int,
    lesson: int | str,
    source: str = "ui",
    completed_at: datetime | None = None,
    actor_id: int | None = None,
) -> CompletionView:
    """Record the fact once; repeating it returns the same record, never a duplicate or an error."""
    with _recording(db, learner_id, lesson, source, completed_at, actor_id) as (_work, view):
        return view


@contextmanager
def _recording(
    db: Database,
    learner_id: int,
    lesson: int | str,
    source: str,
    completed_at: datetime | None = None,
    actor_id: int | None = None,
    origin: str | None = None,
) -> Iterator[tuple[UnitOfWork, CompletionView]]:
    """One completion's unit of work, timed, counted and logged once it committed."""
    started = time.perf_counter()
    with RECORD_COMPLETION_SECONDS.time(), unit_of_work(db, origin=origin) as work:
        view = complete_lesson(work, learner_id, lesson, source, completed_at, actor_id)
        yield work, view
    completion_recorded(source, view.created)
    event = "lesson completed" if view.created else "lesson already complete"
    log_changes(event, learner_id, view.lesson_slug, list(view.changes), started)


def complete_lesson(
    work: UnitOfWork,
    learner_id: int,
    lesson: int | str,
    source: str = "ui",
    completed_at: datetime | None = None,
    actor_id: int | None = None,
) -> CompletionView:
    """record_completion inside the caller's unit of work (an API event batch shares one for all its events)."""
    if source not in SOURCES:
        raise InvalidRequest(f"Unknown completion source '{source}'")
    conn = work.conn
    catalog, found, module = _countable_lesson(work, learner_id, lesson)
    courses, pathways = affected_nodes(catalog, module.id)
    enrolled = course_progress_rows(conn, learner_id, courses)
    if not enrolled:
        raise NotEnrolled("Not enrolled in this course")
    if completed_at is not None and source not in BACKDATING_SOURCES:
        ensure_after_joining(conn, learner_id, completed_at, actor_id)
    fact = insert_completion(conn, learner_id, found.id, completed_at or utcnow(), source)
    created = fact is not None
    changes: list[ProgressChange] = []
    if fact is None:
        fact = get_completion(conn, learner_id, found.id)  # recorded before, or by the writer that won a race
        assert fact is not None
    else:
        entry = history_entry(learner_id, "completed", source, actor_id, found.id)
        work.record([entry], lesson_payload(catalog, found.id, fact.completed_at))
        # The day stays active through an undo; a later latest day moves the site's counters of active learners.
        work.kept_day(learner_id, record_activity(conn, learner_id, found.id, fact.completed_at))
        # The learner's own new completion: milestones are news too (the unit of work writes the notices).
        moved = work.recompute([learner_id], courses, pathways, enrolled, milestones=True, catalog=catalog)
        changes = moved[learner_id]
    return CompletionView(learner_id, found.id, found.slug, fact.completed_at, fact.source, created, tuple(changes))


def ensure_after_joining(conn: Connection, learner_id: int, completed_at: datetime, actor_id: int | None) -> None:
    """A learner cannot date their own completion before their account existed; an admin acting may."""
    joined = joined_and_role(conn, learner_id)
    if joined is None:
        raise NotFound("Unknown learner")
    if completed_at >= joined[0]:
        return
    actor = joined_and_role(conn, actor_id) if actor_id is not None else None
    if actor is not None and actor[1] == "admin":
        return
    details = {"completed_at": completed_at.isoformat(), "account_created_at": joined[0].isoformat()}
    raise BeforeAccount("A completion cannot be dated before the account was created", details)


def revoke_completion(
    db: Database,
    learner_id: int,
    lesson: int | str,
    source: str = "ui",
    actor_id: int | None = None,
    origin: str | None = None,
) -> list[ProgressChange]:
    """Un-mark a lesson; a lesson that was not complete is a no-op. Certificates stay issued."""
    started = time.perf_counter()
    with unit_of_work(db, origin=origin) as work:
        catalog, found, module = _countable_lesson(work, learner_id, lesson)
        if not delete_completions(work.conn, learner_id, [found.id]):
            return []
        entry = history_entry(learner_id, "uncompleted", source, actor_id, found.id)
        work.record([entry], lesson_payload(catalog, found.id))
        courses, pathways = affected_nodes(catalog, module.id)
        changes = work.recompute([learner_id], courses, pathways)[learner_id]
    log_changes("lesson uncompleted", learner_id, found.slug, changes, started)
    return changes


def reset_course(
    db: Database,
    learner_id: int,
    course_slug: str,
    source: str = "ui",
    actor_id: int | None = None,
    origin: str | None = None,
) -> list[ProgressChange]:
    """Start over: remove the learner's completions of this course's lessons, each one logged."""
    started = time.perf_counter()
    with unit_of_work(db, origin=origin) as work:
        work.lock([learner_id])
        catalog = work.catalog
        course = catalog.course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        if not course_progress_rows(work.conn, learner_id, [course.id]):
            raise NotEnrolled("Not enrolled in this course")
        removed = delete_completions(work.conn, learner_id, [lesson.id for lesson in course.lessons])
        work.record(
            [history_entry(learner_id, "reset", source, actor_id, lesson_id, course.id) for lesson_id in removed],
            {"course": course.slug},
        )
        # Shared modules mean another course may lose these lessons too: refresh all of them.
        courses = {c.id for m in course.modules for c in catalog.courses_containing(m.id)}
        pathways = {p.id for c in courses for p in catalog.pathways_containing(c)}
        changes = work.recompute([learner_id], courses, pathways)[learner_id]
    log_changes("course reset", learner_id, None, changes, started)
    return changes


def lesson_payload(catalog: Catalog, lesson_id: int, completed_at: datetime | None = None) -> dict[str, Any]:
    """What an outbox event says of a lesson: its slug and title, its module, the courses it counts in."""
    found = catalog.lesson(lesson_id)
    if found is None:
        return {}
    lesson, module = found
    payload: dict[str, Any] = {
        "lesson": lesson.slug,
        "lesson_title": lesson.title,
        "module": module.slug,
        "courses": [c.slug for c in catalog.courses_containing(module.id)],
    }
    if completed_at is not None:
        payload["completed_at"] = completed_at.isoformat()
    return payload


def _countable_lesson(work: UnitOfWork, learner_id: int, lesson: int | str) -> tuple[Catalog, Lesson, Module]:
    if not lock_learner(work.conn, learner_id):
        raise NotFound("Unknown learner")
    catalog = work.catalog
    found = catalog.lesson(lesson)
    if found is None:
        raise NotFound(f"Unknown lesson '{lesson}'")
    if found[0].preview:
        raise InvalidRequest("Preview lessons do not count toward progress and cannot be completed")
    return catalog, found[0], found[1]

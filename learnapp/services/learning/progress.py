"""Services: read a learner's progress (outline, aggregates, next lesson, enrollments, access)."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlmodel import col

from learnapp.domain import progress as rules
from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog, Course
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import StoredProgress, course_progress_rows, done_ids, pathway_progress_rows
from learnapp.persistence.tables import Enrollment, PathwayEnrollment
from learnapp.services.engine.lesson_time import MAX_SECONDS_PER_REPORT as MAX_SECONDS_PER_REPORT  # re-exported
from learnapp.services.engine.lesson_time import add_time_spent
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.errors import InvalidRequest, NotEnrolled, NotFound
from learnapp.services.learning.views import (
    Aggregate,
    CourseView,
    EnrollmentView,
    LessonView,
    ModuleView,
    PathwayView,
)


def course_outline(db: Database, learner_id: int | None, course_slug: str) -> CourseView:
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        course = catalog.course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        done = done_ids(conn, learner_id) if learner_id else set()
        stored = course_progress_rows(conn, learner_id, [course.id]) if learner_id else []
    return _course_view(course, done, stored[0] if stored else None)


def pathway_outline(db: Database, learner_id: int | None, pathway_slug: str) -> PathwayView:
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        pathway = catalog.pathway(pathway_slug)
        if pathway is None:
            raise NotFound(f"Unknown pathway '{pathway_slug}'")
        done = done_ids(conn, learner_id) if learner_id else set()
        stored = pathway_progress_rows(conn, learner_id, [pathway.id]) if learner_id else []
        course_rows = course_progress_rows(conn, learner_id, [c.id for c in pathway.courses]) if learner_id else []
    result = rules.pathway_progress(pathway, done)
    assert result is not None
    by_course = {row.node_id: row for row in course_rows}
    nxt = rules.next_pathway_lesson(pathway, done)
    return PathwayView(
        pathway.slug,
        pathway.title,
        bool(stored),
        result.counts.completed,
        result.counts.total,
        result.counts.percent,
        result.counts.complete,
        result.courses_completed,
        result.courses_total,
        tuple(_course_view(c, done, by_course.get(c.id)) for c in pathway.courses),
        (nxt[0].slug, nxt[1].slug) if nxt else None,
        stored[0].completed_at if stored and result.counts.complete else None,
    )


def aggregate(db: Database, learner_id: int, kind: str, slug: str) -> Aggregate:
    """Hierarchical counts; an unknown course or pathway reads 0 of 0, never a crash."""
    try:
        if kind == "pathway":
            view = pathway_outline(db, learner_id, slug)
            return Aggregate(
                "pathway",
                slug,
                view.completed,
                view.total,
                view.percent,
                view.complete,
                tuple(_course_aggregate(c) for c in view.courses),
            )
        return _course_aggregate(course_outline(db, learner_id, slug))
    except NotFound:
        return Aggregate(kind, slug)


def next_lesson(db: Database, learner_id: int, course_slug: str) -> str | None:
    """Continue Learning within a course: the first countable lesson not complete, else the first (review)."""
    with db.snapshot() as conn:
        course = current_catalog(conn).course(course_slug)
        if course is None:
            raise NotFound(f"Unknown course '{course_slug}'")
        done = done_ids(conn, learner_id)
    lesson = rules.next_lesson(course, done)
    return lesson.slug if lesson else None


def enrollments(db: Database, learner_id: int) -> list[EnrollmentView]:
    """Every course enrollment with its stored progress, most recently opened first (one query)."""
    with db.read() as session:
        catalog = current_catalog(session)
        rows = session.execute(select(Enrollment).where(col(Enrollment.learner_id) == learner_id)).scalars().all()
    views = [_enrollment_view(catalog, row) for row in rows if catalog.course(row.course_id)]
    return sorted(views, key=lambda v: v.last_accessed_at or v.enrolled_at, reverse=True)


def bulk_progress(db: Database, learner_id: int, course_slugs: list[str]) -> dict[str, Aggregate]:
    """Stored progress of many courses in one query; unknown or not enrolled reads 0 of 0."""
    with db.read() as session:
        catalog = current_catalog(session)
        ids = {c.id: c.slug for slug in course_slugs if (c := catalog.course(slug))}
        rows = session.execute(
            select(Enrollment).where(col(Enrollment.learner_id) == learner_id, col(Enrollment.course_id).in_(ids))
        ).scalars()
        found = {
            ids[r.course_id]: Aggregate("course", ids[r.course_id], r.completed, r.total, r.percent, r.is_complete)
            for r in rows
        }
    return {slug: found.get(slug, Aggregate("course", slug)) for slug in course_slugs}


def continue_learning(db: Database, learner_id: int) -> tuple[str, str] | None:
    """(course, lesson) to resume: the next lesson of the most recently opened unfinished course."""
    pending = [e for e in enrollments(db, learner_id) if not e.complete]
    if not pending:
        return None
    target = pending[0].course_slug
    lesson = next_lesson(db, learner_id, target)
    return (target, lesson) if lesson else None


_TOUCH_ENROLLMENT = (
    update(Enrollment)
    .where(col(Enrollment.learner_id) == bindparam("learner"), col(Enrollment.course_id) == bindparam("course"))
    .values(last_lesson_id=bindparam("lesson"), last_accessed_at=bindparam("now"))
)


def record_access(db: Database, learner_id: int, course_slug: str, lesson_slug: str) -> None:
    """Opening a lesson makes it the enrollment's last lesson (no-op when not enrolled)."""
    with db.transaction() as conn:  # every lesson opened writes: plain statements, no ORM session
        catalog = current_catalog(conn)
        course = catalog.course(course_slug)
        found = catalog.lesson(lesson_slug)
        if course is None or found is None or lesson_slug not in course.placement:
            raise NotFound(f"Unknown lesson '{lesson_slug}' in course '{course_slug}'")
        now = utcnow()
        conn.execute(_TOUCH_ENROLLMENT, {"learner": learner_id, "course": course.id, "lesson": found[0].id, "now": now})
        pathway_ids = [p.id for p in catalog.pathways_containing(course.id)]
        if pathway_ids:
            conn.execute(
                update(PathwayEnrollment)
                .where(
                    col(PathwayEnrollment.learner_id) == learner_id, col(PathwayEnrollment.pathway_id).in_(pathway_ids)
                )
                .values(last_accessed_at=now)
            )


def _course_view(course: Course, done: set[int], stored: StoredProgress | None) -> CourseView:
    result = rules.course_progress(course, done)
    assert result is not None
    modules = tuple(
        ModuleView(
            m.module.slug,
            m.module.title,
            m.counts.completed,
            m.counts.total,
            m.counts.complete,
            tuple(LessonView(x.slug, x.title, x.kind, x.minutes, x.preview, x.id in done) for x in m.module.lessons),
        )
        for m in result.modules
    )
    nxt = rules.next_lesson(course, done)
    return CourseView(
        course.slug,
        course.title,
        stored is not None,
        result.counts.completed,
        result.counts.total,
        result.counts.percent,
        result.counts.complete,
        modules,
        nxt.slug if nxt else None,
        stored.completed_at if stored and result.counts.complete else None,
    )


def _course_aggregate(view: CourseView) -> Aggregate:
    modules = tuple(
        Aggregate(
            "module", m.slug, m.completed, m.total, rules.Counts(m.completed, m.total, m.complete).percent, m.complete
        )
        for m in view.modules
    )
    return Aggregate("course", view.slug, view.completed, view.total, view.percent, view.complete, modules)


def _enrollment_view(catalog: Catalog, row: Enrollment) -> EnrollmentView:
    course = catalog.course(row.course_id)
    assert course is not None
    last = catalog.lesson(row.last_lesson_id) if row.last_lesson_id else None
    return EnrollmentView(
        course.slug,
        course.title,
        row.completed,
        row.total,
        row.percent,
        row.is_complete,
        row.enrolled_at,
        row.last_accessed_at,
        last[0].slug if last else None,
        row.completed_at,
        row.first_completed_at,
    )


def record_time_spent(db: Database, learner_id: int, lesson_slug: str, seconds: int) -> int:
    """Add visible-page time to a lesson (the player's heartbeat); returns the seconds that counted.

    The API's rules (lesson_time.add_time_spent); a preview lesson or a course left meanwhile counts nothing
    here instead of failing: a heartbeat is not a request anyone can correct.
    """
    if seconds <= 0:
        return 0
    with unit_of_work(db) as work:
        try:
            return add_time_spent(work, learner_id, lesson_slug, seconds)
        except (InvalidRequest, NotEnrolled):
            return 0

"""Services: each learner screen built from one LearnerRead (pure functions: no database, no clock)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from learnapp.domain import progress as rules
from learnapp.domain.content import Course, Lesson, Pathway
from learnapp.persistence.facts import StoredProgress
from learnapp.persistence.learner_read import Access, LearnerRead, LessonRecord
from learnapp.services.errors import NotFound
from learnapp.services.learning.views import LessonView, ModuleView, NodeView, node_key


def course_view(read: LearnerRead, slug: str) -> NodeView:
    """The course's outline: counts from the facts at every level, a checkmark per lesson, where to continue."""
    course = read.catalog.course(slug)
    if course is None:
        raise NotFound(f"Unknown course '{slug}'")
    return _outline(read, course)


def pathway_view(read: LearnerRead, slug: str) -> NodeView:
    """The pathway's outline: its counts from the facts, each course's outline, where to continue across them."""
    pathway = read.catalog.pathway(slug)
    if pathway is None:
        raise NotFound(f"Unknown pathway '{slug}'")
    result = rules.pathway_progress(pathway, read.done)
    assert result is not None
    stored = read.pathways.get(pathway.id)
    nxt = rules.next_pathway_lesson(pathway, read.done)
    return NodeView(
        "pathway",
        pathway.slug,
        pathway.title,
        enrolled=stored is not None,
        completed=result.counts.completed,
        total=result.counts.total,
        percent=result.counts.percent,
        complete=result.counts.complete,
        courses_completed=result.courses_completed,
        courses_total=result.courses_total,
        next_course=nxt[0].slug if nxt else None,
        next_lesson=nxt[1].slug if nxt else None,
        completed_at=stored.completed_at if stored and result.counts.complete else None,
        courses=tuple(_outline(read, c) for c in pathway.courses),
    )


def node_view(read: LearnerRead, kind: str, slug: str) -> NodeView:
    """The API's aggregate of a course or pathway; an unknown one reads 0 of 0, not complete (SPEC §3.6)."""
    try:
        return pathway_view(read, slug) if kind == "pathway" else course_view(read, slug)
    except NotFound:
        return NodeView(kind, slug)


def next_lesson(read: LearnerRead, course_slug: str) -> str | None:
    """Within a course: the first countable lesson not complete, else the first (review)."""
    course = read.catalog.course(course_slug)
    if course is None:
        raise NotFound(f"Unknown course '{course_slug}'")
    lesson = rules.next_lesson(course, read.done)
    return lesson.slug if lesson else None


def course_enrollments(read: LearnerRead) -> tuple[NodeView, ...]:
    """Every course enrollment (an ACCESS read) with its stored progress, most recently opened first."""
    views = []
    for access in _accesses(read, "course"):
        course, row = read.catalog.course(access.node_id), read.courses.get(access.node_id)
        if course is not None and row is not None:
            lesson = rules.next_lesson(course, read.done)
            last = read.catalog.lesson(access.last_lesson_id) if access.last_lesson_id else None
            views.append(
                _enrolled(
                    read, course, row, access, (course, lesson) if lesson else None, last[0].slug if last else None
                )
            )
    return tuple(views)


def pathway_enrollments(read: LearnerRead) -> tuple[NodeView, ...]:
    """Every pathway enrollment (an ACCESS read) with its stored progress, most recently opened first."""
    views = []
    for access in _accesses(read, "pathway"):
        pathway, row = read.catalog.pathway(access.node_id), read.pathways.get(access.node_id)
        if pathway is not None and row is not None:
            views.append(_enrolled(read, pathway, row, access, rules.next_pathway_lesson(pathway, read.done)))
    return tuple(views)


def continue_learning(courses: Iterable[NodeView]) -> NodeView | None:
    """Continue Learning: the most recently opened unfinished course that has a lesson to open."""
    return next((c for c in courses if not c.complete and c.next_lesson), None)


def stored_progress(read: LearnerRead) -> dict[str, NodeView]:
    """The stored progress of every enrolled course and pathway of the catalog, by node key."""
    found: dict[str, NodeView] = {}
    for kind, rows in (("course", read.courses), ("pathway", read.pathways)):
        for node_id, row in rows.items():
            node = read.catalog.course(node_id) if kind == "course" else read.catalog.pathway(node_id)
            if node is not None:
                found[node_key(kind, node.slug)] = NodeView(
                    kind, node.slug, node.title, True, row.completed, row.total, row.percent, row.is_complete
                )
    return found


def local_date(moment: datetime | None, zone: tzinfo) -> date | None:
    """The calendar day of a stored UTC moment where the learner lives."""
    return moment.astimezone(zone).date() if moment else None


def _outline(read: LearnerRead, course: Course) -> NodeView:
    done, records = read.done, read.records
    result = rules.course_progress(course, done)
    assert result is not None
    modules = tuple(
        ModuleView(
            m.module.slug,
            m.module.title,
            m.counts.completed,
            m.counts.total,
            m.counts.percent,
            m.counts.complete,
            tuple(_lesson(x, x.id in done, records.get(x.id) if x.id in done else None) for x in m.module.lessons),
        )
        for m in result.modules
    )
    stored = read.courses.get(course.id)
    nxt = rules.next_lesson(course, done)
    return NodeView(
        "course",
        course.slug,
        course.title,
        enrolled=stored is not None,
        completed=result.counts.completed,
        total=result.counts.total,
        percent=result.counts.percent,
        complete=result.counts.complete,
        next_course=course.slug if nxt else None,
        next_lesson=nxt.slug if nxt else None,
        completed_at=stored.completed_at if stored and result.counts.complete else None,
        modules=modules,
    )


def _lesson(lesson: Lesson, done: bool, record: LessonRecord | None) -> LessonView:
    return LessonView(lesson.slug, lesson.title, lesson.kind, lesson.minutes, lesson.preview, done, record)


def _accesses(read: LearnerRead, kind: str) -> list[Access]:
    """The enrollments of this kind, most recently opened first."""
    found = [a for a in read.access if a.kind == kind]
    return sorted(found, key=lambda a: a.last_accessed_at or a.enrolled_at, reverse=True)


def _enrolled(
    read: LearnerRead,
    node: Course | Pathway,
    row: StoredProgress,
    access: Access,
    nxt: tuple[Course, Lesson] | None,
    last_lesson: str | None = None,
) -> NodeView:
    kind = "course" if isinstance(node, Course) else "pathway"
    return NodeView(
        kind,
        node.slug,
        node.title,
        enrolled=True,
        completed=row.completed,
        total=row.total,
        percent=row.percent,
        complete=row.is_complete,
        courses_completed=row.courses_completed,
        courses_total=row.courses_total,
        next_course=nxt[0].slug if nxt else None,
        next_lesson=nxt[1].slug if nxt else None,
        next_title=nxt[1].title if nxt else None,
        completed_at=row.completed_at,
        first_completed_at=row.first_completed_at,
        completed_on=local_date(row.first_completed_at, read.zone),
        enrolled_at=access.enrolled_at,
        last_accessed_at=access.last_accessed_at,
        last_lesson=last_lesson,
    )

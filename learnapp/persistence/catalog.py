"""Persistence: load the published content tree into domain objects, cached by catalog version."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlmodel import Session

from learnapp.domain.content import Catalog, Course, Lesson, Module, Pathway
from learnapp.persistence.tables import (
    CatalogState,
    CourseModule,
    CourseRow,
    LessonRow,
    ModuleRow,
    PathwayCourse,
    PathwayRow,
)

_cache: dict[str, Catalog] = {}
_lock = threading.Lock()


def catalog_version(session: Session) -> int:
    version = session.execute(select(CatalogState.version).where(CatalogState.id == 1)).scalar()
    return int(version or 0)


def current_catalog(session: Session) -> Catalog:
    """The tree as of this transaction; rebuilt only when an import changed the version."""
    key = str(session.get_bind().url)
    version = catalog_version(session)
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    catalog = load_catalog(session, version)
    with _lock:
        _cache[key] = catalog
    return catalog


def load_catalog(session: Session, version: int = 0) -> Catalog:
    lessons: dict[int, list[Lesson]] = {}
    rows = session.execute(
        select(LessonRow).where(LessonRow.retired == False).order_by(LessonRow.position, LessonRow.id)  # noqa: E712
    ).scalars()
    for row in rows:
        lesson = Lesson(int(row.id or 0), row.slug, row.title, row.kind, row.minutes, row.preview)
        lessons.setdefault(row.module_id, []).append(lesson)
    modules = {
        m.id: Module(int(m.id or 0), m.slug, m.title, tuple(lessons.get(int(m.id or 0), ())))
        for m in session.execute(select(ModuleRow).where(ModuleRow.retired == False)).scalars()  # noqa: E712
    }
    members = session.execute(select(CourseModule).order_by(CourseModule.position)).scalars()
    by_course: dict[int, list[Module]] = {}
    for link in members:
        if link.module_id in modules:
            by_course.setdefault(link.course_id, []).append(modules[link.module_id])
    courses = tuple(
        Course(int(c.id or 0), c.slug, c.title, tuple(by_course.get(int(c.id or 0), ())))
        for c in session.execute(
            select(CourseRow).where(CourseRow.retired == False).order_by(CourseRow.position, CourseRow.id)  # noqa: E712
        ).scalars()
    )
    return Catalog(courses, _pathways(session, {c.id: c for c in courses}), version)


def _pathways(session: Session, courses: dict[int, Course]) -> tuple[Pathway, ...]:
    by_pathway: dict[int, list[Course]] = {}
    for link in session.execute(select(PathwayCourse).order_by(PathwayCourse.position)).scalars():
        if link.course_id in courses:
            by_pathway.setdefault(link.pathway_id, []).append(courses[link.course_id])
    rows = session.execute(
        select(PathwayRow).where(PathwayRow.retired == False).order_by(PathwayRow.position, PathwayRow.id)  # noqa: E712
    ).scalars()
    return tuple(Pathway(int(p.id or 0), p.slug, p.title, tuple(by_pathway.get(int(p.id or 0), ()))) for p in rows)

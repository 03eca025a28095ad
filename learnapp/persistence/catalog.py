"""Persistence: load the published content tree into domain objects, cached by catalog version."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import Connection, select
from sqlmodel import Session, col

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

# Per database: the catalog and the (version, updated_at) it was read at. The moment is part of the key because a
# rolled-back import (a dry run, a refused apply) reaches the same version number as the next real one: a tree read
# inside it must never be served for the one that commits.
_cache: dict[str, tuple[tuple[int, object], Catalog]] = {}
_lock = threading.Lock()


_VERSION = select(col(CatalogState.version)).where(col(CatalogState.id) == 1)
_STAMP = select(col(CatalogState.version), col(CatalogState.updated_at)).where(col(CatalogState.id) == 1)


def lock_catalog(conn: Connection) -> None:
    """Serialize content imports: PostgreSQL locks the catalog's state row; SQLite's BEGIN IMMEDIATE already did.

    Taken first, so an import that waited reads the catalog (and version) the one before it committed.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(_VERSION.with_for_update()).first()


def catalog_version(db: Session | Connection) -> int:
    return int(db.execute(_VERSION).scalar() or 0)


def current_catalog(db: Session | Connection) -> Catalog:
    """The tree as of this transaction; rebuilt only when an import changed the version."""
    engine = db.engine if isinstance(db, Connection) else db.get_bind().engine
    key = str(engine.url)
    row = db.execute(_STAMP).first()
    stamp = (int(row[0]), row[1]) if row is not None else (0, None)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    if isinstance(db, Connection):
        with Session(bind=db) as session:
            catalog = load_catalog(session, stamp[0])
    else:
        catalog = load_catalog(db, stamp[0])
    with _lock:
        _cache[key] = (stamp, catalog)
    return catalog


def load_catalog(session: Session, version: int = 0) -> Catalog:
    lessons: dict[int, list[Lesson]] = {}
    rows = session.execute(
        select(LessonRow).where(col(LessonRow.retired).is_(False)).order_by(col(LessonRow.position), col(LessonRow.id))
    ).scalars()
    for row in rows:
        lesson = Lesson(int(row.id or 0), row.slug, row.title, row.kind, row.minutes, row.preview)
        lessons.setdefault(row.module_id, []).append(lesson)
    modules = {
        m.id: Module(int(m.id or 0), m.slug, m.title, tuple(lessons.get(int(m.id or 0), ())))
        for m in session.execute(select(ModuleRow).where(col(ModuleRow.retired).is_(False))).scalars()
    }
    members = session.execute(select(CourseModule).order_by(col(CourseModule.position))).scalars()
    by_course: dict[int, list[Module]] = {}
    for link in members:
        if link.module_id in modules:
            by_course.setdefault(link.course_id, []).append(modules[link.module_id])
    courses = tuple(
        Course(int(c.id or 0), c.slug, c.title, tuple(by_course.get(int(c.id or 0), ())))
        for c in session.execute(
            select(CourseRow)
            .where(col(CourseRow.retired).is_(False))
            .order_by(col(CourseRow.position), col(CourseRow.id))
        ).scalars()
    )
    return Catalog(courses, _pathways(session, {c.id: c for c in courses}), version)


def _pathways(session: Session, courses: dict[int, Course]) -> tuple[Pathway, ...]:
    by_pathway: dict[int, list[Course]] = {}
    for link in session.execute(select(PathwayCourse).order_by(col(PathwayCourse.position))).scalars():
        if link.course_id in courses:
            by_pathway.setdefault(link.pathway_id, []).append(courses[link.course_id])
    rows = session.execute(
        select(PathwayRow)
        .where(col(PathwayRow.retired).is_(False))
        .order_by(col(PathwayRow.position), col(PathwayRow.id))
    ).scalars()
    return tuple(Pathway(int(p.id or 0), p.slug, p.title, tuple(by_pathway.get(int(p.id or 0), ()))) for p in rows)


def descriptions(conn: Connection, kind: str, slugs: Iterable[str] | None = None) -> dict[str, str]:
    """Authored descriptions of courses or pathways by slug: all of them, or these (an unknown slug is absent)."""
    row = PathwayRow if kind == "pathway" else CourseRow
    query = select(col(row.slug), col(row.description))
    if slugs is not None:
        query = query.where(col(row.slug).in_(list(slugs)))
    return {slug: text for slug, text in conn.execute(query)}


_BODY = select(col(LessonRow.body), col(LessonRow.video_url))


def lesson_body(conn: Connection, lesson_id: int) -> tuple[str, str | None]:
    """A lesson's markdown and video address."""
    body, video = conn.execute(_BODY.where(col(LessonRow.id) == lesson_id)).one()
    return body, video

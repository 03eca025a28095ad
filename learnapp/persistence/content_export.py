"""Persistence: the published catalog as plain data (retired items left out), in import order, for the export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from learnapp.persistence.db import Connection
from learnapp.persistence.handles import COURSE as _COURSE
from learnapp.persistence.handles import COURSE_MODULE as _COURSE_MODULE
from learnapp.persistence.handles import LESSON as _LESSON
from learnapp.persistence.handles import MODULE as _MODULE
from learnapp.persistence.handles import PATHWAY as _PATHWAY
from learnapp.persistence.handles import PATHWAY_COURSE as _PATHWAY_COURSE


def catalog_data(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Modules with their lessons, courses with their modules, pathways with their courses, as content files say."""
    modules = conn.execute(select(_MODULE).where(_MODULE.c.retired.is_(False)).order_by(_MODULE.c.id)).all()
    lessons: dict[int, list[dict[str, Any]]] = {}
    query = select(_LESSON).where(_LESSON.c.retired.is_(False)).order_by(_LESSON.c.position, _LESSON.c.id)
    for row in conn.execute(query):
        lessons.setdefault(row.module_id, []).append(
            {
                "slug": row.slug,
                "title": row.title,
                "description": row.description,
                "kind": row.kind,
                "minutes": row.minutes,
                "preview": bool(row.preview),
                "video_url": row.video_url,
                "body": row.body,
            }
        )
    module_slugs = {row.id: row.slug for row in modules}
    courses = _parents(conn, _COURSE, _COURSE_MODULE, "course_id", "module_id", module_slugs, "modules")
    course_slugs = {row.id: row.slug for row in conn.execute(select(_COURSE.c.id, _COURSE.c.slug))}
    live_courses = {c["slug"] for c in courses}
    live = {key: slug for key, slug in course_slugs.items() if slug in live_courses}
    pathways = _parents(conn, _PATHWAY, _PATHWAY_COURSE, "pathway_id", "course_id", live, "courses")
    return {
        "modules": [
            {"slug": m.slug, "title": m.title, "description": m.description, "lessons": lessons.get(m.id, [])}
            for m in modules
        ],
        "courses": courses,
        "pathways": pathways,
    }


def _parents(
    conn: Connection,
    table: Any,
    links: Any,
    parent_key: str,
    child_key: str,
    child_slugs: dict[int, str],
    label: str,
) -> list[dict[str, Any]]:
    """Courses with their modules (pathways with their courses), in position order; retired children left out."""
    children: dict[int, list[str]] = {}
    for link in conn.execute(select(links).order_by(links.c[parent_key], links.c.position)):
        slug = child_slugs.get(link._mapping[child_key])
        if slug is not None:
            children.setdefault(link._mapping[parent_key], []).append(slug)
    rows = conn.execute(select(table).where(table.c.retired.is_(False)).order_by(table.c.position, table.c.id))
    return [
        {"slug": r.slug, "title": r.title, "description": r.description, label: children.get(r.id, [])} for r in rows
    ]

"""Services: the published catalog written back as one content YAML file that imports to exactly the same catalog."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from learnapp.persistence.db import Connection, Database
from learnapp.persistence.handles import COURSE as _COURSE
from learnapp.persistence.handles import COURSE_MODULE as _COURSE_MODULE
from learnapp.persistence.handles import LESSON as _LESSON
from learnapp.persistence.handles import MODULE as _MODULE
from learnapp.persistence.handles import PATHWAY as _PATHWAY
from learnapp.persistence.handles import PATHWAY_COURSE as _PATHWAY_COURSE

EXPORT_NAME = "catalog.yaml"
HEADER = (
    "# The learnapp catalog as published, exported by learnapp. Format: content/README.md.\n"
    "# Importing this file unchanged changes nothing.\n"
)


class _Dumper(yaml.SafeDumper):
    """Lesson bodies as literal blocks (`|`), as authors write them; PyYAML quotes what a block cannot hold."""


# A reader folds these into "\n" (or keeps them as line breaks) outside double quotes: only escapes keep them exact.
_BREAKS = frozenset("\r\x85\u2028\u2029\ufeff")


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _BREAKS.intersection(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def export_catalog(db: Database) -> str:
    """The catalog as published (retired items left out), in import order, read in one snapshot."""
    with db.snapshot() as conn:
        data = catalog_data(conn)
    return HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def catalog_digest(db: Database) -> str:
    """A fingerprint of the published catalog: equal digests, equal catalogs."""
    return hashlib.sha256(export_catalog(db).encode()).hexdigest()


def write_export(db: Database, target: Path) -> Path:
    """Into `target` (a file), or `target/catalog.yaml` when it is a folder; returns the file written."""
    path = target / EXPORT_NAME if target.is_dir() else target
    path.write_text(export_catalog(db), encoding="utf-8")
    return path


def catalog_data(conn: Connection) -> dict[str, list[dict[str, Any]]]:
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

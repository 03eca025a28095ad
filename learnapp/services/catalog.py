"""Services: the public catalog listing (pathways and courses with their size)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.tables import CourseRow, PathwayRow


@dataclass(frozen=True)
class CatalogEntry:
    kind: str
    slug: str
    title: str
    description: str
    lessons: int
    minutes: int
    children: tuple[str, ...]


def list_catalog(db: Database) -> list[CatalogEntry]:
    """Pathways first, then courses, each in authored order."""
    with db.read() as session:
        catalog = current_catalog(session)
        described = {
            ("course", s): d for s, d in session.execute(select(col(CourseRow.slug), col(CourseRow.description)))
        }
        described |= {
            ("pathway", s): d for s, d in session.execute(select(col(PathwayRow.slug), col(PathwayRow.description)))
        }
    entries = [
        CatalogEntry(
            "pathway",
            p.slug,
            p.title,
            described.get(("pathway", p.slug), ""),
            len(p.countable_ids),
            sum(x.minutes for c in p.courses for x in c.lessons if not x.preview),
            tuple(c.title for c in p.courses),
        )
        for p in catalog.pathways
    ]
    entries += [
        CatalogEntry(
            "course",
            c.slug,
            c.title,
            described.get(("course", c.slug), ""),
            len(c.countable_ids),
            sum(x.minutes for x in c.lessons if not x.preview),
            tuple(m.title for m in c.modules),
        )
        for c in catalog.courses
    ]
    return entries

"""Services: the public catalog listing (pathways and courses with their size), descriptions, progress."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import course_progress_rows, pathway_progress_rows
from learnapp.persistence.tables import CourseRow, PathwayRow
from learnapp.services.learning.views import Aggregate


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


def descriptions(db: Database, pathways: Iterable[str] = (), courses: Iterable[str] = ()) -> dict[tuple[str, str], str]:
    """Authored descriptions keyed by (kind, slug); an unknown slug is simply absent."""
    found: dict[tuple[str, str], str] = {}
    with db.read() as session:
        if wanted := list(pathways):
            query = select(col(PathwayRow.slug), col(PathwayRow.description)).where(col(PathwayRow.slug).in_(wanted))
            found |= {("pathway", slug): text for slug, text in session.execute(query)}
        if wanted := list(courses):
            query = select(col(CourseRow.slug), col(CourseRow.description)).where(col(CourseRow.slug).in_(wanted))
            found |= {("course", slug): text for slug, text in session.execute(query)}
    return found


def catalog_progress(db: Database, learner_id: int) -> dict[tuple[str, str], Aggregate]:
    """The learner's stored progress on every enrolled course and pathway, keyed by (kind, slug), in one read."""
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        courses = course_progress_rows(conn, learner_id, [c.id for c in catalog.courses])
        pathways = pathway_progress_rows(conn, learner_id, [p.id for p in catalog.pathways])
    found: dict[tuple[str, str], Aggregate] = {}
    for kind, rows, lookup in (("course", courses, catalog.course), ("pathway", pathways, catalog.pathway)):
        for row in rows:
            node = lookup(row.node_id)
            if node is not None:
                found[(kind, node.slug)] = Aggregate(
                    kind, node.slug, row.completed, row.total, row.percent, row.is_complete
                )
    return found

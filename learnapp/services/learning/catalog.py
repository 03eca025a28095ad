"""Services: the public catalog listing (pathways and courses with their size), descriptions, progress."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from learnapp.persistence import catalog as content
from learnapp.persistence.db import Database
from learnapp.persistence.learner_read import read_learner
from learnapp.services.learning import read_model
from learnapp.services.learning.views import NodeView, node_key


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
    with db.snapshot() as conn:
        catalog = content.current_catalog(conn)
        described = {
            node_key(kind, s): d for kind in ("course", "pathway") for s, d in content.descriptions(conn, kind).items()
        }
    entries = [
        CatalogEntry(
            "pathway",
            p.slug,
            p.title,
            described.get(node_key("pathway", p.slug), ""),
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
            described.get(node_key("course", c.slug), ""),
            len(c.countable_ids),
            sum(x.minutes for x in c.lessons if not x.preview),
            tuple(m.title for m in c.modules),
        )
        for c in catalog.courses
    ]
    return entries


def descriptions(db: Database, pathways: Iterable[str] = (), courses: Iterable[str] = ()) -> dict[str, str]:
    """Authored descriptions by node key; an unknown slug is simply absent."""
    found: dict[str, str] = {}
    with db.snapshot() as conn:
        for kind, slugs in (("pathway", list(pathways)), ("course", list(courses))):
            if slugs:
                found |= {node_key(kind, slug): text for slug, text in content.descriptions(conn, kind, slugs).items()}
    return found


def catalog_progress(db: Database, learner_id: int) -> dict[str, NodeView]:
    """The learner's stored progress on every enrolled course and pathway, by node key, in one read."""
    return read_model.stored_progress(read_learner(db, learner_id))

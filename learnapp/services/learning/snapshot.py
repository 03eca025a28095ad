"""Services: one learner's whole progress picture, compact enough to push to every open tab."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from learnapp.domain import progress as rules
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.learner_read import LearnerRead, Part, learner_read, read_learner
from learnapp.persistence.notices import Notice
from learnapp.services.learning.views import node_key

T = TypeVar("T")
EXTRAS = Part.CERTIFICATES | Part.NOTICES  # what a snapshot holds beyond checkmarks and counts


@dataclass(frozen=True)
class LearnerSnapshot:
    """Lesson checkmarks, module counts, stored course/pathway progress (by node key), certificates, notices."""

    done: dict[str, bool] = field(default_factory=dict)
    modules: dict[str, int] = field(default_factory=dict)
    courses: dict[str, dict[str, int]] = field(default_factory=dict)
    # Certificate status and code by node key (views.node_key: a course's slug, "pathway:<slug>").
    certificates: dict[str, dict[str, str]] = field(default_factory=dict)
    unread: int = 0
    notices: tuple[Notice, ...] = ()  # the most recent, newest first
    version: int = 0  # the learner's progress version this picture was read at


def with_snapshot(
    db: Database, learner_id: int, build: Callable[[LearnerRead], T], parts: Part = Part.NONE
) -> tuple[T, LearnerSnapshot]:
    """A screen built from a read holding `parts`, and the tab's snapshot, from that one read of the learner."""
    read = read_learner(db, learner_id, parts | EXTRAS)
    return build(read), snapshot_of(read)


def learner_snapshot(db: Database, learner_id: int, extras: bool = True) -> LearnerSnapshot:
    """All of it; without `extras`, certificates and notices are left empty (not read)."""
    with db.snapshot() as conn:
        return read_snapshot(conn, learner_id, extras)


def read_snapshot(conn: Connection, learner_id: int, extras: bool = True) -> LearnerSnapshot:
    """learner_snapshot inside the caller's transaction (a click reads it in the transaction that recorded it)."""
    return snapshot_of(learner_read(conn, learner_id, EXTRAS if extras else Part.NONE))


def snapshot_of(read: LearnerRead) -> LearnerSnapshot:
    """The tab's picture from a read; certificates and notices are what the read holds of them."""
    catalog, done = read.catalog, read.done
    modules = {m.slug: rules.module_progress(m, done).counts.completed for c in catalog.courses for m in c.modules}
    lessons = {x.slug: True for c in catalog.courses for x in c.lessons if x.id in done}
    courses = {}
    for kind, rows in (("course", read.courses), ("pathway", read.pathways)):
        for node_id, row in rows.items():
            node = catalog.course(node_id) if kind == "course" else catalog.pathway(node_id)
            if node is not None:
                courses[node_key(kind, node.slug)] = _counts(row.completed, row.total, row.percent, row.is_complete)
    certificates = {}
    for cert in read.certificates:
        node = catalog.course(cert.node_id) if cert.node_kind == "course" else catalog.pathway(cert.node_id)
        if node is not None:
            certificates[node_key(cert.node_kind, node.slug)] = {"status": cert.status, "code": cert.code}
    return LearnerSnapshot(lessons, modules, courses, certificates, read.unread, read.notices, read.version)


def _counts(completed: int, total: int, percent: int, complete: bool) -> dict[str, int]:
    return {"completed": completed, "total": total, "percent": percent, "complete": int(complete)}

"""Services: one learner's whole progress picture, compact enough to push to every open tab."""

from __future__ import annotations

from dataclasses import dataclass, field

from learnapp.domain import progress as rules
from learnapp.persistence import certs
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.facts import course_progress_rows, done_ids, pathway_progress_rows
from learnapp.persistence.notices import Notice, recent_notices, unread_count
from learnapp.persistence.outbox import progress_version


@dataclass(frozen=True)
class LearnerSnapshot:
    """Lesson checkmarks, module counts, stored course/pathway progress (keyed by slug), certificates, notices."""

    done: dict[str, bool] = field(default_factory=dict)
    modules: dict[str, int] = field(default_factory=dict)
    courses: dict[str, dict[str, int]] = field(default_factory=dict)
    # Certificate status and code by course slug ("pathway:<slug>" for pathways).
    certificates: dict[str, dict[str, str]] = field(default_factory=dict)
    unread: int = 0
    notices: tuple[Notice, ...] = ()  # the most recent, newest first
    version: int = 0  # the learner's progress version this picture was read at


def learner_snapshot(db: Database, learner_id: int, extras: bool = True) -> LearnerSnapshot:
    """All of it; without `extras`, certificates and notices are left empty (not read)."""
    with db.snapshot() as conn:
        return read_snapshot(conn, learner_id, extras)


def read_snapshot(conn: Connection, learner_id: int, extras: bool = True) -> LearnerSnapshot:
    """learner_snapshot inside the caller's transaction (a click reads it in the transaction that recorded it)."""
    issued: list[certs.CertificateRow] = []
    unread = 0
    notices: tuple[Notice, ...] = ()
    catalog = current_catalog(conn)
    version = progress_version(conn, learner_id)
    done = done_ids(conn, learner_id)
    course_rows = course_progress_rows(conn, learner_id, [c.id for c in catalog.courses])
    pathway_rows = pathway_progress_rows(conn, learner_id, [p.id for p in catalog.pathways])
    if extras:
        issued = certs.find(conn, learner_id=learner_id)
        unread, notices = unread_count(conn, learner_id), tuple(recent_notices(conn, learner_id))
    modules = {m.slug: rules.module_progress(m, done).counts.completed for c in catalog.courses for m in c.modules}
    lessons = {x.slug: True for c in catalog.courses for x in c.lessons if x.id in done}
    courses = {}
    for row in course_rows:
        course = catalog.course(row.node_id)
        if course is not None:
            courses[course.slug] = _counts(row.completed, row.total, row.percent, row.is_complete)
    for row in pathway_rows:
        pathway = catalog.pathway(row.node_id)
        if pathway is not None:
            courses[f"pathway:{pathway.slug}"] = _counts(row.completed, row.total, row.percent, row.is_complete)
    certificates = {}
    for cert in issued:
        node = catalog.course(cert.node_id) if cert.node_kind == "course" else catalog.pathway(cert.node_id)
        if node is not None:
            key = node.slug if cert.node_kind == "course" else f"pathway:{node.slug}"
            certificates[key] = {"status": cert.status, "code": cert.code}
    return LearnerSnapshot(lessons, modules, courses, certificates, unread, notices, version)


def _counts(completed: int, total: int, percent: int, complete: bool) -> dict[str, int]:
    return {"completed": completed, "total": total, "percent": percent, "complete": int(complete)}

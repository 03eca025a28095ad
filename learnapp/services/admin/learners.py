"""Services: what an admin reads and does about learners: search, a learner's record, CSV export, re-issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, func, or_, select
from sqlalchemy.orm import aliased

from learnapp.domain.ids import parse_id
from learnapp.domain.spreadsheet import csv_text
from learnapp.persistence import certs
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.facts import COMPLETION, ENROLLMENT, HISTORY, LEARNER, PATHWAY_ENROLLMENT, append_history
from learnapp.persistence.facts import history_entry as entry
from learnapp.persistence.handles import COURSE, LESSON, PATHWAY
from learnapp.services.errors import NotFound
from learnapp.services.notices.certificates import CertificateView, certificates_of

HISTORY_LIMIT = 200
CSV_COLUMNS = (
    "learner_id",
    "name",
    "email",
    "enrolled_at",
    "completed_lessons",
    "total_lessons",
    "percent",
    "complete",
    "completed_at",
    "first_completed_at",
    "last_accessed_at",
)


@dataclass(frozen=True)
class LearnerRow:
    id: int
    name: str
    email: str
    role: str
    enrollments: int
    completed: int


@dataclass(frozen=True)
class LearnerEnrollment:
    kind: str
    slug: str
    title: str
    completed: int
    total: int
    percent: int
    complete: bool
    enrolled_at: datetime
    last_accessed_at: datetime | None
    first_completed_at: datetime | None


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    action: str
    source: str
    actor: str
    lesson: str
    node: str  # the course or pathway, when the entry names one


@dataclass(frozen=True)
class LearnerDetail:
    id: int
    name: str
    email: str
    role: str
    time_zone: str
    created_at: datetime
    lessons_completed: int
    enrollments: tuple[LearnerEnrollment, ...]
    history: tuple[HistoryItem, ...]  # newest first, at most HISTORY_LIMIT
    certificates: tuple[CertificateView, ...]


def find_learners(db: Database, text: str = "", limit: int = 25) -> list[LearnerRow]:
    """By name, email or id; with no text, the newest accounts. Counts come from one grouped join."""
    done = func.sum(case((ENROLLMENT.c.is_complete, 1), else_=0))
    query = select(LEARNER.c.id, LEARNER.c.name, LEARNER.c.email, LEARNER.c.role, func.count(ENROLLMENT.c.id), done)
    query = query.select_from(LEARNER.outerjoin(ENROLLMENT, ENROLLMENT.c.learner_id == LEARNER.c.id))
    # PostgreSQL refuses a NUL in any string, so a pasted one would be an error instead of no match.
    needle = text.replace("\x00", "").strip().lower()
    if needle:
        pattern = f"%{needle.replace('%', '').replace('_', '')}%"
        match: list[Any] = [func.lower(LEARNER.c.name).like(pattern), LEARNER.c.email.like(pattern)]
        wanted = parse_id(needle)  # "²" or 30 digits are text to search for, not an id to look up
        if wanted is not None:
            match.append(LEARNER.c.id == wanted)
        query = query.where(or_(*match))
    query = query.group_by(LEARNER.c.id).order_by(LEARNER.c.id.desc()).limit(limit)
    with db.snapshot() as conn:
        return [LearnerRow(int(r[0]), r[1], r[2], r[3], int(r[4]), int(r[5] or 0)) for r in conn.execute(query)]


def learner_detail(db: Database, learner_id: int) -> LearnerDetail:
    with db.snapshot() as conn:
        who = conn.execute(select(LEARNER).where(LEARNER.c.id == learner_id)).first()
        if who is None:
            raise NotFound("Unknown learner")
        lessons = conn.execute(select(func.count()).where(COMPLETION.c.learner_id == learner_id)).scalar()
        rows = _enrollments(conn, "course", ENROLLMENT, COURSE, learner_id)
        rows += _enrollments(conn, "pathway", PATHWAY_ENROLLMENT, PATHWAY, learner_id)
        history = _history(conn, learner_id)
    return LearnerDetail(
        int(who.id),
        who.name,
        who.email,
        who.role,
        who.time_zone,
        who.created_at,
        int(lessons or 0),
        tuple(rows),
        history,
        tuple(certificates_of(db, learner_id)),
    )


def _enrollments(conn: Connection, kind: str, table: Table, nodes: Table, learner_id: int) -> list[LearnerEnrollment]:
    key = table.c.course_id if kind == "course" else table.c.pathway_id
    columns = [table.c[n] for n in ("completed", "total", "percent", "is_complete", "enrolled_at")]
    columns += [table.c.last_accessed_at, table.c.first_completed_at]
    query = (
        select(nodes.c.slug, nodes.c.title, *columns)
        .join_from(table, nodes, nodes.c.id == key)
        .where(table.c.learner_id == learner_id)
        .order_by(nodes.c.position, nodes.c.id)
    )
    return [LearnerEnrollment(kind, *row) for row in conn.execute(query)]


def _history(conn: Connection, learner_id: int) -> tuple[HistoryItem, ...]:
    actor = aliased(LEARNER)
    node = func.coalesce(COURSE.c.title, PATHWAY.c.title, "")
    query = (
        select(HISTORY.c.at, HISTORY.c.action, HISTORY.c.source, actor.c.name, func.coalesce(LESSON.c.title, ""), node)
        .select_from(HISTORY)
        .outerjoin(actor, actor.c.id == HISTORY.c.actor_id)
        .outerjoin(LESSON, LESSON.c.id == HISTORY.c.lesson_id)
        .outerjoin(COURSE, COURSE.c.id == HISTORY.c.course_id)
        .outerjoin(PATHWAY, PATHWAY.c.id == HISTORY.c.pathway_id)
        .where(HISTORY.c.learner_id == learner_id)
        .order_by(HISTORY.c.at.desc(), HISTORY.c.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return tuple(HistoryItem(r[0], r[1], r[2], r[3] or "", r[4], r[5]) for r in conn.execute(query))


def reissue_certificate(db: Database, learner_id: int, certificate_id: int, actor_id: int) -> None:
    """Render the learner's certificate again (same code); recorded in their history as an admin action."""
    with db.transaction() as conn:
        found = certs.find(conn, id=certificate_id, learner_id=learner_id)
        if not found or not certs.requeue(conn, certificate_id):
            raise NotFound("Unknown certificate")
        node = {"course_id" if found[0].node_kind == "course" else "pathway_id": found[0].node_id}
        append_history(conn, [entry(learner_id, "certificate reissued", "admin", actor_id, **node)])


def course_progress_csv(db: Database, slug: str) -> str:
    """Per-learner progress of one course, one row per enrollment, ordered by learner id."""
    with db.snapshot() as conn:
        course = current_catalog(conn).course(slug)
        if course is None:
            raise NotFound(f"Unknown course '{slug}'")
        rows = conn.execute(
            select(LEARNER.c.id, LEARNER.c.name, LEARNER.c.email, *(ENROLLMENT.c[n] for n in _STORED))
            .join_from(ENROLLMENT, LEARNER, LEARNER.c.id == ENROLLMENT.c.learner_id)
            .where(ENROLLMENT.c.course_id == course.id)
            .order_by(LEARNER.c.id)
        ).all()
    return csv_text(CSV_COLUMNS, ([_cell(value) for value in row] for row in rows))


_STORED = (
    "enrolled_at",
    "completed",
    "total",
    "percent",
    "is_complete",
    "completed_at",
    "first_completed_at",
    "last_accessed_at",
)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value

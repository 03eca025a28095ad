"""Services: what an admin reads and does about learners: search, a learner's record, CSV export, re-issue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from learnapp.domain.spreadsheet import csv_text
from learnapp.persistence import admin_learners, certs
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import history_entry as entry
from learnapp.persistence.history_ids import append_history
from learnapp.services.errors import NotFound
from learnapp.services.learning.views import NodeView
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
    enrollments: tuple[NodeView, ...]  # retired courses and pathways too, in the catalog's order
    history: tuple[HistoryItem, ...]  # newest first, at most HISTORY_LIMIT
    certificates: tuple[CertificateView, ...]


def _enrollment(kind: str, slug: str, title: str, *counts: Any) -> NodeView:
    completed, total, percent, complete, enrolled_at, last_accessed_at, first_completed_at = counts
    return NodeView(
        kind,
        slug,
        title,
        True,
        completed,
        total,
        percent,
        complete,
        enrolled_at=enrolled_at,
        last_accessed_at=last_accessed_at,
        first_completed_at=first_completed_at,
    )


def find_learners(db: Database, text: str = "", limit: int = 25) -> list[LearnerRow]:
    """By name, email or id; with no text, the newest accounts. Counts come from one grouped join."""
    with db.snapshot() as conn:
        return [LearnerRow(*row) for row in admin_learners.search(conn, text, limit)]


def learner_detail(db: Database, learner_id: int) -> LearnerDetail:
    with db.snapshot() as conn:
        who = admin_learners.account(conn, learner_id)
        if who is None:
            raise NotFound("Unknown learner")
        lessons = admin_learners.lessons_completed(conn, learner_id)
        rows = [
            _enrollment(kind, *row)
            for kind in ("course", "pathway")
            for row in admin_learners.enrollments(conn, kind, learner_id)
        ]
        history = tuple(
            HistoryItem(r[0], r[1], r[2], r[3] or "", r[4], r[5])
            for r in admin_learners.history(conn, learner_id, HISTORY_LIMIT)
        )
    return LearnerDetail(
        int(who.id),
        who.name,
        who.email,
        who.role,
        who.time_zone,
        who.created_at,
        lessons,
        tuple(rows),
        history,
        tuple(certificates_of(db, learner_id)),
    )


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
        rows = admin_learners.course_progress(conn, course.id)
    return csv_text(CSV_COLUMNS, ([_cell(value) for value in row] for row in rows))


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value

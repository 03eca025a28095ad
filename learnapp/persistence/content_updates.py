"""Persistence: what a content update reads and records: certificates it reopens, history of the rows it recomputed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, literal, select

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Connection
from learnapp.persistence.handles import CERTIFICATE, ENROLLMENT, HISTORY, PATHWAY_ENROLLMENT
from learnapp.persistence.history_ids import append_selected

# Each kind of node: its enrollments' table and the column naming the node there.
_ENROLLMENTS = (("course", ENROLLMENT, "course_id"), ("pathway", PATHWAY_ENROLLMENT, "pathway_id"))


def reopened_certificates(conn: Connection) -> list[tuple[str, str, str, str]]:
    """(code, holder's name, kind, title) as issued, of certificates whose holder's stored course or pathway row is
    no longer complete: courses first, each kind in certificate order."""
    found: list[tuple[str, str, str, str]] = []
    for kind, table, column in _ENROLLMENTS:
        key = table.c[column]
        query = (
            select(CERTIFICATE.c.code, CERTIFICATE.c.holder_name, CERTIFICATE.c.title)
            .join_from(
                CERTIFICATE, table, and_(table.c.learner_id == CERTIFICATE.c.learner_id, key == CERTIFICATE.c.node_id)
            )
            .where(CERTIFICATE.c.node_kind == kind, table.c.is_complete.is_(False))
            .order_by(CERTIFICATE.c.id)
        )
        found += [(code, name, kind, title) for code, name, title in conn.execute(query)]
    return found


def record_recalculated(conn: Connection, since: datetime, actor_id: int) -> None:
    """One history entry per stored row updated since `since`, in one statement per kind."""
    for _kind, table, column in _ENROLLMENTS:
        rows = select(
            literal(utcnow(), HISTORY.c.at.type),
            table.c.learner_id,
            literal(actor_id),
            literal("recalculated"),
            literal("admin"),
            table.c[column],
            literal("content update: now ") + table.c.percent.cast(HISTORY.c.detail.type) + literal("%"),
        ).where(table.c.updated_at >= since)
        columns = ["at", "learner_id", "actor_id", "action", "source", column, "detail"]
        append_selected(conn, columns, rows, table.c.learner_id)

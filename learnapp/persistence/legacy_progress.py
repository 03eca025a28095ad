"""Persistence: what a legacy progress import reads and writes beyond the facts: accounts by email, enrollments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Connection
from learnapp.persistence.handles import ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT

_ENROLLMENTS = {"course": (ENROLLMENT, "course_id"), "pathway": (PATHWAY_ENROLLMENT, "pathway_id")}


def learner_ids_by_email(conn: Connection) -> dict[str, int]:
    return {r.email: r.id for r in conn.execute(select(LEARNER.c.email, LEARNER.c.id))}


def enroll(conn: Connection, kind: str, learner_id: int, node_id: int) -> bool:
    """Enroll the learner in the course or pathway with empty progress; False when they were enrolled already."""
    table, key = _ENROLLMENTS[kind]
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    values = {
        "learner_id": learner_id,
        key: node_id,
        "enrolled_at": now,
        "completed": 0,
        "total": 0,
        "percent": 0,
        "is_complete": False,
        "updated_at": now,
    }
    if kind == "pathway":
        values |= {"courses_completed": 0, "courses_total": 0}
    statement = builder(table).values(**values).on_conflict_do_nothing(index_elements=["learner_id", key])
    return bool(conn.execute(statement.returning(table.c.id)).first())

"""Persistence: a learner's exact progress state (facts and stored rows) as JSON, and its restoration."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from learnapp.persistence.certs import CERTIFICATE
from learnapp.persistence.facts import COMPLETION, ENROLLMENT, PATHWAY_ENROLLMENT
from learnapp.persistence.handles import IMPORTED_ENROLLMENT, IMPORTED_FACT, SNAPSHOT

_STORED = ("completed", "total", "percent", "is_complete", "completed_at", "first_completed_at", "updated_at")
_PATHWAY_EXTRA = ("courses_completed", "courses_total")
_MOMENTS = ("completed_at", "first_completed_at", "updated_at")


def _columns(table: Table) -> tuple[str, ...]:
    return _STORED + (_PATHWAY_EXTRA if table is PATHWAY_ENROLLMENT else ())


def learner_state(conn: Connection, learner_id: int) -> dict[str, Any]:
    """Everything a progress import may change for one learner, in a form that compares exactly."""
    facts = conn.execute(
        select(COMPLETION.c.lesson_id, COMPLETION.c.completed_at, COMPLETION.c.source).where(
            COMPLETION.c.learner_id == learner_id
        )
    )
    return {
        "completions": {str(r.lesson_id): [r.completed_at.isoformat(), r.source] for r in facts},
        "courses": _rows(conn, ENROLLMENT, "course_id", learner_id),
        "pathways": _rows(conn, PATHWAY_ENROLLMENT, "pathway_id", learner_id),
    }


def _rows(conn: Connection, table: Table, key: str, learner_id: int) -> dict[str, list[Any]]:
    columns = _columns(table)
    rows = conn.execute(select(table.c[key], *[table.c[c] for c in columns]).where(table.c.learner_id == learner_id))
    return {str(r[0]): [v.isoformat() if hasattr(v, "isoformat") else v for v in r[1:]] for r in rows}


def certificates_of(conn: Connection, learner_id: int) -> int:
    """How many certificates the learner holds or has queued (an import's new ones are the difference)."""
    return conn.execute(select(func.count()).where(CERTIFICATE.c.learner_id == learner_id)).scalar_one()


def save_snapshot(
    conn: Connection, run_id: int, learner_id: int, before: dict[str, Any], after: dict[str, Any]
) -> None:
    conn.execute(
        insert(SNAPSHOT).values(
            run_id=run_id, learner_id=learner_id, before=json.dumps(before), after=json.dumps(after)
        )
    )


def snapshots(conn: Connection, run_id: int, learner_id: int | None = None) -> dict[int, tuple[dict, dict]]:
    query = select(SNAPSHOT).where(SNAPSHOT.c.run_id == run_id)
    if learner_id is not None:
        query = query.where(SNAPSHOT.c.learner_id == learner_id)
    return {r.learner_id: (json.loads(r.before), json.loads(r.after)) for r in conn.execute(query)}


def remember_fact(conn: Connection, run_id: int, learner_id: int, lesson_id: int) -> None:
    conn.execute(insert(IMPORTED_FACT).values(run_id=run_id, learner_id=learner_id, lesson_id=lesson_id))


def remember_enrollment(conn: Connection, run_id: int, learner_id: int, kind: str, node_id: int) -> None:
    conn.execute(
        insert(IMPORTED_ENROLLMENT).values(run_id=run_id, learner_id=learner_id, node_kind=kind, node_id=node_id)
    )


def undo_import(conn: Connection, run_id: int, learner_id: int, before: dict[str, Any]) -> list[tuple[str, int]]:
    """Remove what the run added for this learner, then put the stored rows back exactly as they were.

    Returns the enrollments removed, as (kind, node id).
    """
    removed: list[tuple[str, int]] = []
    lessons = [
        r[0]
        for r in conn.execute(
            select(IMPORTED_FACT.c.lesson_id).where(
                IMPORTED_FACT.c.run_id == run_id, IMPORTED_FACT.c.learner_id == learner_id
            )
        )
    ]
    if lessons:
        conn.execute(
            delete(COMPLETION).where(COMPLETION.c.learner_id == learner_id, COMPLETION.c.lesson_id.in_(lessons))
        )
    for kind, table, key in (("course", ENROLLMENT, "course_id"), ("pathway", PATHWAY_ENROLLMENT, "pathway_id")):
        created = [
            r[0]
            for r in conn.execute(
                select(IMPORTED_ENROLLMENT.c.node_id).where(
                    IMPORTED_ENROLLMENT.c.run_id == run_id,
                    IMPORTED_ENROLLMENT.c.learner_id == learner_id,
                    IMPORTED_ENROLLMENT.c.node_kind == kind,
                )
            )
        ]
        if created:
            gone = conn.execute(
                delete(table).where(table.c.learner_id == learner_id, table.c[key].in_(created)).returning(table.c[key])
            )
            removed += [(kind, node_id) for (node_id,) in gone]
        previous = before["courses" if kind == "course" else "pathways"]
        for node_id, values in previous.items():
            stored = dict(zip(_columns(table), values, strict=True))
            for moment in _MOMENTS:
                stored[moment] = _moment(stored[moment])
            conn.execute(
                update(table).where(table.c.learner_id == learner_id, table.c[key] == int(node_id)).values(**stored)
            )
    return removed


def _moment(value: str | None) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


def forget(conn: Connection, run_ids: list[int]) -> int:
    """Drop what these import runs kept for a rollback (pruned: they can no longer be rolled back)."""
    removed = 0
    for table in (SNAPSHOT, IMPORTED_FACT, IMPORTED_ENROLLMENT):
        removed += conn.execute(delete(table).where(table.c.run_id.in_(run_ids))).rowcount or 0
    return removed

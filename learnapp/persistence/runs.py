"""Persistence: operation runs (who, when, arguments, outcome, resume cursor) and recalculation marks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select, union, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.domain.clock import utcnow
from learnapp.persistence.handles import ENROLLMENT, HISTORY, LEARNER, PATHWAY_ENROLLMENT, among_learners
from learnapp.persistence.handles import OPERATION_RUN as RUN
from learnapp.persistence.handles import PROGRESS_SYNC as SYNC


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    actor: str
    arguments: dict[str, Any]
    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any]
    cursor: int
    folder: str


def start_run(conn: Connection, kind: str, actor: str, arguments: dict[str, Any]) -> int:
    result = conn.execute(
        insert(RUN).values(
            kind=kind,
            actor=actor,
            arguments=json.dumps(arguments, default=str),
            status="running",
            started_at=utcnow(),
            summary="{}",
            cursor=0,
            folder="",
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_run(conn: Connection, run_id: int, **values: Any) -> None:
    if "summary" in values:
        values["summary"] = json.dumps(values["summary"], default=str)
    conn.execute(update(RUN).where(RUN.c.id == run_id).values(**values))


def get_run(conn: Connection, run_id: int) -> Run | None:
    row = conn.execute(select(RUN).where(RUN.c.id == run_id)).first()
    return _run(row) if row else None


def list_runs(conn: Connection, limit: int = 50) -> list[Run]:
    return [_run(r) for r in conn.execute(select(RUN).order_by(RUN.c.id.desc()).limit(limit))]


def _run(row: Any) -> Run:
    return Run(
        row.id,
        row.kind,
        row.actor,
        json.loads(row.arguments),
        row.status,
        row.started_at,
        row.finished_at,
        json.loads(row.summary),
        row.cursor,
        row.folder,
    )


def arguments_of_kind(conn: Connection, kind: str) -> list[dict[str, Any]]:
    """The stored arguments of every run of `kind`, oldest first."""
    query = select(RUN.c.arguments).where(RUN.c.kind == kind).order_by(RUN.c.id)
    return [json.loads(arguments) for (arguments,) in conn.execute(query)]


def enrolled_learners(conn: Connection, course_ids: list[int], every_pathway: bool) -> set[int]:
    """Learners enrolled in one of the courses, or (every_pathway) in any pathway."""
    enrolled = select(ENROLLMENT.c.learner_id).where(ENROLLMENT.c.course_id.in_(course_ids))
    if every_pathway:
        enrolled = union(enrolled, select(PATHWAY_ENROLLMENT.c.learner_id))  # type: ignore[assignment]
    return {row[0] for row in conn.execute(enrolled)}


def synced_learners(conn: Connection, learner_ids: list[int], catalog_version: int) -> set[int]:
    """Learners recomputed after their last progress change and under the current content."""
    last_change = (
        select(HISTORY.c.learner_id, func.max(HISTORY.c.at).label("at"))
        .where(among_learners(HISTORY.c.learner_id, learner_ids))
        .group_by(HISTORY.c.learner_id)
        .subquery()
    )
    rows = conn.execute(
        select(SYNC.c.learner_id)
        .select_from(SYNC.outerjoin(last_change, last_change.c.learner_id == SYNC.c.learner_id))
        .where(
            SYNC.c.learner_id.in_(learner_ids),
            SYNC.c.catalog_version == catalog_version,
            (last_change.c.at.is_(None)) | (last_change.c.at <= SYNC.c.synced_at),
        )
    )
    return {r[0] for r in rows}


def mark_synced(conn: Connection, learner_ids: list[int], catalog_version: int) -> None:
    if not learner_ids:
        return
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    # INSERT … SELECT: a VALUES list of a thousand rows costs more to build than the whole batch's marks to write.
    marks = select(LEARNER.c.id, literal(now, SYNC.c.synced_at.type), literal(catalog_version))
    statement = builder(SYNC).from_select(
        ["learner_id", "synced_at", "catalog_version"], marks.where(LEARNER.c.id.in_(learner_ids))
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["learner_id"],
            set_={"synced_at": statement.excluded.synced_at, "catalog_version": statement.excluded.catalog_version},
        )
    )


def newest_of_each_kind(conn: Connection) -> set[int]:
    return {r[0] for r in conn.execute(select(func.max(RUN.c.id)).group_by(RUN.c.kind))}


def started_before(conn: Connection, moment: datetime) -> list[Run]:
    return [_run(r) for r in conn.execute(select(RUN).where(RUN.c.started_at < moment).order_by(RUN.c.id))]

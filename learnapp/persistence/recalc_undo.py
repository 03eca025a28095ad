"""Persistence: what a recalculate run overwrote (stored progress rows, recalculation marks), kept and put back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Text, case, cast, delete, func, insert, literal, select, update

from learnapp.persistence.facts import (
    ENROLLMENT,
    LEARNER,
    PATHWAY_COUNTS,
    PATHWAY_ENROLLMENT,
    STORED_COLUMNS,
    StoredProgress,
)
from learnapp.persistence.handles import RECALC_UNDO as UNDO
from learnapp.persistence.runs import SYNC
from learnapp.persistence.tables import moment_of

# Every column a recompute may write, per kind: what a rollback must put back for the dump to be the same.
COLUMNS = {"course": STORED_COLUMNS, "pathway": (*STORED_COLUMNS, *PATHWAY_COUNTS)}
TABLES = {"course": (ENROLLMENT, "course_id"), "pathway": (PATHWAY_ENROLLMENT, "pathway_id")}
_MOMENTS = {"completed_at", "first_completed_at", "claimed_at", "updated_at", "synced_at"}


@dataclass(frozen=True)
class Kept:
    learner_id: int
    kind: str
    node_id: int
    before: dict[str, Any] | None
    version: int


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def keep_rows(
    conn: Connection, run_id: int, rows: list[tuple[int, str, StoredProgress]], versions: dict[int, int]
) -> int:
    """Keep each changed stored row (learner, kind, row as the recompute read it) with the version the batch left.

    The rows come from the recompute, which read them anyway: nothing is read twice. They go in as plain tuples
    through the driver (tens of thousands per run; SQLAlchemy's per-row parameter work would double the cost).
    """
    encode = json.JSONEncoder(separators=(",", ":")).encode
    params = [
        (
            run_id,
            learner_id,
            kind,
            row.node_id,
            encode([_plain(getattr(row, c)) for c in COLUMNS[kind]]),
            versions[learner_id],
        )
        for learner_id, kind, row in rows
    ]
    if params:
        conn.exec_driver_sql(_insert_sql(conn), params)
    return len(params)


def _insert_sql(conn: Connection) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = f"run_id, learner_id, node_kind, node_id, {conn.dialect.identifier_preparer.quote('before')}, version"
    # The table and its column names are this module's constants; every value goes as a driver parameter.
    return f"INSERT INTO recalc_undo ({columns}) VALUES ({', '.join([mark] * 6)})"  # nosec B608


def keep_marks(conn: Connection, run_id: int, learner_ids: list[int]) -> int:
    """Keep each learner's recalculation mark as it is (JSON null: none yet), copied inside the database."""
    if not learner_ids:
        return 0
    if conn.dialect.name == "postgresql":
        mark: Any = cast(func.json_build_array(SYNC.c.synced_at, SYNC.c.catalog_version), Text)
    else:
        mark = func.json_array(SYNC.c.synced_at, SYNC.c.catalog_version)
    before = case((SYNC.c.learner_id.is_(None), literal("null")), else_=mark)
    rows = (
        select(literal(run_id), LEARNER.c.id, literal("sync"), literal(0), before, literal(0))
        .select_from(LEARNER.outerjoin(SYNC, SYNC.c.learner_id == LEARNER.c.id))
        .where(LEARNER.c.id.in_(learner_ids))
    )
    names = ["run_id", "learner_id", "node_kind", "node_id", "before", "version"]
    return conn.execute(insert(UNDO).from_select(names, rows)).rowcount or 0


def kept(conn: Connection, run_id: int, learner_id: int | None = None, restored: bool = False) -> list[Kept]:
    """The rows a run overwrote that no rollback has put back yet (or, `restored`, those one has)."""
    query = select(UNDO).where(UNDO.c.run_id == run_id)
    query = query.where(UNDO.c.restored_by.is_not(None) if restored else UNDO.c.restored_by.is_(None))
    if learner_id is not None:
        query = query.where(UNDO.c.learner_id == learner_id)
    return [
        Kept(r.learner_id, r.node_kind, r.node_id, _decode(r.node_kind, json.loads(r.before)), r.version)
        for r in conn.execute(query.order_by(UNDO.c.learner_id, UNDO.c.node_kind, UNDO.c.node_id))
    ]


def _decode(kind: str, values: list[Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    names = ("synced_at", "catalog_version") if kind == "sync" else COLUMNS[kind]
    return {n: _moment(v) if n in _MOMENTS and v else v for n, v in zip(names, values, strict=True)}


def _moment(value: str | int) -> datetime:
    # A mark copied inside SQLite keeps the stored value: microseconds (tables.UTCDateTime), or the text an older
    # version stored, without its zone; stored moments are all UTC.
    if isinstance(value, int):
        return moment_of(value)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def versions(conn: Connection, learner_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(learner_ids))
    return dict(conn.execute(select(LEARNER.c.id, LEARNER.c.progress_version).where(LEARNER.c.id.in_(ids))).all())  # type: ignore[arg-type]


def put_back(conn: Connection, row: Kept) -> None:
    """The stored row, or the recalculation mark, exactly as it was before the run."""
    if row.kind == "sync":
        conn.execute(delete(SYNC).where(SYNC.c.learner_id == row.learner_id))
        if row.before is not None:
            conn.execute(insert(SYNC).values(learner_id=row.learner_id, **row.before))
        return
    table, key = TABLES[row.kind]
    assert row.before is not None
    conn.execute(
        update(table).where(table.c.learner_id == row.learner_id, table.c[key] == row.node_id).values(**row.before)
    )


def mark_restored(conn: Connection, run_id: int, learner_ids: Iterable[int], rollback_run: int) -> None:
    conn.execute(
        update(UNDO)
        .where(UNDO.c.run_id == run_id, UNDO.c.learner_id.in_(sorted(set(learner_ids))), UNDO.c.restored_by.is_(None))
        .values(restored_by=rollback_run)
    )


def learners_kept(conn: Connection, run_id: int) -> int:
    """How many learners' rows a run kept (for `runs show`)."""
    rows = conn.execute(select(UNDO.c.learner_id).where(UNDO.c.run_id == run_id, UNDO.c.node_kind != "sync").distinct())
    return len(rows.all())


def forget(conn: Connection, run_ids: list[int]) -> int:
    """Drop what these runs kept (pruned: they can no longer be rolled back)."""
    return conn.execute(delete(UNDO).where(UNDO.c.run_id.in_(run_ids))).rowcount or 0

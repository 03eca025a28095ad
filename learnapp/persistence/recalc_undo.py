"""Persistence: what a recalculate run overwrote (stored progress rows, recalculation marks), kept and put back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from learnapp.persistence.facts import ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT
from learnapp.persistence.runs import SYNC
from learnapp.persistence.undo_tables import RecalcUndo

UNDO: Table = RecalcUndo.__table__  # type: ignore[attr-defined]
# Every column a recompute may write, per kind: what a rollback must put back for the dump to be the same.
STORED = (
    "completed",
    "total",
    "percent",
    "is_complete",
    "completed_at",
    "first_completed_at",
    "claimed_at",
    "updated_at",
)
COLUMNS = {"course": STORED, "pathway": (*STORED, "courses_completed", "courses_total")}
TABLES = {"course": (ENROLLMENT, "course_id"), "pathway": (PATHWAY_ENROLLMENT, "pathway_id")}
_MOMENTS = {"completed_at", "first_completed_at", "claimed_at", "updated_at", "synced_at"}
Key = tuple[int, str, int]  # learner, kind, node


@dataclass(frozen=True)
class Kept:
    learner_id: int
    kind: str
    node_id: int
    before: dict[str, Any] | None
    version: int


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def stored_rows(conn: Connection, learner_ids: list[int]) -> dict[Key, list[Any]]:
    """These learners' stored course and pathway rows as they are now (read before a recompute overwrites them)."""
    found: dict[Key, list[Any]] = {}
    for kind, (table, key) in TABLES.items():
        columns = [table.c[c] for c in COLUMNS[kind]]
        rows = conn.execute(
            select(table.c.learner_id, table.c[key], *columns).where(table.c.learner_id.in_(learner_ids))
        )
        for row in rows:
            found[(row[0], kind, row[1])] = [_plain(v) for v in row[2:]]
    return found


def sync_marks(conn: Connection, learner_ids: list[int]) -> dict[int, list[Any]]:
    rows = conn.execute(
        select(SYNC.c.learner_id, SYNC.c.synced_at, SYNC.c.catalog_version).where(SYNC.c.learner_id.in_(learner_ids))
    )
    return {r[0]: [_plain(r[1]), r[2]] for r in rows}


def keep(
    conn: Connection,
    run_id: int,
    before: dict[Key, list[Any]],
    changed: Iterable[Key],
    versions: dict[int, int],
    marks: dict[int, list[Any]],
    marked: list[int],
) -> int:
    """Keep the previous value of each changed row and of each recalculation mark the batch rewrote."""
    rows = [
        {
            "run_id": run_id,
            "learner_id": k[0],
            "node_kind": k[1],
            "node_id": k[2],
            "before": json.dumps(before[k]),
            "version": versions[k[0]],
        }
        for k in changed
    ]
    rows += [
        {
            "run_id": run_id,
            "learner_id": i,
            "node_kind": "sync",
            "node_id": 0,
            "before": json.dumps(marks.get(i)),
            "version": 0,
        }
        for i in marked
    ]
    if rows:
        conn.execute(insert(UNDO), rows)
    return len(rows)


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
    return {n: datetime.fromisoformat(v) if n in _MOMENTS and v else v for n, v in zip(names, values, strict=True)}


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

"""A recalculation's batch reads stay on the learners' indexes when PostgreSQL's statistics put too many rows on
each learner.

At a million learners, ANALYZE's sample of tables whose rows lie together by learner saw few distinct learners and
put ~2,700 completions on each (really ~100). A batch of 1,000 learners then looked like 2.7 M rows, and the
latest-completion read of every batch became a parallel scan of all 104 M (2.1 s instead of 48 ms): PostgreSQL's
recalculation ran at half its 10,000-learner rate. The batch reads now name the batch's id range beside its ids.
Here the same wrong estimate is made on purpose, on tables small enough for the test. Before the change it turned
the enrollment read into a scan of the table; on this small catalog the completions' reads keep their index either
way (the one common value ANALYZE keeps caps the estimate), so bench.scale's recalculation is their measure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, event

from learnapp.persistence import facts, runs
from learnapp.persistence.db import Database
from learnapp.services.operations.population import generate_population
from tests.conftest import backend

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="SQLite's planner takes the learner index for IN (...) whatever its statistics"
)

TABLES = ("lesson_completion", "enrollment", "pathway_enrollment", "progress_history")
READS: dict[str, Callable[[Connection, list[int]], Any]] = {
    "latest completion by course": facts.latest_by_course_many,
    "completed lessons": facts.done_ids_many,
    "course progress rows": lambda conn, ids: facts.progress_rows_many(conn, "course", ids),
    "synced learners": lambda conn, ids: runs.synced_learners(conn, ids, 1),
}


def _scans(conn: Connection, statement: str, parameters: Any) -> list[str]:
    """The tables of TABLES that the statement's plan reads whole."""
    raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    plans, found = [(json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]], []
    while plans:
        node = plans.pop()
        plans += node.get("Plans", [])
        if node["Node Type"].endswith("Seq Scan") and node.get("Relation Name") in TABLES:
            found.append(node["Relation Name"])
    return found


@pytest.mark.parametrize("read", sorted(READS))
def test_a_batch_is_read_by_the_learner_index_when_the_statistics_overcount_each_learner(
    db: Database, read: str
) -> None:
    report = generate_population(db, 600, seed=5, enrollments=3, now=datetime(2026, 11, 20, tzinfo=UTC))
    with db.engine.begin() as conn:
        for table in TABLES:
            # Each learner "holds" a fifth of every table, as the million's sample said, only more so; no list of
            # common values (one value at most) to correct it, as a sample of a few of a million learners has none.
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN learner_id SET (n_distinct = 5)")
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN learner_id SET STATISTICS 1")
            conn.exec_driver_sql(f"ANALYZE {table}")
    batch = list(range(report.first_learner_id + 300, report.first_learner_id + 310))
    seen: list[tuple[str, Any]] = []
    with db.engine.connect() as conn:

        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            if any(table in statement for table in TABLES) and not statement.startswith("EXPLAIN"):
                seen.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", keep)
        READS[read](conn, batch)
        event.remove(conn, "before_cursor_execute", keep)
        assert seen, "the read ran no statement on the learner tables: the test proves nothing"
        scans = [table for statement, parameters in seen for table in _scans(conn, statement, parameters)]
    assert scans == [], f"{read}: read whole by a batch of {len(batch)} learners: {scans}"

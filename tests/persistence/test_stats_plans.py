"""Admin statistics read counters: a learner table only through the median's walk.

Every statement the admin course, pathway and overview pages send is EXPLAINed (as in test_query_plans.py): a table
that grows with the learners may be reached only through the index of one node's finishers by time to complete
(the median walks one fine bucket of it). The overview's active learners are the site's counters by latest day:
no activity day is read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from learnapp.persistence.db import Database
from learnapp.services.admin.stats import course_stats, overview, pathway_stats
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_pathway
from learnapp.services.operations.population import generate_population
from tests.conftest import ALICE
from tests.persistence.test_query_plans import LEARNER_TABLES, captured

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ALLOWED = frozenset(("ix_enrollment_time_to_complete", "ix_pathway_enrollment_time_to_complete"))
PAGES = {
    "course": lambda db: course_stats(db, "ac-course", NOW, ZoneInfo("America/New_York")),
    "pathway": lambda db: pathway_stats(db, "path", NOW, ZoneInfo("Asia/Kathmandu")),
    "overview": lambda db: overview(db, NOW, ZoneInfo("Pacific/Chatham")),
}


def _problems(db: Database, statements: list[tuple[str, Any]]) -> list[str]:
    found = []
    with db.engine.connect() as conn, conn.begin():
        for statement, parameters in statements:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table is cheaper to scan
                raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters or ()).scalar()
                plan = (json.loads(raw) if isinstance(raw, str) else list(raw or ()))[0]["Plan"]
                nodes, reached = [plan], []
                while nodes:
                    node = nodes.pop()
                    nodes += node.get("Plans", [])
                    if node.get("Relation Name") in LEARNER_TABLES and "Scan" in node["Node Type"]:
                        inner = [n.get("Index Name", "") for n in node.get("Plans", [])]  # a bitmap's index scans
                        index = node.get("Index Name") or (inner[0] if inner and len(set(inner)) == 1 else "")
                        reached.append((node["Node Type"], index))
                bad = [f"{kind} {index}" for kind, index in reached if index not in ALLOWED]
            else:
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters or ()).all()
                details = [str(row[3]) for row in plan]
                bad = [
                    d
                    for d in details
                    if d.split(" ")[0] in ("SCAN", "SEARCH")
                    and d.split(" ")[1] in LEARNER_TABLES
                    and not any(f"INDEX {index} " in d for index in ALLOWED)
                ]
            found += [f"{b}\n    in: {' '.join(statement.split())[:300]}" for b in bad]
    return found


@pytest.mark.parametrize("page", PAGES)
def test_an_admin_page_reaches_learner_tables_only_by_bounded_indexes(db: Database, page: str) -> None:
    generate_population(db, 40, seed=5, enrollments=3, now=NOW)
    enroll_pathway(db, ALICE, "path")
    for lesson in ("s1", "s2"):
        record_completion(db, ALICE, lesson)
    statements = captured(db, lambda: PAGES[page](db))
    assert any("stat_counter" in s for s, _ in statements), "the capture is broken"
    problems = _problems(db, statements)
    assert not problems, f"the admin {page} page reaches a learner table otherwise:\n" + "\n".join(problems)

"""The median's walk seeks its part on the index: the part's lower edge is in the index condition, not a filter.

A bound of another type than the indexed expression (a float against PostgreSQL's numeric key) still reaches the
index by its node, so the plan checks of test_stats_plans pass; but every finisher of the node is then read and
filtered, and the admin course page took 180 ms at a million learners instead of 13.
"""

from __future__ import annotations

import json

from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from tests.conftest import ALICE


def test_the_walk_from_a_part_is_an_index_range(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    for lesson in ("s1", "s2"):
        record_completion(db, ALICE, lesson)
    fine = 17 * finishers.PARTS + 37  # any part but the first: the walk then has a lower bound
    with db.engine.connect() as conn, conn.begin():
        course = current_catalog(conn).course("course-b")
        assert course is not None
        compiled = finishers.walk(conn, "course", course.id, fine, 5, 2).compile(dialect=conn.dialect)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table is cheaper to scan
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
            plans = [(json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]]
            found = []
            while plans:
                node = plans.pop()
                plans += node.get("Plans", [])
                if node.get("Index Name") == "ix_enrollment_time_to_complete":
                    found.append(node.get("Index Cond", ""))
            assert found and ">=" in found[0], found
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())).all()
            details = [str(row[3]) for row in rows]
            assert any("ix_enrollment_time_to_complete (course_id=? AND <expr>>?)" in d for d in details), details

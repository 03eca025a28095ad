"""The statistics counters' migrations backfill in plain SQL exactly what `learnapp stats verify` recounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alembic import command
from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.migrate import alembic_config, upgrade
from learnapp.services.admin.stats_verify import verify
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.operations.population import generate_population
from tests.conftest import ALICE, BOB

BEFORE_COUNTERS = "61492a2405f0"  # the revision before stat_counter


@pytest.mark.slow  # migrations down and up
def test_counters_dropped_and_backfilled_equal_those_the_engine_kept(db: Database, db_url: str) -> None:
    generate_population(db, 30, seed=5, enrollments=3, now=datetime(2026, 11, 20, tzinfo=UTC), batch=10)
    enroll_pathway(db, ALICE, "path")
    enroll_course(db, BOB, "course-b")
    for i, lesson in enumerate(("s1", "s2", "e1", "b1")):
        when = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=i, minutes=7 * i)
        for learner in (ALICE, BOB) if lesson in ("s1", "s2") else (ALICE,):
            record_completion(db, learner, lesson, source="import", completed_at=when)
    assert verify(db)[1] == []
    kept = _counters(db)
    db.dispose()
    command.downgrade(alembic_config(db_url), BEFORE_COUNTERS)  # the counters' table goes
    upgrade(db_url)  # and comes back, counted by the migrations alone
    checked, differences = verify(db)
    assert checked > 0 and not differences, "\n".join(map(str, differences))
    assert _counters(db) == kept


def _counters(db: Database) -> stats_counters.Counts:
    with db.snapshot() as conn:
        found = stats_counters.totals(conn, stats_counters.every_node(current_catalog(conn)))
    return {node: {k: v for k, v in names.items() if v} for node, names in found.items()}

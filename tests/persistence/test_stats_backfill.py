"""The statistics counters' migrations backfill in plain SQL exactly what `learnapp stats verify` recounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

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
BEFORE_ACTIVE_DAYS = "f6a8b0c2d4e7"  # the revision before the site's learners by latest activity day


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


@pytest.mark.slow  # a migration down and up
def test_learners_by_latest_day_backfilled_equal_those_the_engine_kept(db: Database, db_url: str) -> None:
    """Rows at the revision before the active day counters, which a deployment there never had: the upgrade counts
    each learner's latest kept day, in their zone, as the engine and the population did."""
    now = datetime(2026, 11, 20, tzinfo=UTC)
    generate_population(db, 30, seed=7, enrollments=2, now=now, batch=10)
    enroll_course(db, ALICE, "course-a")  # Alice is in Paris: 23:30 UTC is the next day there
    for days, lesson in ((9, "s1"), (2, "e1"), (30, "s2")):
        record_completion(db, ALICE, lesson, source="import", completed_at=now - timedelta(days=days, minutes=30))
    kept = _counters(db)
    assert kept[stats_counters.SITE]["a20261118"] >= 1  # Alice's latest day: Nov 18 at 00:30 in Paris
    db.dispose()
    command.downgrade(alembic_config(db_url), BEFORE_ACTIVE_DAYS)  # it keeps them (the older schema holds them)
    with db.transaction() as conn:
        conn.execute(text("DELETE FROM stat_counter WHERE node_kind = 'site' AND name LIKE 'a%'"))
    db.dispose()
    upgrade(db_url)
    assert verify(db)[1] == []
    assert _counters(db) == kept


def _counters(db: Database) -> stats_counters.Counts:
    with db.snapshot() as conn:
        found = stats_counters.totals(conn, stats_counters.every_node(current_catalog(conn)))
    return {node: {k: v for k, v in names.items() if v} for node, names in found.items()}

"""Operations fixtures: learners with progress in different scopes, and stored progress gone wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats_verify import repair
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from tests.conftest import ADMIN, ALICE, BOB
from tests.services.helpers import moment_text

# The record of what happened, not the data a rollback restores: runs, kept values, history, events.
AUDIT = ("operation_run", "recalc_undo", "progress_history", "outbox_event", "outbox_receipt")


def corrupt(db: Database) -> None:
    """Stored progress that no longer matches the facts (what a recalculate repairs)."""
    with db.engine.begin() as connection:
        wrong = {"at": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)}
        update = "UPDATE enrollment SET completed = 7, percent = 70, is_complete = true, completed_at = :at"
        connection.execute(moment_text(update, wrong), wrong)
        connection.exec_driver_sql("UPDATE pathway_enrollment SET completed = 0, percent = 0, courses_completed = 3")
    repair(db)  # rows written outside the engine: the statistics counters follow them, as a backfill would


@pytest.fixture
def learning(db: Database) -> Database:
    """Alice, Bob and Ada on the pathway (Alice finished course-b); Carol in course-a, Dan in course-b only."""
    for learner in (ALICE, BOB, ADMIN):
        enroll_pathway(db, learner, "path")
    for slug in ("b1", "b2", "s1", "s2"):
        record_completion(db, ALICE, slug)
    record_completion(db, BOB, "s2")
    carol = create_learner(db, "carol@example.com", "Carol", "carol-password").id
    dan = create_learner(db, "dan@example.com", "Dan", "dan-password").id
    enroll_course(db, carol, "course-a")
    record_completion(db, carol, "e1")
    enroll_course(db, dan, "course-b")
    record_completion(db, dan, "s1")
    return db

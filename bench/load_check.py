"""Load test bookkeeping: learners to drive, and the final check of the database against what they sent."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, text

from learnapp.persistence.catalog import load_catalog
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.operations.recalculate import RecalcOptions, recalculate

PASSWORD = "load-test-2026"


def prepare_learners(db: Database, count: int, course: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    """`count` fresh accounts enrolled in `course`: [(id, email, password)], and the course's countable lessons."""
    batch = uuid.uuid4().hex[:8]
    learners = []
    for number in range(count):
        email = f"load-{batch}-{number}@example.com"
        account = create_learner(db, email, f"Load learner {number}", PASSWORD)
        enroll_course(db, account.id, course)
        learners.append((account.id, email, PASSWORD))
    with db.read() as session:
        found = load_catalog(session).course(course)
        assert found is not None, f"course {course} is not in the catalog"
        lessons = [lesson.slug for lesson in found.lessons if lesson.countable]
    return learners, lessons


@dataclass
class Check:
    acknowledged: int  # distinct (learner, lesson) pairs the app acknowledged
    sent: int  # distinct pairs sent (an unacknowledged one may or may not be stored)
    stored: int  # completion rows of these learners
    lost: int  # acknowledged but not stored
    extra: int  # stored but never sent
    duplicated: int  # rows beyond one per pair
    drifted: int  # learners whose stored progress differs from the recomputation

    @property
    def ok(self) -> bool:
        return not (self.lost or self.extra or self.duplicated or self.drifted)


def check_database(
    db: Database, learner_ids: list[int], sent: set[tuple[int, str]], acknowledged: set[tuple[int, str]]
) -> Check:
    query = text(
        "SELECT c.learner_id, l.slug FROM lesson_completion c JOIN lesson l ON l.id = c.lesson_id"
        " WHERE c.learner_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    with db.snapshot() as connection:
        rows = [(int(learner), str(slug)) for learner, slug in connection.execute(query, {"ids": learner_ids})]
    stored = set(rows)
    with tempfile.TemporaryDirectory(prefix="learnapp-load-check-") as runs:
        report = recalculate(db, RecalcOptions(dry_run=True), Path(runs), "bench.load")
    return Check(
        acknowledged=len(acknowledged),
        sent=len(sent),
        stored=len(rows),
        lost=len(acknowledged - stored),
        extra=len(stored - sent),
        duplicated=len(rows) - len(stored),
        drifted=report.updated,
    )

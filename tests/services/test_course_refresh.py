"""Recalculating one course: every enrolled learner, in batches, only rows that drifted, first completions earned."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from learnapp.persistence import certs
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.course_refresh import recalculate_course
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import InvalidRequest, NotFound
from tests.conftest import ALICE, BOB
from tests.services.helpers import assert_stored_equals_recomputed, stored_course


def drift(db: Database, learner_id: int, course: str, **values: object) -> None:
    row = stored_course(db, learner_id, course)
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE enrollment SET {assignments} WHERE id = :row_id"), {**values, "row_id": row.id})


def test_every_enrolled_learner_is_recomputed_across_batches(db: Database) -> None:
    for learner in (ALICE, BOB):
        enroll_course(db, learner, "course-b")
        record_completion(db, learner, "s1")
        drift(db, learner, "course-b", completed=0, percent=0)
    report = recalculate_course(db, "course-b", batch_size=1)
    assert (report.learners, report.rows_changed, report.changed_learners) == (2, 2, [ALICE, BOB])
    assert_stored_equals_recomputed(db)
    assert recalculate_course(db, "course-b").rows_changed == 0


def test_a_completion_found_by_recalculation_queues_its_certificate(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM certificate")
    drift(db, ALICE, "course-b", completed=1, percent=50, is_complete=False, completed_at=None, first_completed_at=None)
    report = recalculate_course(db, "course-b")
    assert report.completions_gained == 1
    with db.snapshot() as conn:
        assert len(certs.find(conn, learner_id=ALICE)) == 1


def test_an_unknown_course_or_a_bad_batch_size_is_refused(db: Database) -> None:
    with pytest.raises(NotFound):
        recalculate_course(db, "ghost")
    with pytest.raises(InvalidRequest):
        recalculate_course(db, "course-b", batch_size=0)

"""Record, revoke and reset completions: the facts, the stored progress and the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.tables import LessonCompletion, ProgressHistory
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import InvalidRequest, NotEnrolled, NotFound
from tests.conftest import ALICE, BOB
from tests.services.helpers import assert_stored_equals_recomputed, dump, stored_course

AC_LESSONS = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]


def completions(db: Database, learner_id: int) -> int:
    with db.read() as session:
        return int(
            session.execute(
                select(func.count()).select_from(LessonCompletion).where(LessonCompletion.learner_id == learner_id)
            ).scalar_one()
        )


def test_recording_a_lesson_creates_the_fact_and_updates_stored_progress(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    view = record_completion(db, ALICE, "b1")
    assert view.created and view.source == "ui"
    row = stored_course(db, ALICE, "ac-course")
    assert (row.completed, row.total, row.percent, row.is_complete) == (1, 10, 10, False)
    assert_stored_equals_recomputed(db)


def test_ac_101_6_recording_same_lesson_twice_returns_the_same_completion(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    first = record_completion(db, ALICE, "c3")
    second = record_completion(db, ALICE, "c3", source="api")
    assert first.created and not second.created
    assert (second.completed_at, second.source) == (first.completed_at, "ui")
    assert completions(db, ALICE) == 1
    assert stored_course(db, ALICE, "ac-course").completed == 1


def test_ac_101_7_only_enrolled_learners_can_complete_and_nothing_is_written(db: Database) -> None:
    before = dump(db)
    with pytest.raises(NotEnrolled, match="Not enrolled in this course"):
        record_completion(db, ALICE, "b1")
    assert dump(db) == before


def test_ac_101_2_progress_reads_50_percent_after_the_fifth_of_ten_lessons(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for slug in AC_LESSONS[:4]:
        record_completion(db, ALICE, slug)
    assert stored_course(db, ALICE, "ac-course").percent == 40
    record_completion(db, ALICE, AC_LESSONS[4])
    assert stored_course(db, ALICE, "ac-course").percent == 50


def test_ac_101_8_three_modules_of_3_5_2_with_five_done_read_50_percent(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for slug in ("b1", "b3", "c2", "c5", "w2"):  # spread over all three modules
        record_completion(db, ALICE, slug)
    row = stored_course(db, ALICE, "ac-course")
    assert (row.completed, row.total, row.percent, row.is_complete) == (5, 10, 50, False)


def test_preview_and_unknown_lessons_are_refused_with_clear_errors(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    with pytest.raises(InvalidRequest, match="Preview lessons"):
        record_completion(db, ALICE, "bp")
    with pytest.raises(NotFound, match="Unknown lesson 'nope'"):
        record_completion(db, ALICE, "nope")
    with pytest.raises(InvalidRequest, match="source"):
        record_completion(db, ALICE, "b1", source="hack")
    assert completions(db, ALICE) == 0


def test_completion_in_a_shared_module_counts_in_every_enrolled_course(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    assert stored_course(db, ALICE, "course-b").is_complete
    assert stored_course(db, ALICE, "course-a").percent == 66  # 2 of 3, floored
    assert_stored_equals_recomputed(db)


def test_enrolling_later_picks_up_completions_already_earned_through_a_shared_module(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    enroll_course(db, ALICE, "course-b")
    assert stored_course(db, ALICE, "course-b").is_complete
    assert_stored_equals_recomputed(db)


def test_course_completion_time_is_the_last_lesson_and_first_completed_at_sticks(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    early, late = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    record_completion(db, ALICE, "s2", completed_at=late, source="import")
    view = record_completion(db, ALICE, "s1", completed_at=early, source="import")
    assert [c.newly_completed for c in view.changes] == [True]
    row = stored_course(db, ALICE, "course-b")
    assert row.completed_at == late and row.first_completed_at == late
    revoke_completion(db, ALICE, "s2")
    reopened = stored_course(db, ALICE, "course-b")
    assert not reopened.is_complete and reopened.completed_at is None and reopened.first_completed_at == late
    again = record_completion(db, ALICE, "s2")
    row = stored_course(db, ALICE, "course-b")
    assert row.is_complete and row.completed_at == again.completed_at and row.first_completed_at == late


def test_revoking_a_lesson_that_is_not_complete_is_a_no_op(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    assert revoke_completion(db, ALICE, "b1") == []
    assert completions(db, ALICE) == 0


def test_reset_course_removes_its_completions_logs_each_and_keeps_other_learners(db: Database) -> None:
    for learner in (ALICE, BOB):
        enroll_course(db, learner, "ac-course")
        for slug in AC_LESSONS[:3]:
            record_completion(db, learner, slug)
    reset_course(db, ALICE, "ac-course")
    assert stored_course(db, ALICE, "ac-course").completed == 0
    assert stored_course(db, BOB, "ac-course").completed == 3
    with db.read() as session:
        actions = (
            session.execute(
                select(ProgressHistory.action).where(ProgressHistory.learner_id == ALICE).order_by(ProgressHistory.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["enrolled", "completed", "completed", "completed", "reset", "reset", "reset"]
    assert_stored_equals_recomputed(db)


def test_reset_of_a_course_not_enrolled_is_refused(db: Database) -> None:
    with pytest.raises(NotEnrolled):
        reset_course(db, ALICE, "ac-course")
    with pytest.raises(NotFound):
        reset_course(db, ALICE, "no-such-course")


def test_history_explains_every_change_with_who_and_source(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1", source="api")
    revoke_completion(db, ALICE, "b1", source="admin", actor_id=3)
    with db.read() as session:
        rows = (
            session.execute(
                select(ProgressHistory).where(ProgressHistory.learner_id == ALICE).order_by(ProgressHistory.id)
            )
            .scalars()
            .all()
        )
    assert [(r.action, r.source, r.actor_id) for r in rows] == [
        ("enrolled", "ui", ALICE),
        ("completed", "api", ALICE),
        ("uncompleted", "admin", 3),
    ]


def test_completing_every_lesson_completes_course_and_pathway_only_at_the_end(db: Database) -> None:
    from learnapp.services.engine.enrollment import enroll_pathway
    from tests.services.helpers import stored_pathway

    enroll_pathway(db, ALICE, "path")
    for slug in [*AC_LESSONS, "s1", "s2"]:
        record_completion(db, ALICE, slug)
    pathway = stored_pathway(db, ALICE, "path")
    assert (pathway.completed, pathway.total, pathway.courses_completed, pathway.is_complete) == (12, 13, 2, False)
    assert pathway.percent == 92
    record_completion(db, ALICE, "e1")
    pathway = stored_pathway(db, ALICE, "path")
    assert (pathway.percent, pathway.courses_completed, pathway.is_complete) == (100, 3, True)
    assert_stored_equals_recomputed(db)

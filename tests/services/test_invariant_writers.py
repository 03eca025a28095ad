"""Writers the other suites leave unchecked: after each, stored progress is exactly what the facts say."""

from __future__ import annotations

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion, reset_course
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.engine.events import ClientEventIn, apply_events
from tests.conftest import ALICE
from tests.services.helpers import assert_stored_equals_recomputed, stored_course, stored_pathway

AC_LESSONS = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]


def test_enrolling_in_a_pathway_after_its_courses_are_done_stores_what_the_facts_say(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    enroll_course(db, ALICE, "course-a")
    for slug in [*AC_LESSONS, "s1", "s2", "e1"]:
        record_completion(db, ALICE, slug)
    enroll_pathway(db, ALICE, "path")  # course-b is enrolled here, already complete through the shared module
    assert stored_pathway(db, ALICE, "path").is_complete
    assert stored_course(db, ALICE, "course-b").is_complete
    assert_stored_equals_recomputed(db)


def test_start_over_on_a_course_with_a_shared_module_reopens_the_other_course_and_the_pathway(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    for slug in ["s1", "s2", "e1", "b1"]:
        record_completion(db, ALICE, slug)
    assert stored_course(db, ALICE, "course-b").is_complete
    reset_course(db, ALICE, "course-a")
    assert stored_course(db, ALICE, "course-b").completed == 0
    assert stored_course(db, ALICE, "ac-course").completed == 1
    assert stored_pathway(db, ALICE, "path").completed == 1
    assert_stored_equals_recomputed(db)


def test_an_event_batch_with_lessons_and_an_accepted_claim_stores_what_the_facts_say(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    events = [
        ClientEventIn("e1", "lesson_completed", "s1"),
        ClientEventIn("e2", "lesson_completed", "s2"),
        ClientEventIn("e3", "course_completed", "course-b"),
        ClientEventIn("e4", "lesson_viewed", "b1", seconds=40),
        ClientEventIn("e5", "lesson_completed", "b1"),
    ]
    assert [o.status for o in apply_events(db, ALICE, events)] == ["applied"] * 5
    assert stored_course(db, ALICE, "course-b").is_complete
    assert_stored_equals_recomputed(db)

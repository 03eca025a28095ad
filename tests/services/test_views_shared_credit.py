"""Shared modules seen by a learner: which done lessons came from another course, and what Start over also resets."""

from __future__ import annotations

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion, reset_course
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.shared_credit import shared_credit
from learnapp.services.errors import NotFound
from learnapp.services.learning.progress import course_outline
from tests.conftest import ALICE, BOB


def test_a_lesson_done_in_course_b_before_enrolling_in_course_a_says_where_it_was_done(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    enroll_course(db, ALICE, "course-a")
    credit = shared_credit(db, ALICE, "course-a")
    assert credit.done_in == {"s1": "Course B"}
    # In course B itself it was done there: no note.
    assert shared_credit(db, ALICE, "course-b").done_in == {}


def test_a_lesson_done_after_enrolling_here_is_not_credited_elsewhere(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    assert shared_credit(db, ALICE, "course-a").done_in == {}
    assert shared_credit(db, ALICE, "course-b").done_in == {}


def test_a_course_without_shared_modules_has_no_notes(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    credit = shared_credit(db, ALICE, "ac-course")
    assert credit.done_in == {} and credit.shared == () and credit.also_in == {}


def test_start_over_lists_the_other_courses_whose_lessons_it_resets(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    enroll_course(db, ALICE, "course-b")
    for lesson in ("s1", "s2", "e1"):
        record_completion(db, ALICE, lesson)
    credit = shared_credit(db, ALICE, "course-a")
    [other] = credit.resets_elsewhere()
    assert (other.slug, other.title, other.modules, other.lessons_reset, other.enrolled) == (
        "course-b",
        "Course B",
        ("Shared",),
        2,
        True,
    )
    # What it said is what Start over does: course B loses exactly those two lessons.
    reset_course(db, ALICE, "course-a")
    assert course_outline(db, ALICE, "course-b").completed == 0
    assert shared_credit(db, ALICE, "course-a").resets_elsewhere() == ()


def test_nothing_done_in_the_shared_module_resets_nothing_elsewhere(db: Database) -> None:
    enroll_course(db, BOB, "course-a")
    record_completion(db, BOB, "e1")
    credit = shared_credit(db, BOB, "course-a")
    assert [s.slug for s in credit.shared] == ["course-b"]
    assert credit.also_in == {"m-shared": ("Course B",)}
    assert credit.resets_elsewhere() == ()


def test_signed_out_and_unknown_course(db: Database) -> None:
    assert shared_credit(db, None, "course-a").done_in == {}
    with pytest.raises(NotFound):
        shared_credit(db, ALICE, "no-such-course")

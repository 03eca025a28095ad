"""Reading progress: outlines, aggregates, next lesson, Continue Learning, last access."""

from __future__ import annotations

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.errors import NotFound
from learnapp.services.learning.catalog import catalog_progress
from learnapp.services.learning.progress import (
    continue_learning,
    course_outline,
    enrollments,
    next_lesson,
    node_progress,
    pathway_outline,
    record_access,
)
from tests.conftest import ALICE, BOB


def test_outline_gives_module_counts_and_lesson_checkmarks(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for slug in ("b1", "b2", "b3", "c1"):
        record_completion(db, ALICE, slug)
    view = course_outline(db, ALICE, "ac-course")
    assert [(m.slug, m.completed, m.total, m.complete) for m in view.modules] == [
        ("m-basics", 3, 3, True),
        ("m-core", 1, 5, False),
        ("m-wrap", 0, 2, False),
    ]
    assert [x.done for x in view.modules[0].lessons] == [False, True, True, True]  # the preview never counts
    assert (view.enrolled, view.percent, view.next_lesson) == (True, 40, "c2")


def test_outline_of_another_learner_shows_none_of_alices_progress(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    view = course_outline(db, BOB, "ac-course")
    assert (view.enrolled, view.completed) == (False, 0)


def test_unknown_course_or_pathway_in_an_aggregate_reads_0_of_0_not_complete(db: Database) -> None:
    for kind in ("course", "pathway"):
        result = node_progress(db, ALICE, kind, "does-not-exist")
        assert (result.completed, result.total, result.percent, result.complete) == (0, 0, 0, False)


def test_pathway_aggregate_is_hierarchical(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    record_completion(db, ALICE, "s1")
    result = node_progress(db, ALICE, "pathway", "path")
    assert [(c.slug, c.completed, c.total) for c in result.courses] == [
        ("ac-course", 0, 10),
        ("course-a", 1, 3),
        ("course-b", 1, 2),
    ]
    assert [(m.slug, m.completed, m.total) for m in result.courses[1].modules] == [
        ("m-shared", 1, 2),
        ("m-extra", 0, 1),
    ]
    assert (result.completed, result.total) == (1, 13)  # the shared module counts once


def test_pathway_outline_and_next_lesson_cross_courses_in_order(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    for slug in ("b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"):
        record_completion(db, ALICE, slug)
    view = pathway_outline(db, ALICE, "path")
    assert (view.next_course, view.next_lesson) == ("course-a", "s1")
    assert (view.courses_completed, view.courses_total, view.enrolled) == (1, 3, True)
    with pytest.raises(NotFound):
        pathway_outline(db, ALICE, "nope")


def test_next_lesson_after_all_complete_is_the_first_lesson_for_review(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    assert next_lesson(db, ALICE, "course-b") == "s1"


def test_ac_101_5_continue_learning_goes_to_the_next_lesson_of_the_last_opened_unfinished_course(
    db: Database,
) -> None:
    enroll_course(db, ALICE, "ac-course")
    enroll_course(db, ALICE, "course-a")
    for slug in ("b1", "b2", "b3", "c1", "c2"):
        record_completion(db, ALICE, slug)
    record_access(db, ALICE, "course-a", "s1")
    record_access(db, ALICE, "ac-course", "c2")
    assert continue_learning(db, ALICE) == ("ac-course", "c3")
    record_access(db, ALICE, "course-a", "s1")
    assert continue_learning(db, ALICE) == ("course-a", "s1")


def test_continue_learning_skips_finished_courses_and_is_none_without_enrollments(db: Database) -> None:
    assert continue_learning(db, ALICE) is None
    enroll_course(db, ALICE, "course-b")
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    record_access(db, ALICE, "course-b", "s2")
    assert continue_learning(db, ALICE) == ("ac-course", "b1")


def test_record_access_sets_last_lesson_and_lists_enrollments_by_last_access(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    enroll_course(db, ALICE, "course-b")
    record_access(db, ALICE, "ac-course", "c4")
    listed = enrollments(db, ALICE)
    assert [e.slug for e in listed][0] == "ac-course"
    assert listed[0].last_lesson == "c4" and listed[0].last_accessed_at is not None
    with pytest.raises(NotFound):
        record_access(db, ALICE, "course-b", "c4")  # c4 is not in course-b


def test_enrolling_twice_is_a_no_op_and_pathway_enrolls_its_courses(db: Database) -> None:
    assert enroll_course(db, ALICE, "course-a") is True
    assert enroll_course(db, ALICE, "course-a") is False
    assert enroll_pathway(db, ALICE, "path") is True
    assert enroll_pathway(db, ALICE, "path") is False
    assert sorted(e.slug for e in enrollments(db, ALICE)) == ["ac-course", "course-a", "course-b"]
    with pytest.raises(NotFound):
        enroll_course(db, ALICE, "nope")


def test_stored_progress_lists_every_enrollment_by_one_key_and_nothing_else(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    enroll_pathway(db, BOB, "path")
    record_completion(db, ALICE, "s1")
    found = catalog_progress(db, ALICE)
    assert [(key, a.completed, a.total, a.percent) for key, a in found.items()] == [("course-b", 1, 2, 50)]
    assert sorted(catalog_progress(db, BOB)) == ["ac-course", "course-a", "course-b", "pathway:path"]


def test_completions_are_logged_as_structured_records(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    enroll_course(db, ALICE, "ac-course")
    with caplog.at_level("INFO", logger="learnapp.progress"):
        record_completion(db, ALICE, "b1")
    record = next(r for r in caplog.records if r.getMessage() == "lesson completed")
    assert (record.learner, record.lesson, record.node) == (ALICE, "b1", "course:ac-course")  # type: ignore[attr-defined]
    assert (record.old_percent, record.new_percent) == (0, 10)  # type: ignore[attr-defined]
    assert record.duration_ms > 0  # type: ignore[attr-defined]


def test_dashboard_resumes_the_last_opened_unfinished_course_at_its_next_lesson(db: Database) -> None:
    from learnapp.services.learning.dashboard import dashboard

    enroll_course(db, ALICE, "course-b")
    enroll_course(db, ALICE, "ac-course")
    for slug in ("b1", "b2", "b3", "c1", "c2"):
        record_completion(db, ALICE, slug)
    record_access(db, ALICE, "ac-course", "c2")
    board = dashboard(db, ALICE)
    assert board.resume is not None
    assert (board.resume.slug, board.resume.next_lesson) == ("ac-course", "c3")
    assert [c.slug for c in board.cards] == ["ac-course", "course-b"]
    assert board.stats.lessons_completed == 5

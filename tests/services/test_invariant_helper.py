"""The invariant helper itself: any corrupted derived column, a missing or an extra stored row makes it fail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_pathway
from tests.conftest import ADMIN, ALICE, BOB
from tests.services.helpers import (
    assert_stored_equals_recomputed,
    floor_percent,
    invariant_problems,
    moment_text,
)

EVERY_LESSON = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2", "s1", "s2", "e1"]
LATER = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def world(db: Database) -> Database:
    """Bob finished the whole pathway; Alice finished course-b (shared module) and is 2 of 3 in course-a."""
    enroll_pathway(db, BOB, "path")
    for slug in EVERY_LESSON:
        record_completion(db, BOB, slug)
    enroll_pathway(db, ALICE, "path")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")
    assert_stored_equals_recomputed(db)
    return db


def _corrupt(db: Database, sql: str, **params: object) -> None:
    with db.transaction() as conn:
        assert conn.execute(moment_text(sql, params), params).rowcount == 1  # type: ignore[attr-defined]


def _course(slug: str) -> str:
    return f"(SELECT id FROM course WHERE slug = '{slug}')"


COURSE_ROW = "UPDATE enrollment SET {column} = :value WHERE learner_id = :learner AND course_id = " + _course("{slug}")
PATHWAY_ROW = "UPDATE pathway_enrollment SET {column} = :value WHERE learner_id = :learner"

CORRUPTIONS = [
    # (table template, learner, course slug, column, value)
    (COURSE_ROW, BOB, "ac-course", "completed", 9),
    (COURSE_ROW, BOB, "ac-course", "total", 11),
    (COURSE_ROW, BOB, "ac-course", "percent", 99),
    (COURSE_ROW, BOB, "ac-course", "is_complete", False),
    (COURSE_ROW, BOB, "ac-course", "completed_at", LATER),
    (COURSE_ROW, BOB, "ac-course", "completed_at", None),
    (COURSE_ROW, BOB, "ac-course", "first_completed_at", None),
    (COURSE_ROW, ALICE, "course-a", "percent", 67),  # 2 of 3 floors to 66
    (COURSE_ROW, ALICE, "course-a", "completed_at", LATER),  # a time on an incomplete course
    (COURSE_ROW, ALICE, "course-a", "is_complete", True),
    (PATHWAY_ROW, BOB, "", "completed", 12),
    (PATHWAY_ROW, BOB, "", "total", 14),
    (PATHWAY_ROW, BOB, "", "percent", 99),
    (PATHWAY_ROW, BOB, "", "is_complete", False),
    (PATHWAY_ROW, BOB, "", "completed_at", LATER),
    (PATHWAY_ROW, BOB, "", "completed_at", None),
    (PATHWAY_ROW, BOB, "", "first_completed_at", None),
    (PATHWAY_ROW, BOB, "", "courses_completed", 2),
    (PATHWAY_ROW, BOB, "", "courses_total", 4),
    (PATHWAY_ROW, ALICE, "", "courses_completed", 2),
    (PATHWAY_ROW, ALICE, "", "courses_total", 2),
    (PATHWAY_ROW, ALICE, "", "completed_at", LATER),
    (PATHWAY_ROW, ALICE, "", "percent", 16),  # 2 of 13 floors to 15
]


@pytest.mark.parametrize(("template", "learner", "slug", "column", "value"), CORRUPTIONS)
def test_a_corrupted_column_fails_the_invariant(
    world: Database, template: str, learner: int, slug: str, column: str, value: object
) -> None:
    _corrupt(world, template.format(column=column, slug=slug), value=value, learner=learner)
    with pytest.raises(AssertionError, match=column):
        assert_stored_equals_recomputed(world)


@pytest.mark.parametrize(
    "sql",
    [
        f"DELETE FROM enrollment WHERE learner_id = {ALICE} AND course_id = " + _course("course-a"),
        f"DELETE FROM pathway_enrollment WHERE learner_id = {ALICE}",
    ],
)
def test_a_missing_row_fails_the_invariant(world: Database, sql: str) -> None:
    _corrupt(world, sql)
    assert any("row missing" in problem for problem in invariant_problems(world))


@pytest.mark.parametrize(
    "sql",
    [
        # Correct numbers (nothing done, 0 of 3) but no enrollment behind them.
        "INSERT INTO enrollment (learner_id, course_id, enrolled_at, completed, total, percent, is_complete, "
        f"updated_at) SELECT {ADMIN}, id, :value, 0, 3, 0, false, :value FROM course WHERE slug = 'course-a'",
        "INSERT INTO pathway_enrollment (learner_id, pathway_id, enrolled_at, completed, total, percent, "
        f"courses_completed, courses_total, is_complete, updated_at) SELECT {ADMIN}, id, :value, 0, 13, 0, 0, 3, "
        "false, :value FROM pathway",
    ],
)
def test_an_extra_row_fails_the_invariant(world: Database, sql: str) -> None:
    _corrupt(world, sql, value=LATER)
    problems = invariant_problems(world)
    assert len(problems) == 1 and "is not an enrollment the learner has" in problems[0], problems


@pytest.mark.parametrize(
    ("completed", "total", "complete", "percent"),
    [(0, 0, False, 0), (1, 3, False, 33), (2, 3, False, 66), (199, 200, False, 99), (200, 200, True, 100)]
    + [(1, 1, False, 99), (9999, 10000, False, 99), (1, 10000, False, 0), (7, 13, False, 53)],
)
def test_the_oracle_percent_is_the_spec_floor(completed: int, total: int, complete: bool, percent: int) -> None:
    assert floor_percent(completed, total, complete) == percent

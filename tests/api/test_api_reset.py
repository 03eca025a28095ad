"""Start over through the API: the course page's rule and history, idempotent, scoped to the token's learner."""

from __future__ import annotations

from sqlalchemy import text

from learnapp.persistence.db import Database
from learnapp.services.learning.progress import course_outline
from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ADMIN, ALICE, BOB
from tests.services.helpers import assert_stored_equals_recomputed

RESET = f"/learners/{ALICE}/courses/course-b/reset"


def history(db: Database, learner_id: int) -> list[tuple[str, str, int]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, source, actor_id FROM progress_history WHERE learner_id = :l ORDER BY id"),
            {"l": learner_id},
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_reset_removes_the_courses_completions_logs_each_and_answers_the_fresh_progress(api: Api, db: Database) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"})
    for lesson in ("s1", "s2", "b1"):
        api.post(f"/learners/{ALICE}/completions", {"lesson": lesson})
    assert course_outline(db, ALICE, "course-b").complete
    response = api.post(RESET)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["course"], body["completed"], body["complete"]) == ("course-b", 0, False)
    assert not any(lesson["complete"] for module in body["modules"] for lesson in module["lessons"])
    # Start over's rule: this course's lessons go (in every course sharing them), others stay.
    assert (
        course_outline(db, ALICE, "course-a").completed == 0 and course_outline(db, ALICE, "ac-course").completed == 1
    )
    assert [h for h in history(db, ALICE) if h[0] == "reset"] == [("reset", "api", ALICE)] * 2
    assert_stored_equals_recomputed(db)


def test_reset_is_idempotent(api: Api, db: Database) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"})
    api.post(f"/learners/{ALICE}/completions", {"lesson": "s1"})
    first, second = api.post(RESET), api.post(RESET)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert len([h for h in history(db, ALICE) if h[0] == "reset"]) == 1


def test_another_learners_reset_is_404_and_changes_nothing(api: Api, tokens: Tokens, db: Database) -> None:
    bob = api.as_(tokens.bob)
    bob.post(f"/learners/{BOB}/enrollments", {"course": "course-b"})
    bob.post(f"/learners/{BOB}/completions", {"lesson": "s1"})
    assert_error(api.post(f"/learners/{BOB}/courses/course-b/reset"), 404, "not_found")
    assert course_outline(db, BOB, "course-b").completed == 1


def test_an_admin_may_reset_a_learner_and_is_recorded_as_the_actor(api: Api, tokens: Tokens, db: Database) -> None:
    bob = api.as_(tokens.bob)
    bob.post(f"/learners/{BOB}/enrollments", {"course": "course-b"})
    bob.post(f"/learners/{BOB}/completions", {"lesson": "s1"})
    assert api.as_(tokens.admin).post(f"/learners/{BOB}/courses/course-b/reset").status_code == 200
    assert course_outline(db, BOB, "course-b").completed == 0
    assert [h for h in history(db, BOB) if h[0] == "reset"] == [("reset", "api", ADMIN)]


def test_reset_of_a_course_not_enrolled_or_unknown_is_refused(api: Api) -> None:
    assert_error(api.post(RESET), 403, "not_enrolled")
    assert_error(api.post(f"/learners/{ALICE}/courses/ghost/reset"), 404, "not_found")
    assert_error(api.post(RESET, token=None), 401, "unauthorized")

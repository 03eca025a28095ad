"""Lesson completion over HTTP: mark (201, then 200 with the same record), un-mark (204), and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from learnapp.persistence.db import Database
from tests.api.conftest import Api, Tokens, assert_error, joined_on
from tests.conftest import ALICE, BOB
from tests.services.helpers import assert_stored_equals_recomputed, dump, stored_course


def enrolled(api: Api, course: str = "ac-course") -> Api:
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": course}).status_code in (200, 201)
    return api


def test_marking_is_201_then_200_with_the_same_record(api: Api, db: Database) -> None:
    enrolled(api)
    first = api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"})
    again = api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] is True and again.json()["created"] is False
    assert {k: v for k, v in again.json().items() if k != "created"} == {
        k: v for k, v in first.json().items() if k != "created"
    }
    assert first.json()["source"] == "api"
    assert stored_course(db, ALICE, "ac-course").completed == 1
    assert_stored_equals_recomputed(db)


def test_a_completion_time_in_the_past_is_kept(api: Api, db: Database) -> None:
    enrolled(api)
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    joined_on(db, ALICE, when - timedelta(days=1))  # but not before the account existed (tests/security)
    response = api.post(f"/learners/{ALICE}/completions", {"lesson": "b2", "completed_at": when.isoformat()})
    assert datetime.fromisoformat(response.json()["completed_at"]) == when


def test_unmarking_is_204_and_the_progress_goes_back(api: Api, db: Database) -> None:
    enrolled(api)
    api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"})
    assert api.delete(f"/learners/{ALICE}/completions/b1").status_code == 204
    assert stored_course(db, ALICE, "ac-course").completed == 0
    assert api.delete(f"/learners/{ALICE}/completions/b1").status_code == 204  # no-op when not complete
    assert_stored_equals_recomputed(db)


def test_a_lesson_of_a_course_not_enrolled_is_403_and_writes_nothing(api: Api, db: Database) -> None:
    api.get("/me")  # the token's first use records its last use; within a minute it is not written again
    before = dump(db)
    assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"}), 403, "not_enrolled")
    assert dump(db) == before


def test_preview_lessons_cannot_be_completed(api: Api) -> None:
    enrolled(api)
    assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": "bp"}), 400, "invalid")
    assert_error(api.delete(f"/learners/{ALICE}/completions/bp"), 400, "invalid")


def test_an_unknown_lesson_is_404(api: Api) -> None:
    enrolled(api)
    assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": "B1"}), 404, "not_found")
    assert_error(api.delete(f"/learners/{ALICE}/completions/nope"), 404, "not_found")


def test_times_need_a_zone_and_cannot_be_in_the_future(api: Api) -> None:
    enrolled(api)
    naive = api.post(f"/learners/{ALICE}/completions", {"lesson": "b1", "completed_at": "2026-03-01T09:30:00"})
    assert_error(naive, 422, "validation_error")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert_error(api.post(f"/learners/{ALICE}/completions", {"lesson": "b1", "completed_at": future}), 400, "invalid")


def test_another_learners_completions_are_404(api: Api) -> None:
    assert_error(api.post(f"/learners/{BOB}/completions", {"lesson": "b1"}), 404, "not_found")
    assert_error(api.delete(f"/learners/{BOB}/completions/b1"), 404, "not_found")


def test_an_admin_marks_for_a_learner_and_is_the_recorded_actor(api: Api, tokens: Tokens, db: Database) -> None:
    admin = api.as_(tokens.admin)
    admin.post(f"/learners/{BOB}/enrollments", {"course": "course-b"})
    assert admin.post(f"/learners/{BOB}/completions", {"lesson": "s1"}).status_code == 201
    with db.engine.connect() as conn:
        actor = conn.execute(
            text("SELECT actor_id FROM progress_history WHERE action = 'completed' AND learner_id = :id"), {"id": BOB}
        ).scalar()
    assert actor == 3

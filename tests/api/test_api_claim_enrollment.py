"""A completion claim for a course or pathway the learner is not enrolled in: 409 with the reason, nothing changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from learnapp.persistence.db import Database
from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ALICE, BOB

EVENTS = f"/learners/{ALICE}/events"


def claim(kind: str, slug: str, event_id: str = "claim-1") -> dict[str, Any]:
    return {"id": event_id, "type": f"{kind}_completed", kind: slug}


def rows(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE learner_id = {ALICE}")).scalar_one())


def complete_shared_module(api: Api) -> None:
    """Through course-a: course-b (only the shared module) is then complete in the facts, without its enrollment."""
    api.post(f"/learners/{ALICE}/enrollments", {"course": "course-a"})
    for lesson in ("s1", "s2"):
        assert api.post(f"/learners/{ALICE}/completions", {"lesson": lesson}).status_code == 201


def test_a_course_claim_without_the_enrollment_is_409_and_changes_nothing(api: Api, db: Database) -> None:
    complete_shared_module(api)
    before = {table: rows(db, table) for table in ("lesson_completion", "progress_history", "client_event")}
    view = {"id": "view", "type": "lesson_completed", "lesson": "e1"}
    response = api.post(EVENTS, {"events": [view, claim("course", "course-b")]})
    error = assert_error(response, 409, "claim_not_enrolled")
    assert error["details"] == {"index": 1, "event_id": "claim-1", "type": "course_completed", "course": "course-b"}
    assert "enroll" in error["message"]
    assert {table: rows(db, table) for table in before} == before  # not even the batch's first event


def test_a_pathway_claim_without_the_enrollment_is_409(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"})
    error = assert_error(api.post(EVENTS, {"events": [claim("pathway", "path")]}), 409, "claim_not_enrolled")
    assert error["details"]["pathway"] == "path"


def test_after_enrolling_the_same_claim_is_accepted(api: Api) -> None:
    complete_shared_module(api)
    assert api.post(EVENTS, {"events": [claim("course", "course-b")]}).status_code == 409
    api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"})  # a pathway enrolls in its courses too
    response = api.post(EVENTS, {"events": [claim("course", "course-b")]})
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "applied"


def test_an_unknown_course_is_still_404_and_an_admin_is_held_to_the_learners_enrollments(
    api: Api, tokens: Tokens
) -> None:
    assert_error(api.post(EVENTS, {"events": [claim("course", "ghost")]}), 404, "not_found")
    admin = api.as_(tokens.admin)
    refused = admin.post(f"/learners/{BOB}/events", {"events": [claim("course", "course-b")]})
    assert_error(refused, 409, "claim_not_enrolled")

"""The event batch over HTTP: client event ids (resend is a no-op, reuse is 409), all or nothing, time spent."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest

from learnapp.persistence.db import Database
from tests.api.conftest import Api, Tokens, assert_error, joined_on
from tests.clock import days_ago
from tests.conftest import ALICE, BOB
from tests.services.helpers import assert_stored_equals_recomputed, dump, stored_course

EVENTS = f"/learners/{ALICE}/events"
SENT = days_ago(30, 10)  # a completion time these tests send: relative, so never a future one
SENT_Z = SENT.isoformat().replace("+00:00", "Z")


def completed(event_id: str, lesson: str, **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "lesson_completed", "lesson": lesson, **extra}


def viewed(event_id: str, lesson: str, seconds: int) -> dict[str, Any]:
    return {"id": event_id, "type": "lesson_viewed", "lesson": lesson, "seconds": seconds}


@pytest.fixture
def enrolled(api: Api, db: Database) -> Api:
    joined_on(db, ALICE, SENT - timedelta(days=120))  # before the completion times these tests send
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"}).status_code == 201
    return api


@pytest.fixture
def rejections() -> Iterator[list[logging.LogRecord]]:
    """Records of the events logger, caught at the logger itself (whatever handlers the app configured)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("learnapp.events")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_a_batch_applies_each_event_and_says_so(enrolled: Api, db: Database) -> None:
    response = enrolled.post(EVENTS, {"events": [completed("e1", "b1"), viewed("e2", "b1", 90)]})
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert (first["status"], first["created"], first["slug"]) == ("applied", True, "b1")
    assert (second["status"], second["seconds_added"]) == ("applied", 90)
    assert response.json()["warnings"] == []
    assert stored_course(db, ALICE, "ac-course").completed == 1
    assert_stored_equals_recomputed(db)


def test_time_spent_adds_up_and_one_report_is_capped_at_15_minutes(enrolled: Api) -> None:
    enrolled.post(EVENTS, {"events": [viewed("v1", "b1", 60), viewed("v2", "b3", 30), viewed("v3", "b2", 5000)]})
    assert enrolled.get(f"/learners/{ALICE}/stats").json()["seconds_spent"] == 60 + 30 + 900


def test_resending_the_same_event_is_a_no_op_answered_with_the_first_result(enrolled: Api, db: Database) -> None:
    batch = {"events": [completed("e1", "b1", occurred_at=SENT_Z), viewed("e2", "b1", 30)]}
    first = enrolled.post(EVENTS, batch).json()["results"]
    before = dump(db)
    again = enrolled.post(EVENTS, batch)
    assert again.status_code == 200 and dump(db) == before
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert [{**r, "status": "applied"} for r in again.json()["results"]] == first


def test_the_same_event_written_differently_is_still_the_same_event(enrolled: Api) -> None:
    enrolled.post(EVENTS, {"events": [completed("e1", "b1", occurred_at=SENT_Z)]})
    reordered = {
        "occurred_at": SENT.astimezone(timezone(timedelta(hours=2))).isoformat(),
        "lesson": "b1",
        "type": "lesson_completed",
        "id": "e1",
    }
    assert enrolled.post(EVENTS, {"events": [reordered]}).json()["results"][0]["status"] == "duplicate"


def test_reusing_an_id_for_another_event_is_409_and_nothing_in_the_batch_applies(enrolled: Api, db: Database) -> None:
    enrolled.post(EVENTS, {"events": [completed("e1", "b1")]})
    before = dump(db)
    response = enrolled.post(EVENTS, {"events": [completed("e2", "b2"), completed("e1", "b3")]})
    error = assert_error(response, 409, "conflict")
    assert (error["details"]["index"], error["details"]["event_id"]) == (1, "e1")
    assert dump(db) == before and stored_course(db, ALICE, "ac-course").completed == 1


def test_an_id_twice_in_one_batch_is_a_no_op_with_the_same_body_and_409_with_another(enrolled: Api) -> None:
    same = enrolled.post(EVENTS, {"events": [completed("x", "b1"), completed("x", "b1")]})
    assert [r["status"] for r in same.json()["results"]] == ["applied", "duplicate"]
    other = enrolled.post(EVENTS, {"events": [viewed("y", "b1", 5), viewed("y", "b1", 6)]})
    assert_error(other, 409, "conflict")


def test_a_batch_is_all_or_nothing(enrolled: Api, db: Database) -> None:
    enrolled.get("/me")
    before = dump(db)
    batch = {"events": [completed("a", "b1"), viewed("b", "b1", 30), completed("c", "no-such-lesson")]}
    error = assert_error(enrolled.post(EVENTS, batch), 404, "not_found")
    assert (error["details"]["index"], error["details"]["event_id"]) == (2, "c")
    assert dump(db) == before
    # Nothing was remembered either: the same ids can be sent again, fixed.
    fixed = {"events": [completed("a", "b1"), viewed("b", "b1", 30), completed("c", "b2")]}
    assert [r["status"] for r in enrolled.post(EVENTS, fixed).json()["results"]] == ["applied"] * 3
    assert_stored_equals_recomputed(db)


def test_event_ids_belong_to_one_learner(enrolled: Api, tokens: Tokens) -> None:
    bob = enrolled.as_(tokens.bob)
    bob.post(f"/learners/{BOB}/enrollments", {"course": "ac-course"})
    assert enrolled.post(EVENTS, {"events": [completed("same-id", "b1")]}).status_code == 200
    response = bob.post(f"/learners/{BOB}/events", {"events": [completed("same-id", "b2")]})
    assert response.json()["results"][0]["status"] == "applied"


def test_lesson_completed_needs_an_enrollment_and_a_countable_lesson(api: Api) -> None:
    assert_error(api.post(EVENTS, {"events": [completed("e1", "b1")]}), 403, "not_enrolled")
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    assert_error(api.post(EVENTS, {"events": [completed("e1", "bp")]}), 400, "invalid")


def test_a_batch_holds_1_to_100_events(enrolled: Api) -> None:
    assert_error(enrolled.post(EVENTS, {"events": []}), 422, "validation_error")
    many = [viewed(f"v{i}", "b1", 1) for i in range(101)]
    assert_error(enrolled.post(EVENTS, {"events": many}), 422, "validation_error")
    assert enrolled.post(EVENTS, {"events": many[:100]}).status_code == 200


def test_rejections_are_logged_as_structured_records(enrolled: Api, rejections: list[logging.LogRecord]) -> None:
    enrolled.post(EVENTS, {"events": [{"id": "c1", "type": "course_completed", "course": "ac-course"}]})
    [record] = rejections
    fields = record.__dict__
    assert (record.getMessage(), fields["learner"], fields["event_id"]) == ("client event rejected", ALICE, "c1")
    assert (fields["event_type"], fields["code"]) == ("course_completed", "claim_rejected")
    assert fields["details"]["missing_modules"] == ["m-basics", "m-core", "m-wrap"]


def test_another_learners_events_endpoint_is_404(api: Api) -> None:
    assert_error(api.post(f"/learners/{BOB}/events", {"events": [completed("e1", "b1")]}), 404, "not_found")

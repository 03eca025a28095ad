"""Explicit completion claims (seed 000): valid accepted, invalid rejected with reasons, the ±5 minute window, edges."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from learnapp.persistence.db import Database
from tests.api.conftest import Api, assert_error, joined_on
from tests.clock import days_ago
from tests.conftest import ALICE

EVENTS = f"/learners/{ALICE}/events"
T = days_ago(30, 13, 30)  # when the last lesson of the node was completed (relative: never a future time)
AC_LESSONS = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]


def claim(kind: str, slug: str, at: datetime | None = None, event_id: str = "claim-1") -> dict[str, Any]:
    event: dict[str, Any] = {"id": event_id, "type": f"{kind}_completed", kind: slug}
    if at is not None:
        event["occurred_at"] = at.isoformat()
    return event


def send(api: Api, *events: dict[str, Any]) -> Any:
    return api.post(EVENTS, {"events": list(events)})


def complete(api: Api, lessons: list[str], last_at: datetime = T) -> None:
    """Every lesson an hour before `last_at`, except the last one, at `last_at`."""
    events = [
        {"id": f"done-{slug}", "type": "lesson_completed", "lesson": slug, "occurred_at": at.isoformat()}
        for slug, at in zip(lessons, [last_at - timedelta(hours=1)] * (len(lessons) - 1) + [last_at], strict=True)
    ]
    assert send(api, *events).status_code == 200


@pytest.fixture
def learner(api: Api, db: Database) -> Api:
    joined_on(db, ALICE, T - timedelta(days=60))  # the account predates the history these tests replay
    assert api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"}).status_code == 201
    return api


# --- valid claims are accepted ---------------------------------------------------------------------


def test_a_course_claim_is_accepted_when_every_module_is_complete(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    [result] = send(learner, claim("course", "course-b")).json()["results"]
    assert (result["status"], result["slug"], result["warnings"]) == ("applied", "course-b", [])
    assert datetime.fromisoformat(result["completed_at"]) == T == datetime.fromisoformat(result["inferred_at"])


def test_a_pathway_claim_is_accepted_when_every_course_is_complete(learner: Api) -> None:
    complete(learner, [*AC_LESSONS, "s1", "s2", "e1"])
    [result] = send(learner, claim("pathway", "path", T)).json()["results"]
    assert result["status"] == "applied" and datetime.fromisoformat(result["completed_at"]) == T


def test_a_reused_module_completes_every_course_that_contains_it(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    assert send(learner, claim("course", "course-b")).status_code == 200
    error = assert_error(send(learner, claim("course", "course-a", event_id="claim-2")), 400, "claim_rejected")
    assert error["details"]["missing_modules"] == ["m-extra"]


def test_an_accepted_claim_is_kept_in_the_progress_history(learner: Api, db: Database) -> None:
    complete(learner, ["s1", "s2"])
    send(learner, claim("course", "course-b", T + timedelta(minutes=2)))
    with db.engine.connect() as conn:
        detail = conn.exec_driver_sql(
            "SELECT detail FROM progress_history WHERE action = 'completion_claimed'"
        ).scalar()
    assert f'"accepted_at": "{(T + timedelta(minutes=2)).isoformat()}"' in detail


# --- invalid claims are rejected with reasons --------------------------------------------------------


def test_a_partial_course_claim_is_400_naming_the_missing_modules(learner: Api) -> None:
    complete(learner, ["b1", "b2", "b3", "c1"])
    error = assert_error(send(learner, claim("course", "ac-course", T)), 400, "claim_rejected")
    details = error["details"]
    assert details["missing_modules"] == ["m-core", "m-wrap"] and (details["completed"], details["total"]) == (4, 10)
    assert "m-core, m-wrap" in error["message"] and details["event_id"] == "claim-1"


def test_a_partial_pathway_claim_is_400_naming_the_missing_courses_and_their_modules(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    error = assert_error(send(learner, claim("pathway", "path", T)), 400, "claim_rejected")
    details = error["details"]
    assert details["missing_courses"] == ["ac-course", "course-a"] and details["courses_completed"] == 1
    assert details["missing_modules"] == {"ac-course": ["m-basics", "m-core", "m-wrap"], "course-a": ["m-extra"]}


def test_a_claim_with_nothing_done_is_rejected_and_a_rejected_claim_is_not_remembered(learner: Api) -> None:
    assert_error(send(learner, claim("course", "course-b")), 400, "claim_rejected")
    complete(learner, ["s1", "s2"])
    assert send(learner, claim("course", "course-b")).json()["results"][0]["status"] == "applied"


def test_a_claim_about_an_unknown_course_or_pathway_is_404_naming_it(learner: Api) -> None:
    error = assert_error(send(learner, claim("course", "no-such-course")), 404, "not_found")
    assert error["details"]["course"] == "no-such-course"
    assert_error(send(learner, claim("pathway", "no-such-path")), 404, "not_found")


def test_un_marking_a_lesson_makes_the_same_claim_invalid_again(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    assert learner.delete(f"/learners/{ALICE}/completions/s2").status_code == 204
    error = assert_error(send(learner, claim("course", "course-b")), 400, "claim_rejected")
    assert error["details"]["missing_modules"] == ["m-shared"]


# --- the ±5 minute window -----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [timedelta(minutes=4, seconds=59), -timedelta(minutes=4, seconds=59)])
def test_a_claimed_time_within_5_minutes_is_kept(learner: Api, offset: timedelta) -> None:
    complete(learner, ["s1", "s2"])
    [result] = send(learner, claim("course", "course-b", T + offset)).json()["results"]
    assert datetime.fromisoformat(result["completed_at"]) == T + offset and result["warnings"] == []


def test_exactly_5_minutes_is_still_within_the_window(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    [result] = send(learner, claim("course", "course-b", T + timedelta(minutes=5))).json()["results"]
    assert datetime.fromisoformat(result["completed_at"]) == T + timedelta(minutes=5) and not result["warnings"]


@pytest.mark.parametrize("offset", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1)])
def test_a_claimed_time_beyond_5_minutes_gives_the_inferred_time_and_a_warning(learner: Api, offset: timedelta) -> None:
    complete(learner, ["s1", "s2"])
    body = send(learner, claim("course", "course-b", T + offset)).json()
    [result] = body["results"]
    assert datetime.fromisoformat(result["completed_at"]) == T
    assert datetime.fromisoformat(result["claimed_at"]) == T + offset
    assert len(result["warnings"]) == 1 and "301 s" in result["warnings"][0]
    assert body["warnings"] == [{"event_id": "claim-1", "message": result["warnings"][0]}]


def test_the_inferred_time_is_the_latest_child_completion(learner: Api) -> None:
    complete(learner, [*AC_LESSONS, "s1", "s2", "e1"], last_at=T)
    [result] = send(learner, claim("pathway", "path", T - timedelta(hours=1))).json()["results"]
    assert datetime.fromisoformat(result["inferred_at"]) == T == datetime.fromisoformat(result["completed_at"])
    assert result["warnings"]


# --- null data, missing fields, case sensitivity -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"events": None},
        {"events": [None]},
        {"events": [{"id": "c", "type": "course_completed", "course": None}]},
        {"events": [{"id": None, "type": "course_completed", "course": "course-b"}]},
        {"events": [{"id": "c", "type": None, "course": "course-b"}]},
    ],
    ids=["no body", "null events", "null event", "null course", "null id", "null type"],
)
def test_null_data_is_422_and_changes_nothing(learner: Api, body: Any) -> None:
    assert_error(learner.post(EVENTS, body), 422, "validation_error")


def test_a_null_claimed_time_means_the_inferred_time(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    event = {"id": "c", "type": "course_completed", "course": "course-b", "occurred_at": None}
    [result] = send(learner, event).json()["results"]
    assert datetime.fromisoformat(result["completed_at"]) == T and result["claimed_at"] is None


@pytest.mark.parametrize(
    ("event", "missing"),
    [
        ({"id": "c", "type": "course_completed"}, "course"),
        ({"id": "c", "type": "pathway_completed"}, "pathway"),
        ({"type": "course_completed", "course": "course-b"}, "id"),
        ({"id": "c", "course": "course-b"}, "type"),
        ({"id": "c", "type": "lesson_viewed", "lesson": "b1"}, "seconds"),
    ],
)
def test_a_missing_field_is_422_naming_it(learner: Api, event: dict[str, Any], missing: str) -> None:
    error = assert_error(send(learner, event), 422, "validation_error")
    assert any(missing in map(str, problem["loc"]) or missing in problem["message"] for problem in error["details"])


def test_a_wrongly_named_field_is_422_not_ignored(learner: Api) -> None:
    assert_error(
        send(learner, {"id": "c", "type": "course_completed", "courseSlug": "course-b"}), 422, "validation_error"
    )


@pytest.mark.parametrize(
    "kind", ["Course_Completed", "COURSE_COMPLETED", "course-completed", "learning_course_completed"]
)
def test_event_types_are_case_sensitive(learner: Api, kind: str) -> None:
    complete(learner, ["s1", "s2"])
    assert_error(send(learner, {"id": "c", "type": kind, "course": "course-b"}), 422, "validation_error")


def test_slugs_are_case_sensitive(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    error = assert_error(send(learner, claim("course", "Course-B")), 404, "not_found")
    assert "case-sensitive" in error["message"]


def test_event_ids_are_case_sensitive(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    results = send(
        learner, claim("course", "course-b", event_id="Claim"), claim("course", "course-b", event_id="claim")
    )
    assert [r["status"] for r in results.json()["results"]] == ["applied", "applied"]


def test_a_claimed_time_needs_a_time_zone(learner: Api) -> None:
    complete(learner, ["s1", "s2"])
    event = {
        "id": "c",
        "type": "course_completed",
        "course": "course-b",
        "occurred_at": T.replace(tzinfo=None).isoformat(),
    }
    assert_error(send(learner, event), 422, "validation_error")

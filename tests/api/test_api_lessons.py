"""Lesson-level progress in the course and pathway reads: each lesson's completion, time and source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from tests.api.conftest import Api, Tokens, joined_on
from tests.conftest import ALICE, BOB

COURSE = f"/learners/{ALICE}/courses/ac-course/progress"


def lessons_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lesson["lesson"]: lesson for module in body["modules"] for lesson in module["lessons"]}


def test_each_module_lists_its_lessons_with_completion_time_and_source(api: Api, db: Database) -> None:
    joined_on(db, ALICE, datetime(2024, 1, 1, tzinfo=UTC))
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    assert (
        api.post(f"/learners/{ALICE}/completions", {"lesson": "b1", "completed_at": at.isoformat()}).status_code == 201
    )
    record_completion(db, ALICE, "c2", "ui")
    body = api.get(COURSE).json()
    assert [[x["lesson"] for x in m["lessons"]] for m in body["modules"]] == [
        ["bp", "b1", "b2", "b3"],
        ["c1", "c2", "c3", "c4", "c5"],
        ["w1", "w2"],
    ]
    lessons = lessons_of(body)
    assert lessons["b1"]["complete"] is True and lessons["b1"]["source"] == "api"
    assert datetime.fromisoformat(lessons["b1"]["completed_at"]) == at
    assert lessons["c2"]["complete"] is True and lessons["c2"]["source"] == "ui"
    assert lessons["b2"] == {
        "lesson": "b2",
        "title": "Basics two",
        "preview": False,
        "complete": False,
        "completed_at": None,
        "source": None,
    }
    assert lessons["bp"]["preview"] is True and lessons["bp"]["complete"] is False
    done = {slug for slug, lesson in lessons.items() if lesson["complete"]}
    assert done == {"b1", "c2"} and body["completed"] == 2  # the lessons agree with the counts


def test_lessons_false_keeps_the_lighter_form(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    body = api.get(COURSE, params={"lessons": "false"}).json()
    assert body["modules"] and all("lessons" not in module for module in body["modules"])
    pathway = api.get(f"/learners/{ALICE}/pathways/path/progress", params={"lessons": "false"}).json()
    assert all("lessons" not in m for course in pathway["courses"] for m in course["modules"])


def test_the_pathway_read_lists_the_lessons_of_every_course(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"})
    api.post(f"/learners/{ALICE}/completions", {"lesson": "s1"})
    body = api.get(f"/learners/{ALICE}/pathways/path/progress").json()
    by_course = {course["course"]: lessons_of(course) for course in body["courses"]}
    assert set(by_course["course-a"]) == {"s1", "s2", "e1"} and set(by_course["course-b"]) == {"s1", "s2"}
    # A lesson shared by two courses is one fact: complete, with the same record, in both.
    assert by_course["course-a"]["s1"] == by_course["course-b"]["s1"] and by_course["course-b"]["s1"]["complete"]


def test_another_learners_lessons_are_404_for_a_learner_and_readable_by_an_admin(api: Api, tokens: Tokens) -> None:
    bob = api.as_(tokens.bob)
    bob.post(f"/learners/{BOB}/enrollments", {"course": "ac-course"})
    assert bob.post(f"/learners/{BOB}/completions", {"lesson": "b1"}).status_code == 201
    assert api.get(f"/learners/{BOB}/courses/ac-course/progress").status_code == 404
    body = api.as_(tokens.admin).get(f"/learners/{BOB}/courses/ac-course/progress").json()
    assert lessons_of(body)["b1"]["complete"] is True


def test_the_openapi_document_describes_the_lessons_and_the_switch(api: Api) -> None:
    document = api.get("/openapi.json", token=None).json()
    schemas = document["components"]["schemas"]
    assert {"complete", "completed_at", "source"} <= set(schemas["LessonProgressPublic"]["properties"])
    assert "lessons" in schemas["ModuleProgressPublic"]["properties"]
    for path in ("courses/{course}/progress", "pathways/{pathway}/progress"):
        parameters = document["paths"][f"/api/v1/learners/{{learner_id}}/{path}"]["get"]["parameters"]
        assert any(p["name"] == "lessons" and p["in"] == "query" for p in parameters)

"""Progress over HTTP: every enrollment, the course and pathway hierarchies, next lesson, stats."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ALICE, BOB

AC_LESSONS = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]


def complete(api: Api, *lessons: str) -> None:
    for lesson in lessons:
        assert api.post(f"/learners/{ALICE}/completions", {"lesson": lesson}).status_code == 201


def counts(node: dict[str, Any]) -> tuple[int, int, int, bool]:
    return node["completed"], node["total"], node["percent"], node["complete"]


def test_progress_lists_every_enrollment_with_its_next_lesson(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"})
    complete(api, "b1", "s1")
    body = api.get(f"/learners/{ALICE}/progress").json()
    courses = {c["course"]: c for c in body["courses"]}
    assert counts(courses["ac-course"]) == (1, 10, 10, False) and courses["ac-course"]["next_lesson"] == "b2"
    assert counts(courses["course-b"]) == (1, 2, 50, False)
    [pathway] = body["pathways"]
    assert (pathway["pathway"], pathway["courses_total"], pathway["next_lesson"]) == ("path", 3, "b2")
    assert counts(pathway) == (2, 13, 15, False)


def test_course_progress_is_course_then_modules_with_counts_and_flags(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    complete(api, "b1", "b2", "b3", "c1")
    body = api.get(f"/learners/{ALICE}/courses/ac-course/progress").json()
    assert counts(body) == (4, 10, 40, False) and body["enrolled"] is True
    modules = {m["module"]: counts(m) for m in body["modules"]}
    assert modules == {"m-basics": (3, 3, 100, True), "m-core": (1, 5, 20, False), "m-wrap": (0, 2, 0, False)}


def test_pathway_progress_is_pathway_then_courses_then_modules(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"})
    complete(api, "s1", "s2")
    body = api.get(f"/learners/{ALICE}/pathways/path/progress").json()
    assert (body["courses_completed"], body["courses_total"], body["complete"]) == (1, 3, False)
    courses = {c["course"]: c for c in body["courses"]}
    assert courses["course-b"]["complete"] is True and courses["course-b"]["completed_at"] is not None
    assert {m["module"]: m["complete"] for m in courses["course-a"]["modules"]} == {"m-shared": True, "m-extra": False}


def test_a_finished_course_reads_100_and_complete_with_its_time(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    complete(api, *AC_LESSONS)
    body = api.get(f"/learners/{ALICE}/courses/ac-course/progress").json()
    assert counts(body) == (10, 10, 100, True) and body["completed_at"] is not None


def test_an_unknown_course_or_pathway_reads_0_of_0_not_complete(api: Api) -> None:
    course = api.get(f"/learners/{ALICE}/courses/ghost/progress")
    pathway = api.get(f"/learners/{ALICE}/pathways/ghost/progress")
    assert course.status_code == pathway.status_code == 200
    assert counts(course.json()) == counts(pathway.json()) == (0, 0, 0, False)
    assert course.json()["modules"] == [] and pathway.json()["courses"] == []


def test_next_lesson_of_a_course_a_pathway_and_continue_learning(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    assert api.get(f"/learners/{ALICE}/next-lesson").json()["lesson"] == "b1"
    complete(api, "b1")
    course = api.get(f"/learners/{ALICE}/courses/ac-course/next-lesson").json()
    assert course == {"course": "ac-course", "lesson": "b2", "url": "/courses/ac-course/lessons/b2"}
    pathway = api.get(f"/learners/{ALICE}/pathways/path/next-lesson").json()
    assert (pathway["course"], pathway["lesson"]) == ("ac-course", "b2")
    assert_error(api.get(f"/learners/{ALICE}/courses/ghost/next-lesson"), 404, "not_found")
    assert_error(api.get(f"/learners/{ALICE}/pathways/ghost/next-lesson"), 404, "not_found")


def test_continue_learning_is_empty_when_nothing_is_unfinished(api: Api) -> None:
    assert api.get(f"/learners/{ALICE}/next-lesson").json() == {"course": None, "lesson": None, "url": None}


def test_stats_count_courses_lessons_and_weeks(api: Api) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"})
    complete(api, "s1", "s2")
    body = api.get(f"/learners/{ALICE}/stats").json()
    assert (body["courses_enrolled"], body["courses_completed"], body["lessons_completed"]) == (1, 1, 2)
    assert body["current_streak"] == 1 and len(body["weekly"]) == 12 and body["weekly"][-1]["lessons_completed"] == 2


def test_another_learners_progress_reads_are_all_404(api: Api, tokens: Tokens) -> None:
    for path in ("progress", "courses/ac-course/progress", "pathways/path/progress", "next-lesson", "stats"):
        assert_error(api.get(f"/learners/{BOB}/{path}"), 404, "not_found")
        assert api.as_(tokens.admin).get(f"/learners/{BOB}/{path}").status_code == 200

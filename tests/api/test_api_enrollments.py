"""Enrollments over HTTP: list, enroll (201 then 200), pathways enroll their courses, others' are 404."""

from __future__ import annotations

from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ALICE, BOB


def test_a_new_learner_has_no_enrollments(api: Api) -> None:
    response = api.get(f"/learners/{ALICE}/enrollments")
    assert response.status_code == 200 and response.json() == []


def test_enrolling_is_201_the_first_time_and_200_after(api: Api) -> None:
    first = api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    again = api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["slug"] == "ac-course" and first.json()["kind"] == "course"
    assert again.json()["enrolled_at"] == first.json()["enrolled_at"]
    assert [e["slug"] for e in api.get(f"/learners/{ALICE}/enrollments").json()] == ["ac-course"]


def test_enrolling_in_a_pathway_enrolls_its_courses(api: Api) -> None:
    response = api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"})
    assert response.status_code == 201 and response.json()["kind"] == "pathway"
    listed = {(e["kind"], e["slug"]) for e in api.get(f"/learners/{ALICE}/enrollments").json()}
    assert listed == {("pathway", "path"), ("course", "ac-course"), ("course", "course-a"), ("course", "course-b")}


def test_an_unknown_course_is_404(api: Api) -> None:
    error = assert_error(api.post(f"/learners/{ALICE}/enrollments", {"course": "AC-COURSE"}), 404, "not_found")
    assert "AC-COURSE" in error["message"]


def test_the_body_names_exactly_one_course_or_pathway(api: Api) -> None:
    for body in ({}, {"course": "ac-course", "pathway": "path"}, {"course": None}, {"course": ""}, {"slug": "x"}):
        assert_error(api.post(f"/learners/{ALICE}/enrollments", body), 422, "validation_error")


def test_another_learners_enrollments_are_404_for_reading_and_writing(api: Api) -> None:
    assert_error(api.get(f"/learners/{BOB}/enrollments"), 404, "not_found")
    assert_error(api.post(f"/learners/{BOB}/enrollments", {"course": "ac-course"}), 404, "not_found")
    assert_error(api.get("/learners/424242/enrollments"), 404, "not_found")


def test_an_admin_token_may_read_and_enroll_any_learner(api: Api, tokens: Tokens) -> None:
    admin = api.as_(tokens.admin)
    assert admin.post(f"/learners/{BOB}/enrollments", {"course": "course-b"}).status_code == 201
    assert [e["slug"] for e in admin.get(f"/learners/{BOB}/enrollments").json()] == ["course-b"]
    assert_error(admin.get("/learners/424242/enrollments"), 404, "not_found")

"""Admin endpoints over HTTP: course and pathway stats, a learner's progress, recalculation of one course."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from learnapp.persistence.db import Database
from tests.api.conftest import Api, Tokens, assert_error
from tests.conftest import ALICE, BOB
from tests.services.helpers import assert_stored_equals_recomputed, stored_course


@pytest.fixture
def admin(api: Api, tokens: Tokens) -> Api:
    """Alice and Bob enrolled in the pathway; Alice finished course-b."""
    for learner in (ALICE, BOB):
        api.as_(tokens.admin).post(f"/learners/{learner}/enrollments", {"pathway": "path"})
    for lesson in ("s1", "s2"):
        api.post(f"/learners/{ALICE}/completions", {"lesson": lesson})
    return api.as_(tokens.admin)


def test_course_stats_summarise_the_enrolled_learners(admin: Api) -> None:
    body = admin.get("/admin/courses/course-b/stats").json()
    assert (body["kind"], body["slug"], body["lessons"]) == ("course", "course-b", 2)
    assert (body["summary"]["enrolled"], body["summary"]["completed"], body["summary"]["completion_rate"]) == (2, 1, 50)
    assert [step["slug"] for step in body["funnel"]] == ["s1", "s2"] and body["as_of"]


def test_pathway_stats_include_the_course_funnel(admin: Api) -> None:
    body = admin.get("/admin/pathways/path/stats").json()
    assert body["kind"] == "pathway" and body["summary"]["enrolled"] == 2
    assert [step["slug"] for step in body["course_funnel"]] == ["ac-course", "course-a", "course-b"]


def test_stats_of_an_unknown_course_or_pathway_are_404(admin: Api) -> None:
    assert_error(admin.get("/admin/courses/ghost/stats"), 404, "not_found")
    assert_error(admin.get("/admin/pathways/ghost/stats"), 404, "not_found")


def test_a_learners_progress_for_an_admin(admin: Api) -> None:
    body = admin.get(f"/admin/learners/{ALICE}/progress").json()
    assert body["learner"]["email"] == "alice@example.com"
    assert {c["course"]: c["complete"] for c in body["progress"]["courses"]}["course-b"] is True
    assert body["stats"]["lessons_completed"] == 2
    assert_error(admin.get("/admin/learners/424242/progress"), 404, "not_found")


def test_recalculation_repairs_drifted_stored_progress_of_one_course(admin: Api, db: Database) -> None:
    row = stored_course(db, ALICE, "course-a")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE enrollment SET completed = 0, percent = 0 WHERE id = :id"), {"id": row.id})
    body = admin.post("/admin/courses/course-a/recalculate").json()
    assert body == {
        "course": "course-a",
        "learners": 2,
        "rows_changed": 1,
        "completions_reopened": 0,
        "completions_gained": 0,
        "changed_learners": [ALICE],
    }
    assert_stored_equals_recomputed(db)
    assert admin.post("/admin/courses/course-a/recalculate").json()["rows_changed"] == 0


def test_recalculating_an_unknown_course_is_404(admin: Api) -> None:
    assert_error(admin.post("/admin/courses/ghost/recalculate"), 404, "not_found")

"""Admin CSV download over HTTP: an admin's cookie gets the file; a learner, a stranger or a bad slug get 404."""

from __future__ import annotations

import asyncio

import httpx

from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import start_session
from learnapp.services.engine.enrollment import enroll_course
from tests.app_pool import api_app
from tests.conftest import ADMIN, ALICE

CSV = "/admin-files/courses/course-b/progress.csv"


def get(db: Database, path: str, learner: int | None) -> httpx.Response:
    cookies = {"learnapp_session": start_session(db, learner)} if learner else {}

    async def call() -> httpx.Response:
        # A pooled app, as the `api` fixtures use: this runs several times a test, and a build costs ~0.1-0.2 s.
        transport = httpx.ASGITransport(app=api_app(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://learnapp.test", cookies=cookies) as client:
            return await client.get(path)

    return asyncio.run(call())


def test_an_admin_downloads_the_course_progress_csv(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    response = get(db, CSV, ADMIN)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="course-b-progress.csv"' in response.headers["content-disposition"]
    lines = response.text.splitlines()
    assert lines[0].startswith("learner_id,name,email") and lines[1].startswith(f"{ALICE},Alice,alice@example.com")


def test_anyone_else_gets_the_same_not_found(db: Database) -> None:
    for learner in (ALICE, None):
        response = get(db, CSV, learner)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert get(db, "/admin-files/courses/nope/progress.csv", ADMIN).status_code == 404

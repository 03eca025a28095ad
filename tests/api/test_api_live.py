"""API writes tell live listeners (the learner's open tabs) which learner changed, after the commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.live import ProgressChanged, on_progress_changed
from tests.api.conftest import Api, Tokens
from tests.conftest import ALICE, BOB
from tests.services.helpers import stored_course


@pytest.fixture
def heard(db: Database) -> Iterator[list[tuple[int, int]]]:
    """(learner, completed lessons of ac-course as committed when the listener ran) per call."""
    calls: list[tuple[int, int]] = []

    async def listener(change: ProgressChanged) -> None:
        calls.append((change.learner_id, _completed(db, change.learner_id)))

    remove = on_progress_changed(listener)
    yield calls
    remove()


def _completed(db: Database, learner_id: int) -> int:
    try:
        return stored_course(db, learner_id, "ac-course").completed
    except Exception:  # not enrolled (yet)
        return -1


def test_every_api_write_notifies_after_its_commit(api: Api, heard: list[tuple[int, int]]) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"})
    api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"})
    api.post(f"/learners/{ALICE}/events", {"events": [{"id": "e", "type": "lesson_completed", "lesson": "b2"}]})
    api.delete(f"/learners/{ALICE}/completions/b1")
    assert heard == [(ALICE, 0), (ALICE, 1), (ALICE, 2), (ALICE, 1)]


def test_refused_writes_and_reads_notify_no_one(api: Api, heard: list[tuple[int, int]]) -> None:
    api.post(f"/learners/{ALICE}/completions", {"lesson": "b1"})  # 403: not enrolled
    api.get(f"/learners/{ALICE}/progress")
    assert heard == []


def test_an_admin_write_notifies_the_learner_it_changed(api: Api, tokens: Tokens, heard: list[tuple[int, int]]) -> None:
    api.as_(tokens.admin).post(f"/learners/{BOB}/enrollments", {"course": "course-b"})
    assert [learner for learner, _ in heard] == [BOB]


def test_a_failing_listener_never_fails_the_request(api: Api, heard: list[tuple[int, int]]) -> None:
    def broken(_change: ProgressChanged) -> None:
        raise RuntimeError("the browser side is down")

    remove = on_progress_changed(broken)
    try:
        assert api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"}).status_code == 201
    finally:
        remove()
    assert heard == [(ALICE, 0)]

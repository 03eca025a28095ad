"""Completion times from input: a learner's own token cannot date one before the account existed, an admin's may;
a completion backdated before the enrollment reads as 0 seconds to complete, never negative."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner
from learnapp.services.admin.stats import course_stats
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from tests.api.conftest import Api, Tokens, assert_error
from tests.security.conftest import ALICE, BOB, rows_of
from tests.services.helpers import stored_course


def joined(db: Database, learner_id: int) -> datetime:
    with db.read() as session:
        return session.execute(select(col(Learner.created_at)).where(col(Learner.id) == learner_id)).scalar_one()


@pytest.fixture
def enrolled(api: Api) -> Api:
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"}).status_code == 201
    return api


def completion(lesson: str, at: datetime) -> dict[str, Any]:
    return {"lesson": lesson, "completed_at": at.isoformat()}


def test_a_learner_cannot_date_a_completion_before_the_account_existed(enrolled: Api, db: Database) -> None:
    before = rows_of(db, ALICE)
    created = joined(db, ALICE)
    for moment in (created - timedelta(seconds=1), created - timedelta(days=400)):
        error = assert_error(
            enrolled.post(f"/learners/{ALICE}/completions", completion("b1", moment)), 400, "before_account"
        )
        assert datetime.fromisoformat(error["details"]["account_created_at"]) == created
        assert datetime.fromisoformat(error["details"]["completed_at"]) == moment
    assert rows_of(db, ALICE) == before


def test_the_moment_the_account_was_created_and_later_are_fine(enrolled: Api, db: Database) -> None:
    created = joined(db, ALICE)
    response = enrolled.post(f"/learners/{ALICE}/completions", completion("b1", created))
    assert response.status_code == 201 and datetime.fromisoformat(response.json()["completed_at"]) == created
    assert enrolled.post(f"/learners/{ALICE}/completions", {"lesson": "b2"}).status_code == 201


def test_an_event_batch_cannot_backdate_either_and_applies_nothing(enrolled: Api, db: Database) -> None:
    before = rows_of(db, ALICE)
    early = (joined(db, ALICE) - timedelta(hours=3)).isoformat()
    events = [
        {"id": "ok", "type": "lesson_completed", "lesson": "b1"},
        {"id": "early", "type": "lesson_completed", "lesson": "b2", "occurred_at": early},
    ]
    error = assert_error(enrolled.post(f"/learners/{ALICE}/events", {"events": events}), 400, "before_account")
    assert (error["details"]["index"], error["details"]["event_id"]) == (1, "early")
    assert rows_of(db, ALICE) == before  # not even the first, valid event


def test_an_admin_token_may_backdate_for_a_migration(enrolled: Api, tokens: Tokens, db: Database) -> None:
    admin = enrolled.as_(tokens.admin)
    old = joined(db, ALICE) - timedelta(days=400)
    response = admin.post(f"/learners/{ALICE}/completions", completion("b1", old))
    assert response.status_code == 201 and datetime.fromisoformat(response.json()["completed_at"]) == old
    event = {"id": "migrated", "type": "lesson_completed", "lesson": "b2", "occurred_at": old.isoformat()}
    [result] = admin.post(f"/learners/{ALICE}/events", {"events": [event]}).json()["results"]
    assert result["created"] is True and datetime.fromisoformat(result["completed_at"]) == old
    assert stored_course(db, ALICE, "ac-course").completed == 2


def test_a_completion_backdated_before_the_enrollment_counts_as_zero_seconds_to_complete(
    api: Api, tokens: Tokens, db: Database
) -> None:
    """Chosen: 0 (not excluded): a course completed by facts older than its enrollment took no time after it,
    which is also true of a course whose shared module was finished in another course first."""
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")  # Alice: a real, positive time
    admin = api.as_(tokens.admin)
    assert admin.post(f"/learners/{BOB}/enrollments", {"course": "course-b"}).status_code == 201
    long_ago = stored_course(db, BOB, "course-b").enrolled_at - timedelta(days=30)
    for lesson in ("s1", "s2"):
        assert admin.post(f"/learners/{BOB}/completions", completion(lesson, long_ago)).status_code == 201
    bob = stored_course(db, BOB, "course-b")
    assert bob.first_completed_at is not None and bob.first_completed_at < bob.enrolled_at  # really backdated

    stats = course_stats(db, "course-b")
    times = {bucket.label: bucket.count for bucket in stats.time_histogram}
    assert stats.summary.completed == 2 and times["< 1 day"] == 2 and sum(times.values()) == 2
    assert stats.median_seconds is not None and stats.median_seconds >= 0
    # Both finished within a second or so of enrolling: the median of (0, Alice's few ms) is tiny, not -15 days.
    assert stats.median_seconds < 60
    public = admin.get("/admin/courses/course-b/stats").json()
    assert public["median_seconds"] is not None and 0 <= public["median_seconds"] < 60

"""Client events in the service: the ±5 minute rule at its edges, canonical bodies, one transaction per batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from learnapp.persistence.db import Database
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.events import ClientEventIn, apply_events, body_hash, settle_time
from learnapp.services.errors import InvalidRequest, NotFound
from tests.conftest import ALICE
from tests.services.helpers import assert_stored_equals_recomputed, stored_course

INFERRED = datetime(2026, 5, 1, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("seconds", [0, 1, 299, 300, -299, -300])
def test_a_claimed_time_within_5_minutes_is_kept(seconds: int) -> None:
    claimed = INFERRED + timedelta(seconds=seconds)
    assert settle_time(claimed, INFERRED) == (claimed, None)


@pytest.mark.parametrize("seconds", [301, -301, 86_400])
def test_a_claimed_time_beyond_5_minutes_gives_way_to_the_inferred_time_with_a_warning(seconds: int) -> None:
    used, warning = settle_time(INFERRED + timedelta(seconds=seconds), INFERRED)
    assert used == INFERRED and warning is not None and f"{abs(seconds)} s" in warning


def test_no_claimed_time_means_the_inferred_time_without_a_warning() -> None:
    assert settle_time(None, INFERRED) == (INFERRED, None)


def test_the_same_instant_in_another_zone_is_the_same_body() -> None:
    paris = INFERRED.astimezone(timezone(timedelta(hours=2)))
    first = ClientEventIn("e", "course_completed", "c", INFERRED)
    assert body_hash(first) == body_hash(ClientEventIn("e", "course_completed", "c", paris))
    assert body_hash(first) != body_hash(ClientEventIn("e", "course_completed", "C", INFERRED))


def test_a_batch_commits_every_event_or_none(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    with pytest.raises(NotFound):
        apply_events(
            db, ALICE, [ClientEventIn("a", "lesson_completed", "b1"), ClientEventIn("b", "lesson_completed", "x")]
        )
    assert stored_course(db, ALICE, "ac-course").completed == 0
    outcomes = apply_events(db, ALICE, [ClientEventIn("a", "lesson_completed", "b1")])
    assert outcomes[0].created and stored_course(db, ALICE, "ac-course").completed == 1
    assert_stored_equals_recomputed(db)


def test_naive_times_and_unknown_types_are_refused(db: Database) -> None:
    with pytest.raises(InvalidRequest, match="time zone"):
        apply_events(db, ALICE, [ClientEventIn("a", "course_completed", "course-b", datetime(2026, 5, 1))])
    with pytest.raises(InvalidRequest, match="Unknown event type"):
        apply_events(db, ALICE, [ClientEventIn("a", "Course_Completed", "course-b")])


def test_an_unknown_learner_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        apply_events(db, 4242, [ClientEventIn("a", "lesson_viewed", "b1", seconds=5)])

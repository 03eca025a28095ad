"""Time spent from input (API lesson_viewed and the player's heartbeat): only an enrolled learner on a countable
lesson, at most 15 minutes a report and 4 hours a lesson a local day; a refused event applies nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import BigInteger, insert, inspect, select
from sqlmodel import col

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.events import MAX_SECONDS_PER_LESSON_DAY
from learnapp.persistence.tables import LessonRow, LessonTime
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.learning.progress import record_time_spent
from tests.api.conftest import Api, assert_error
from tests.security.conftest import ALICE, BOB, rows_of

EVENTS = f"/learners/{ALICE}/events"


def viewed(event_id: str, lesson: str, seconds: int) -> dict[str, Any]:
    return {"id": event_id, "type": "lesson_viewed", "lesson": lesson, "seconds": seconds}


def day_totals(db: Database, learner_id: int, lesson: str) -> list[int]:
    """The learner's stored seconds on a lesson, one entry per local day."""
    with db.read() as session:
        query = (
            select(col(LessonTime.seconds))
            .join(LessonRow, col(LessonRow.id) == col(LessonTime.lesson_id))
            .where(col(LessonTime.learner_id) == learner_id, col(LessonRow.slug) == lesson)
        )
        return list(session.execute(query).scalars())


@pytest.fixture
def enrolled(api: Api) -> Api:
    assert api.post(f"/learners/{ALICE}/enrollments", {"course": "ac-course"}).status_code == 201
    return api


def test_a_learner_not_enrolled_gets_403_naming_the_event_and_nothing_applies(api: Api, db: Database) -> None:
    api.post(f"/learners/{ALICE}/enrollments", {"course": "course-b"})  # enrolled elsewhere: s1 counts, b1 not
    before = rows_of(db, ALICE)
    batch = {"events": [viewed("fine", "s1", 60), viewed("outsider", "b1", 60)]}
    error = assert_error(api.post(EVENTS, batch), 403, "not_enrolled")
    details = error["details"]
    assert (details["index"], details["event_id"], details["lesson"]) == (1, "outsider", "b1")
    assert rows_of(db, ALICE) == before


def test_a_preview_lesson_gets_400_naming_the_event_and_nothing_applies(enrolled: Api, db: Database) -> None:
    before = rows_of(db, ALICE)
    batch = {"events": [viewed("fine", "b1", 60), viewed("preview", "bp", 60)]}
    error = assert_error(enrolled.post(EVENTS, batch), 400, "invalid")
    assert (error["details"]["index"], error["details"]["event_id"]) == (1, "preview")
    assert rows_of(db, ALICE) == before


def test_enrolled_through_a_pathway_counts(api: Api, db: Database) -> None:
    assert api.post(f"/learners/{ALICE}/enrollments", {"pathway": "path"}).status_code == 201
    [result] = api.post(EVENTS, {"events": [viewed("v", "e1", 120)]}).json()["results"]
    assert result["seconds_added"] == 120 and day_totals(db, ALICE, "e1") == [120]


def test_a_day_holds_at_most_4_hours_of_one_lesson_and_each_event_says_what_counted(
    enrolled: Api, db: Database
) -> None:
    first = enrolled.post(EVENTS, {"events": [viewed("start", "b1", 100)]}).json()["results"]
    # 15 reports of 900 s bring the day to 13 600 s; of the next one 800 s count, then nothing.
    batch = [viewed(f"v{i}", "b1", 5000) for i in range(17)]
    results = enrolled.post(EVENTS, {"events": batch}).json()["results"]
    added = [r["seconds_added"] for r in first + results]
    assert added == [100] + [900] * 15 + [800, 0]
    assert day_totals(db, ALICE, "b1") == [MAX_SECONDS_PER_LESSON_DAY] == [14_400]
    assert enrolled.get(f"/learners/{ALICE}/stats").json()["seconds_spent"] == 14_400
    # Another lesson has its own 4 hours.
    [other] = enrolled.post(EVENTS, {"events": [viewed("other", "b2", 900)]}).json()["results"]
    assert other["seconds_added"] == 900


def test_the_players_heartbeat_follows_the_same_rules(db: Database) -> None:
    before = rows_of(db, BOB)
    assert record_time_spent(db, BOB, "b1", 300) == 0  # not enrolled: nothing counts, and no error to show
    assert rows_of(db, BOB) == before
    enroll_course(db, BOB, "ac-course")
    assert record_time_spent(db, BOB, "bp", 300) == 0  # a preview lesson
    assert day_totals(db, BOB, "bp") == []
    assert record_time_spent(db, BOB, "b1", 10**12) == 900  # one report: at most 15 minutes, however large
    counted = [record_time_spent(db, BOB, "b1", 900) for _ in range(16)]
    assert counted == [900] * 15 + [0] and day_totals(db, BOB, "b1") == [14_400]


def test_the_players_heartbeat_counts_for_a_pathway_learner(db: Database) -> None:
    enroll_pathway(db, BOB, "path")
    assert record_time_spent(db, BOB, "c3", 90) == 90 and day_totals(db, BOB, "c3") == [90]


def test_time_columns_are_64_bit_and_a_total_past_32_bits_is_kept(db: Database) -> None:
    """Seconds are BIGINT in the schema (both backends): a sum over years of days never wraps."""
    engine = db.engine
    [seconds] = [c for c in inspect(engine).get_columns("lesson_time") if c["name"] == "seconds"]
    assert isinstance(seconds["type"], BigInteger)
    big = 2**31 + 7
    with db.transaction() as conn:
        lesson_id = conn.execute(select(col(LessonRow.id)).where(col(LessonRow.slug) == "b1")).scalar_one()
        conn.execute(
            insert(LessonTime).values(
                learner_id=ALICE, lesson_id=lesson_id, day=date(2026, 1, 1), seconds=big, updated_at=utcnow()
            )
        )
    assert day_totals(db, ALICE, "b1") == [big]

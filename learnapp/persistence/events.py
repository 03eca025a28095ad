"""Persistence: applied client events (for idempotent resends) and lesson time, in Core statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.activity import learner_zone
from learnapp.persistence.handles import CLIENT_EVENT, LESSON_TIME


@dataclass(frozen=True)
class SeenEvent:
    body_hash: str
    response: str


def seen_event(conn: Connection, learner_id: int, event_id: str) -> SeenEvent | None:
    row = conn.execute(
        select(CLIENT_EVENT.c.body_hash, CLIENT_EVENT.c.response).where(
            CLIENT_EVENT.c.learner_id == learner_id, CLIENT_EVENT.c.event_id == event_id
        )
    ).first()
    return SeenEvent(*row) if row else None


def remember_event(
    conn: Connection, learner_id: int, event_id: str, body_hash: str, response: str, at: datetime
) -> None:
    values = {
        "learner_id": learner_id,
        "event_id": event_id,
        "body_hash": body_hash,
        "response": response,
        "created_at": at,
    }
    conn.execute(insert(CLIENT_EVENT).values(values))


# A day holds 24 hours, but nobody studies one lesson for more than this in a day: reports beyond it are dropped.
MAX_SECONDS_PER_LESSON_DAY = 4 * 3600


def _add_time(builder: Any, least: Any) -> Any:
    statement = builder(LESSON_TIME)
    return statement.on_conflict_do_update(
        index_elements=["learner_id", "lesson_id", "day"],
        set_={
            "seconds": least(LESSON_TIME.c.seconds + statement.excluded.seconds, MAX_SECONDS_PER_LESSON_DAY),
            "updated_at": statement.excluded.updated_at,
        },
    )


_ADD_TIME = {"postgresql": _add_time(postgresql.insert, func.least), "sqlite": _add_time(sqlite.insert, func.min)}


def local_day(conn: Connection, learner_id: int, at: datetime) -> date:
    """The learner's calendar day at `at`, in the learner's own time zone."""
    return at.astimezone(learner_zone(conn, learner_id)).date()


def add_lesson_time(conn: Connection, learner_id: int, lesson_id: int, seconds: int, at: datetime) -> int:
    """Add seconds to the learner's time on a lesson that local day in one statement; returns the seconds counted.

    The day's total never exceeds MAX_SECONDS_PER_LESSON_DAY, enforced by the statement itself (so two reports
    that cross cannot both squeeze under it).
    """
    day = local_day(conn, learner_id, at)
    before = (
        conn.execute(
            select(LESSON_TIME.c.seconds).where(
                LESSON_TIME.c.learner_id == learner_id, LESSON_TIME.c.lesson_id == lesson_id, LESSON_TIME.c.day == day
            )
        ).scalar()
        or 0
    )
    counted = max(0, min(seconds, MAX_SECONDS_PER_LESSON_DAY - before))
    if counted:
        values = {"learner_id": learner_id, "lesson_id": lesson_id, "day": day, "seconds": counted, "updated_at": at}
        conn.execute(_ADD_TIME[conn.dialect.name], values)
    return counted

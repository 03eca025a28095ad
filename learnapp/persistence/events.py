"""Persistence: applied client events (for idempotent resends) and lesson time, in Core statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.tables import ClientEvent, LessonTime

CLIENT_EVENT: Table = ClientEvent.__table__  # type: ignore[attr-defined]
LESSON_TIME: Table = LessonTime.__table__  # type: ignore[attr-defined]


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


def _add_time(builder: Any) -> Any:
    statement = builder(LESSON_TIME)
    return statement.on_conflict_do_update(
        index_elements=["learner_id", "lesson_id"],
        set_={
            "seconds": LESSON_TIME.c.seconds + statement.excluded.seconds,
            "updated_at": statement.excluded.updated_at,
        },
    )


_ADD_TIME = {"postgresql": _add_time(postgresql.insert), "sqlite": _add_time(sqlite.insert)}


def add_lesson_time(conn: Connection, learner_id: int, lesson_id: int, seconds: int, at: datetime) -> None:
    """Add seconds to the learner's time on a lesson in one statement (insert or add)."""
    values = {"learner_id": learner_id, "lesson_id": lesson_id, "seconds": seconds, "updated_at": at}
    conn.execute(_ADD_TIME[conn.dialect.name], values)

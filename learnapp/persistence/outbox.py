"""Persistence: learners' progress versions and the outbox of events that delivery reads after commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.handles import LEARNER
from learnapp.persistence.handles import OUTBOX_EVENT as EVENT
from learnapp.persistence.handles import OUTBOX_RECEIPT as RECEIPT

_BUMP = (
    update(LEARNER)
    .where(LEARNER.c.id == bindparam("learner"))
    .values(progress_version=LEARNER.c.progress_version + 1)
    .returning(LEARNER.c.progress_version)
)
_VERSION = select(LEARNER.c.progress_version).where(LEARNER.c.id == bindparam("learner"))
_ADD = insert(EVENT)


@dataclass(frozen=True)
class Event:
    """One outbox event as a consumer reads it."""

    id: int
    event_id: str
    topic: str
    learner_id: int
    version: int
    occurred_at: datetime
    payload: dict[str, Any]


def bump_version(conn: Connection, learner_id: int) -> int:
    """The learner's next progress version, taken in the caller's transaction (0 for an unknown learner)."""
    return conn.execute(_BUMP, {"learner": learner_id}).scalar() or 0


def bump_versions(conn: Connection, learner_ids: list[int]) -> dict[int, int]:
    """bump_version for many learners in one statement."""
    if len(learner_ids) == 1:
        return {learner_ids[0]: bump_version(conn, learner_ids[0])}
    bumped = conn.execute(
        update(LEARNER)
        .where(LEARNER.c.id.in_(learner_ids))
        .values(progress_version=LEARNER.c.progress_version + 1)
        .returning(LEARNER.c.id, LEARNER.c.progress_version)
    )
    return {learner_id: version for learner_id, version in bumped}


def progress_version(conn: Connection, learner_id: int) -> int:
    return conn.execute(_VERSION, {"learner": learner_id}).scalar() or 0


def add_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write events (event_id, topic, learner_id, version, occurred_at, payload as a dict) in one statement."""
    params = [{**row, "payload": json.dumps(row["payload"], sort_keys=True)} for row in rows]
    if len(params) == 1:  # a click's one event: a plain execute, not the executemany path
        conn.execute(_ADD, params[0])
    elif params:
        conn.execute(_ADD, params)


def _receipt(builder: Any) -> Any:
    return (
        builder(RECEIPT)
        .values(consumer=bindparam("consumer"), event_id=bindparam("event"), taken_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(RECEIPT.c.event_id)
    )


_TAKE = {"postgresql": _receipt(postgresql.insert), "sqlite": _receipt(sqlite.insert)}


def take_events(conn: Connection, consumer: str, now: datetime, limit: int = 100) -> list[Event]:
    """The oldest events this consumer has not taken yet, taken now: once per consumer, whichever worker asks.

    Call it in the transaction that queues the consumer's own work for these events. Two workers asking at once
    may both see an event; only the one whose receipt is written gets it (the other's insert does nothing, on
    PostgreSQL after waiting for the first to commit).
    """
    taken = RECEIPT.alias("taken")
    pending = conn.execute(
        select(*EVENT.c)
        .where(~select(taken.c.event_id).where(taken.c.consumer == consumer, taken.c.event_id == EVENT.c.id).exists())
        .order_by(EVENT.c.id)
        .limit(limit)
    ).all()
    mine: list[Event] = []
    for row in pending:
        won = conn.execute(_TAKE[conn.dialect.name], {"consumer": consumer, "event": row.id, "at": now}).first()
        if won is not None:
            mine.append(_event(row))
    return mine


def events_of(conn: Connection, learner_id: int | None = None) -> list[Event]:
    """Every event (of one learner), oldest first: for reports, replays and tests."""
    query = select(*EVENT.c).order_by(EVENT.c.id)
    if learner_id is not None:
        query = query.where(EVENT.c.learner_id == learner_id)
    return [_event(row) for row in conn.execute(query)]


def _event(row: Any) -> Event:
    return Event(row.id, row.event_id, row.topic, row.learner_id, row.version, row.occurred_at, json.loads(row.payload))

"""Persistence: xAPI statements queued once per outbox event, claimed with a lease, sent, requeued for a backfill."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.handles import LEARNER
from learnapp.persistence.handles import XAPI_STATEMENT as STATEMENT
from learnapp.persistence.lease import Lease
from learnapp.persistence.outbox import EVENT, Event

_LEASE = Lease(STATEMENT, STATEMENT.c.status, "working")
UNFINISHED = ("pending", "working")


@dataclass(frozen=True)
class StatementJob:
    id: int
    statement_id: str
    statement: str  # JSON, as built when queued: every retry and backfill sends these same bytes
    attempts: int  # before this claim


def queue(conn: Connection, rows: list[dict[str, Any]], now: datetime) -> int:
    """Rows of event_id (the outbox row), statement_id, statement (JSON); an event already queued is kept as is."""
    if not rows:
        return 0
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    defaults = {"status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": ""}
    conn.execute(builder(STATEMENT).on_conflict_do_nothing(), [{**defaults, **row} for row in rows])
    return len(rows)


def queued_events(conn: Connection, event_ids: list[int]) -> set[int]:
    found = conn.execute(select(STATEMENT.c.event_id).where(STATEMENT.c.event_id.in_(event_ids)))
    return set(found.scalars())


def requeue_since(conn: Connection, since: datetime | None, now: datetime) -> int:
    """Send again every statement of an event at or after `since` (a backfill to a new LRS)."""
    events = select(EVENT.c.id)
    if since is not None:
        events = events.where(EVENT.c.occurred_at >= since)
    result = conn.execute(
        update(STATEMENT)
        .where(STATEMENT.c.event_id.in_(events), STATEMENT.c.status != "working")
        .values(status="pending", attempts=0, next_attempt_at=now, last_error="")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_due(conn: Connection, now: datetime, lease: timedelta) -> StatementJob | None:
    row = conn.execute(
        select(STATEMENT.c.id, STATEMENT.c.status, STATEMENT.c.attempts, STATEMENT.c.statement_id)
        .add_columns(STATEMENT.c.statement)
        .where(STATEMENT.c.status.in_(UNFINISHED), STATEMENT.c.next_attempt_at <= now)
        .order_by(STATEMENT.c.next_attempt_at, STATEMENT.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    if not _LEASE.claim(conn, row.id, row.status, row.attempts, now, lease):
        return None
    return StatementJob(row.id, row.statement_id, row.statement, row.attempts)


def finish(
    conn: Connection, job: StatementJob, code: int | None, error: str, when: datetime | None, now: datetime
) -> bool:
    """Sent (no error), pending again at `when`, or failed for good (`when` None); only while the claim holds."""
    values: dict[str, Any] = {"response_code": code, "last_error": error[:500]}
    if not error:
        values.update(status="sent", sent_at=now)
    elif when is None:
        values.update(status="failed")
    else:
        values.update(status="pending", next_attempt_at=when)
    return _LEASE.settle(conn, job.id, job.attempts, values)


def counts(conn: Connection) -> dict[str, int]:
    query = select(STATEMENT.c.status, func.count()).group_by(STATEMENT.c.status)
    return {status: int(n) for status, n in conn.execute(query)}


def identities(conn: Connection, learner_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Email and name of learners (only read when the operator lets them leave the app)."""
    rows = conn.execute(select(LEARNER.c.id, LEARNER.c.email, LEARNER.c.name).where(LEARNER.c.id.in_(learner_ids)))
    return {row.id: (row.email, row.name) for row in rows}


def events_since(conn: Connection, since: datetime | None, after_id: int, limit: int) -> list[Event]:
    """Outbox events after the row `after_id` (and at or after `since`), oldest first: a backfill's batches."""
    query = select(*EVENT.c).where(EVENT.c.id > after_id).order_by(EVENT.c.id).limit(limit)
    if since is not None:
        query = query.where(EVENT.c.occurred_at >= since)
    return [
        Event(r.id, r.event_id, r.topic, r.learner_id, r.version, r.occurred_at, json.loads(r.payload))
        for r in conn.execute(query)
    ]

"""Persistence: the mail queue: one message per cause, claimed for delivery with a lease, then sent or retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.handles import MAIL_MESSAGE as MESSAGE
from learnapp.persistence.lease import Lease

_LEASE = Lease(MESSAGE, MESSAGE.c.state, "sending")
DUE_STATES = ("queued", "retrying", "sending")  # "sending" is due again once its lease ran out


@dataclass(frozen=True)
class Outgoing:
    """A message as its delivery reads it."""

    id: int
    cause_key: str
    kind: str
    learner_id: int | None
    to_address: str
    subject: str
    message_id: str
    raw: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None


_COLUMNS = [MESSAGE.c[name] for name in Outgoing.__dataclass_fields__]


def queue(conn: Connection, row: dict[str, Any]) -> bool:
    """Queue a composed message; False (nothing written) when its cause already has one."""
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    written = conn.execute(
        builder(MESSAGE)
        .values(**row, state="queued", attempts=0, last_error="")
        .on_conflict_do_nothing(index_elements=["cause_key"])
        .returning(MESSAGE.c.id)
    ).first()
    return written is not None


def has_cause(conn: Connection, cause_key: str) -> bool:
    return conn.execute(select(MESSAGE.c.id).where(MESSAGE.c.cause_key == cause_key)).first() is not None


def claim_due(conn: Connection, now: datetime, lease: timedelta) -> Outgoing | None:
    """Take the oldest due message for `lease`; the claim is attempts + 1 (see `Lease.held`)."""
    due = and_(MESSAGE.c.state.in_(DUE_STATES), MESSAGE.c.next_attempt_at <= now)
    row = conn.execute(select(*_COLUMNS).where(due).order_by(MESSAGE.c.next_attempt_at, MESSAGE.c.id).limit(1)).first()
    if row is None:
        return None
    return Outgoing(*row) if _LEASE.claim(conn, row.id, row.state, row.attempts, now, lease) else None


def mark_sent(conn: Connection, message: Outgoing, now: datetime, scrub: bool) -> bool:
    """Sent; `scrub` drops the body (a one-time link must not stay readable in the database)."""
    values: dict[str, Any] = {"state": "sent", "sent_at": now, "last_error": ""}
    if scrub:
        values["raw"] = ""
    return _LEASE.settle(conn, message.id, message.attempts, values)


def retry_later(conn: Connection, message: Outgoing, error: str, when: datetime | None) -> bool:
    """Due again at `when`, or failed for good when `when` is None; only while the claim is held."""
    values: dict[str, Any] = {"last_error": error[:500], "state": "failed" if when is None else "retrying"}
    if when is not None:
        values["next_attempt_at"] = when
    return _LEASE.settle(conn, message.id, message.attempts, values)


def requeue(conn: Connection, message_id: int, now: datetime) -> bool:
    """An admin's retry: a failed or retrying message is due now, with a fresh set of attempts."""
    result = conn.execute(
        update(MESSAGE)
        .where(MESSAGE.c.id == message_id, or_(MESSAGE.c.state == "failed", MESSAGE.c.state == "retrying"))
        .values(state="queued", attempts=0, next_attempt_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def recent(conn: Connection, limit: int = 100) -> list[Outgoing]:
    return [Outgoing(*r) for r in conn.execute(select(*_COLUMNS).order_by(MESSAGE.c.id.desc()).limit(limit))]


def find(conn: Connection, **where: Any) -> list[Outgoing]:
    clauses = [MESSAGE.c[key] == value for key, value in where.items()]
    return [Outgoing(*r) for r in conn.execute(select(*_COLUMNS).where(*clauses).order_by(MESSAGE.c.id))]

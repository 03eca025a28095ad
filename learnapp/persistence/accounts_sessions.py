"""Persistence: sign-in sessions (their cookie secrets' digests), and which of them have not ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, or_, select, update
from sqlmodel import Session, col

from learnapp.persistence.tables import Learner, LoginSession

# A condition on sessions, for statements built elsewhere in persistence (and housekeeping's purge, for now).
SessionCondition = ColumnElement[bool]


@dataclass(frozen=True)
class SessionOwner:
    """A live session found by its digest, and the account it signs in."""

    session_id: int
    last_seen_at: datetime
    learner_id: int
    email: str
    name: str
    role: str
    time_zone: str


def live(now: datetime, idle: timedelta) -> SessionCondition:
    """A session that has not ended: within its 30 days and used within the idle period."""
    return and_(col(LoginSession.expires_at) > now, col(LoginSession.last_seen_at) > now - idle)


def ended(now: datetime, idle: timedelta) -> SessionCondition:
    return or_(col(LoginSession.expires_at) <= now, col(LoginSession.last_seen_at) <= now - idle)


def add_session(
    session: Session, learner_id: int, token_hash: str, now: datetime, expires_at: datetime, user_agent: str
) -> None:
    session.add(
        LoginSession(
            learner_id=learner_id,
            token_hash=token_hash,
            created_at=now,
            expires_at=expires_at,
            last_seen_at=now,
            user_agent=user_agent,
        )
    )


def session_owner(conn: Connection, digest: str, now: datetime, idle: timedelta) -> SessionOwner | None:
    row: Any = conn.execute(
        select(
            col(LoginSession.id),
            col(LoginSession.last_seen_at),
            col(Learner.id).label("learner_id"),
            col(Learner.email),
            col(Learner.name),
            col(Learner.role),
            col(Learner.time_zone),
        )
        .join(Learner, col(Learner.id) == col(LoginSession.learner_id))
        .where(col(LoginSession.token_hash) == digest, live(now, idle))
    ).first()
    return SessionOwner(*row) if row is not None else None


def touch(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(update(LoginSession).where(col(LoginSession.id) == session_id).values(last_seen_at=now))


def delete_session(conn: Connection, digest: str) -> None:
    conn.execute(delete(LoginSession).where(col(LoginSession.token_hash) == digest))


def learner_sessions(conn: Connection, learner_id: int, now: datetime, idle: timedelta) -> list[Any]:
    """The learner's sessions that have not ended, most recently used first: rows of (id, created_at,
    last_seen_at, user_agent, token_hash)."""
    return list(
        conn.execute(
            select(
                col(LoginSession.id),
                col(LoginSession.created_at),
                col(LoginSession.last_seen_at),
                col(LoginSession.user_agent),
                col(LoginSession.token_hash),
            )
            .where(col(LoginSession.learner_id) == learner_id, live(now, idle))
            .order_by(col(LoginSession.last_seen_at).desc(), col(LoginSession.id).desc())
        )
    )


def delete_sessions(
    conn: Connection, learner_id: int, session_id: int | None = None, keep: str | None = None
) -> list[str]:
    """Delete the learner's sessions (only `session_id` when given; never the one whose digest is `keep`).

    The digests deleted, for the caller to stop trusting.
    """
    where = [col(LoginSession.learner_id) == learner_id]
    if session_id is not None:
        where.insert(0, col(LoginSession.id) == session_id)
    if keep is not None:
        where.append(col(LoginSession.token_hash) != keep)
    digests = [row[0] for row in conn.execute(select(col(LoginSession.token_hash)).where(*where))]
    if digests:
        conn.execute(delete(LoginSession).where(col(LoginSession.token_hash).in_(digests)))
    return digests

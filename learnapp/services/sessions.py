"""Services: browser sign-in sessions (a random secret in a cookie, stored hashed, expiring)."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner, LoginSession, utcnow
from learnapp.services.accounts import Account

SESSION_DAYS = 30
# Refresh last_seen at most this often, so reading a session is usually a pure read.
TOUCH_EVERY = timedelta(minutes=10)
# Every websocket event checks its session: a checked session is trusted this long without a query. Logging out
# forgets it at once in this process; another worker may honour it for at most this long.
TRUST_FOR = 2.0
_checked: dict[str, tuple[float, Account | None]] = {}


def session_digest(token: str) -> str:
    """What the database (and a tab's binding) keeps of a session secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, learner_id: int) -> str:
    """A new secret for the cookie; the database keeps only its hash."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.write() as session:
        session.add(
            LoginSession(
                learner_id=learner_id,
                token_hash=session_digest(token),
                created_at=now,
                expires_at=now + timedelta(days=SESSION_DAYS),
                last_seen_at=now,
            )
        )
    return token


def trusted_account(token: str | None) -> tuple[bool, Account | None]:
    """(True, the account) when the session was checked less than TRUST_FOR ago; no query, safe on an event loop."""
    if not token:
        return True, None
    seen = _checked.get(session_digest(token))
    if seen is not None and time.monotonic() - seen[0] < TRUST_FOR:
        return True, seen[1]
    return False, None


def session_account(db: Database, token: str | None) -> Account | None:
    """The account behind a cookie secret, or None when it is unknown, ended or expired."""
    known, account = trusted_account(token)
    if known or not token:
        return account
    digest, clock = session_digest(token), time.monotonic()
    account = _lookup(db, digest)
    if len(_checked) > 10_000:
        _checked.clear()
    _checked[digest] = (clock, account)
    return account


def _lookup(db: Database, digest: str) -> Account | None:
    now = utcnow()
    with db.snapshot() as conn:
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
            .where(col(LoginSession.token_hash) == digest, col(LoginSession.expires_at) > now)
        ).first()
    if row is None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with db.transaction() as conn:
            conn.execute(update(LoginSession).where(col(LoginSession.id) == row.id).values(last_seen_at=now))
    return Account(row.learner_id, row.email, row.name, row.role, row.time_zone)


def end_session(db: Database, token: str | None) -> None:
    if token:
        digest = session_digest(token)
        _checked.pop(digest, None)
        with db.transaction() as conn:
            conn.execute(delete(LoginSession).where(col(LoginSession.token_hash) == digest))

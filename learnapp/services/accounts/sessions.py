"""Services: browser sign-in sessions (a random secret in a cookie, stored hashed, ending by time, idleness, logout)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlmodel import col

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.tables import Learner, LoginSession
from learnapp.services.accounts.learners import Account
from learnapp.settings import get_settings

SESSION_DAYS = 30
# Refresh last_seen at most this often, so reading a session is usually a pure read.
TOUCH_EVERY = timedelta(minutes=10)
# Every websocket event checks its session: a checked session is trusted this long without a query. Ending a
# session forgets it at once in this process; another worker may honour it for events for at most this long.
# Pushes of progress to a tab never rely on this: they check the tab's session in the read that loads the progress.
TRUST_FOR = 2.0
_checked: dict[str, tuple[float, Account | None]] = {}
USER_AGENT_MAX = 300
_ID_LIMIT = 2**63  # ids from the browser beyond this are unknown (the database's integers stop there)


@dataclass(frozen=True)
class SessionView:
    """One signed-in browser as its owner sees it in the list of their sessions."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    current: bool  # the browser asking


def session_digest(token: str) -> str:
    """What the database (and a tab's binding) keeps of a session secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    """A session unused this long has ended (LEARNAPP_SESSION_IDLE_DAYS), whatever its 30-day limit says."""
    return timedelta(days=get_settings().session_idle_days)


def live(now: datetime) -> ColumnElement[bool]:
    """The SQL condition of a session that has not ended: within its 30 days and used within the idle period."""
    return and_(col(LoginSession.expires_at) > now, col(LoginSession.last_seen_at) > now - idle_limit())


def ended(now: datetime) -> ColumnElement[bool]:
    return or_(col(LoginSession.expires_at) <= now, col(LoginSession.last_seen_at) <= now - idle_limit())


def start_session(db: Database, learner_id: int, user_agent: str = "") -> str:
    """A new secret for the cookie; the database keeps only its hash (and the browser's description of itself)."""
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
                user_agent=user_agent[:USER_AGENT_MAX],
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


def account_changed(account: Account) -> None:
    """The account's name, zone or email changed: its sessions checked in the last TRUST_FOR seconds show the new
    account at once (the cached copy is replaced whole, so no field of the old one lingers).

    (Other workers show it within TRUST_FOR.)
    """
    for digest, (seen, known) in list(_checked.items()):
        if known is not None and known.id == account.id:
            _checked[digest] = (seen, account)


def session_account(db: Database, token: str | None) -> Account | None:
    """The account behind a cookie secret, or None when it is unknown, ended, expired or idle too long."""
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
            .where(col(LoginSession.token_hash) == digest, live(now))
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


def active_sessions(db: Database, learner_id: int, token: str | None) -> list[SessionView]:
    """The learner's sessions that have not ended, most recently used first; `token` marks the asking browser's."""
    current = session_digest(token) if token else ""
    with db.snapshot() as conn:
        rows: Iterable[Any] = conn.execute(
            select(
                col(LoginSession.id),
                col(LoginSession.created_at),
                col(LoginSession.last_seen_at),
                col(LoginSession.user_agent),
                col(LoginSession.token_hash),
            )
            .where(col(LoginSession.learner_id) == learner_id, live(utcnow()))
            .order_by(col(LoginSession.last_seen_at).desc(), col(LoginSession.id).desc())
        )
        return [
            SessionView(row.id, row.created_at, row.last_seen_at, row.user_agent, row.token_hash == current)
            for row in rows
        ]


def end_other_session(db: Database, learner_id: int, session_id: int, token: str | None) -> bool:
    """End one of the learner's own sessions, never the asking browser's (it logs out as usual); False if none."""
    if not 0 < session_id < _ID_LIMIT:
        return False
    keep = session_digest(token) if token else ""
    return bool(
        _end(
            db,
            col(LoginSession.id) == session_id,
            col(LoginSession.learner_id) == learner_id,
            col(LoginSession.token_hash) != keep,
        )
    )


def end_all_sessions(db: Database, learner_id: int) -> int:
    """Log out everywhere: every session of the account ends, the asking browser's included. How many ended."""
    return _end(db, col(LoginSession.learner_id) == learner_id)


def _end(db: Database, *where: ColumnElement[bool]) -> int:
    with db.transaction() as conn:
        digests = [row[0] for row in conn.execute(select(col(LoginSession.token_hash)).where(*where))]
        if digests:
            conn.execute(delete(LoginSession).where(col(LoginSession.token_hash).in_(digests)))
    for digest in digests:  # this process stops trusting them at once (other workers within TRUST_FOR)
        _checked.pop(digest, None)
    return len(digests)

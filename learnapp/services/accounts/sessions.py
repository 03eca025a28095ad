"""Services: browser sign-in sessions (a random secret in a cookie, stored hashed, ending by time, idleness, logout)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence import accounts_sessions as stored
from learnapp.persistence.db import Database
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


def start_session(db: Database, learner_id: int, user_agent: str = "") -> str:
    """A new secret for the cookie; the database keeps only its hash (and the browser's description of itself)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.write() as session:
        expires_at = now + timedelta(days=SESSION_DAYS)
        stored.add_session(session, learner_id, session_digest(token), now, expires_at, user_agent[:USER_AGENT_MAX])
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
        row = stored.session_owner(conn, digest, now, idle_limit())
    if row is None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with db.transaction() as conn:
            stored.touch(conn, row.session_id, now)
    return Account(row.learner_id, row.email, row.name, row.role, row.time_zone)


def end_session(db: Database, token: str | None) -> None:
    if token:
        digest = session_digest(token)
        _checked.pop(digest, None)
        with db.transaction() as conn:
            stored.delete_session(conn, digest)


def active_sessions(db: Database, learner_id: int, token: str | None) -> list[SessionView]:
    """The learner's sessions that have not ended, most recently used first; `token` marks the asking browser's."""
    current = session_digest(token) if token else ""
    with db.snapshot() as conn:
        rows = stored.learner_sessions(conn, learner_id, utcnow(), idle_limit())
    return [
        SessionView(row.id, row.created_at, row.last_seen_at, row.user_agent, row.token_hash == current) for row in rows
    ]


def end_other_session(db: Database, learner_id: int, session_id: int, token: str | None) -> bool:
    """End one of the learner's own sessions, never the asking browser's (it logs out as usual); False if none."""
    if not 0 < session_id < _ID_LIMIT:
        return False
    keep = session_digest(token) if token else ""
    return bool(_end(db, learner_id, session_id, keep))


def end_all_sessions(db: Database, learner_id: int) -> int:
    """Log out everywhere: every session of the account ends, the asking browser's included. How many ended."""
    return _end(db, learner_id)


def _end(db: Database, learner_id: int, session_id: int | None = None, keep: str | None = None) -> int:
    with db.transaction() as conn:
        digests = stored.delete_sessions(conn, learner_id, session_id, keep)
    for digest in digests:  # this process stops trusting them at once (other workers within TRUST_FOR)
        _checked.pop(digest, None)
    return len(digests)

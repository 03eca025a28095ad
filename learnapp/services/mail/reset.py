"""Services: password reset by email: a single-use link for an hour; no answer tells whether an account exists."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence import accounts_learners as accounts
from learnapp.persistence import mail_changes, mail_resets
from learnapp.persistence.db import Database
from learnapp.persistence.mail_queue import queue
from learnapp.services.accounts.learners import Account, find_account, hash_password
from learnapp.services.accounts.sessions import end_all_sessions
from learnapp.services.errors import InvalidRequest
from learnapp.services.mail.compose import compose
from learnapp.settings import public_url

LINK_LIFETIME = timedelta(hours=1)
# Links sent to one account per hour, whoever asks and from wherever: the form cannot be used to flood an inbox.
MAX_LINKS_PER_HOUR = 3
EXPIRED = "This link has expired or was already used. Ask for a new one."
MIN_PASSWORD = 8


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(db: Database, email: str, now: datetime | None = None) -> bool:
    """Queue a reset link for the account with this email, if there is one (True when a link was queued).

    The caller shows the same answer whatever this returns.
    """
    now = now or utcnow()
    account = find_account(db, email) if 0 < len(email) <= 254 else None
    if account is None:
        return False
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        if mail_resets.recent_count(conn, account.id, now - timedelta(hours=1)) >= MAX_LINKS_PER_HOUR:
            return False
        reset_id = mail_resets.add_reset(conn, account.id, token_digest(token), now, now + LINK_LIFETIME)
        cause = f"password-reset:{reset_id}"
        link = f"{public_url()}/reset-password?token={token}"
        message = compose("password_reset", (account.name, account.email), cause, {"link": link}, now)
        queue(
            conn,
            {
                "cause_key": cause,
                "kind": "password_reset",
                "learner_id": account.id,
                "to_address": account.email,
                "subject": str(message["Subject"]),
                "message_id": str(message["Message-ID"]),
                "raw": message.as_string(),
                "next_attempt_at": now,
                "created_at": now,
            },
        )
    return True


def link_is_usable(db: Database, token: str, now: datetime | None = None) -> bool:
    if not token or len(token) > 200:
        return False
    with db.snapshot() as conn:
        return mail_resets.usable(conn, token_digest(token), now or utcnow()) is not None


def reset_password(db: Database, token: str, password: str, now: datetime | None = None) -> Account:
    """Set the new password through a usable link, spend it (and the account's other links), end every session.

    The caller starts a new session for the browser that reset it.
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"Choose a password of at least {MIN_PASSWORD} characters")
    if not token or len(token) > 200:
        raise InvalidRequest(EXPIRED)
    new_hash = hash_password(password)  # before the transaction: no write lock held while hashing
    now = now or utcnow()
    with db.transaction() as conn:
        reset = mail_resets.usable(conn, token_digest(token), now)
        if reset is None or not mail_resets.use(conn, reset.id, now):
            raise InvalidRequest(EXPIRED)
        accounts.set_password_hash(conn, reset.learner_id, new_hash)
        mail_resets.spend_others(conn, reset.learner_id, now)
        mail_changes.spend_pending(conn, reset.learner_id, now)  # a change asked with a stolen password is off
        email = accounts.email_of(conn, reset.learner_id)
    end_all_sessions(db, reset.learner_id)  # whoever knew the old password is out everywhere
    account = find_account(db, email)
    if account is None:  # deleted a moment ago
        raise InvalidRequest(EXPIRED)
    return account

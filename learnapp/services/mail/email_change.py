"""Services: changing an account's email: the new address confirms through a single-use link; the old one is told."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence import accounts_learners as accounts
from learnapp.persistence import mail_changes, mail_resets
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.mail_queue import queue
from learnapp.services.accounts.learners import Account, valid_email, verify_password
from learnapp.services.accounts.sessions import account_changed, active_sessions, end_other_session
from learnapp.services.errors import Conflict, InvalidRequest, NotFound
from learnapp.services.mail.compose import compose
from learnapp.services.mail.reset import token_digest
from learnapp.settings import public_url

LINK_LIFETIME = timedelta(hours=24)
# Confirmation links one account may ask for per hour: the form cannot be used to flood someone else's inbox.
MAX_LINKS_PER_HOUR = 3
EXPIRED = "This link has expired or was already used. Ask for a new one on your profile page."
TAKEN = "Another account already uses that email, so your email stays as it is."
SAME = "That is already your email."
TOO_MANY = f"You asked for {MAX_LINKS_PER_HOUR} email changes in the last hour. Try again later."


class WrongPassword(InvalidRequest):
    """The current password did not match (counted like a failed log-in)."""


def masked(email: str) -> str:
    """j***@example.org: enough for the owner to recognise, little for whoever reads the old inbox."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def request_email_change(
    db: Database, learner_id: int, password: str, new_email: str, now: datetime | None = None
) -> str:
    """Check the password, email a confirmation link to `new_email` and a notice to the current address.

    Nothing about the account changes yet. Whether another account uses `new_email` is not looked at here
    (the answer would tell): the confirmation refuses it. The normalised new address is returned.
    """
    new_email = valid_email(new_email)
    now = now or utcnow()
    with db.snapshot() as conn:
        row = accounts.credentials(conn, learner_id)
    if row is None:
        raise NotFound("Unknown learner")
    if not verify_password(row.password_hash, password[:1024]):
        raise WrongPassword("Your current password is not right.")
    if new_email == row.email:
        raise InvalidRequest(SAME)
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        if mail_changes.recent_count(conn, learner_id, now - timedelta(hours=1)) >= MAX_LINKS_PER_HOUR:
            raise InvalidRequest(TOO_MANY)
        change_id = mail_changes.add_change(conn, learner_id, new_email, token_digest(token), now, now + LINK_LIFETIME)
        link = f"{public_url()}/confirm-email?token={token}"
        context = {"link": link, "new_email": new_email}
        _queue(
            conn,
            learner_id,
            (row.name, new_email),
            f"email-change:{change_id}:confirm",
            "email_change_confirm",
            context,
            now,
        )
        notice = {"masked_email": masked(new_email)}
        _queue(
            conn,
            learner_id,
            (row.name, row.email),
            f"email-change:{change_id}:requested",
            "email_change_requested",
            notice,
            now,
        )
    return new_email


def pending_email(db: Database, token: str, now: datetime | None = None) -> str | None:
    """The new address a usable link would confirm, or None."""
    if not token or len(token) > 200:
        return None
    with db.snapshot() as conn:
        change = mail_changes.usable(conn, token_digest(token), now or utcnow())
    return str(change.new_email) if change is not None else None


def confirm_email_change(db: Database, token: str, session_token: str | None, now: datetime | None = None) -> Account:
    """Make the link's address the account's email, spend the link, tell the old address, end the other sessions.

    The browser holding `session_token` stays signed in if it is this account's; every other session ends.
    Refused, with nothing changed and the link still usable, when another account took the address meanwhile.
    """
    if not token or len(token) > 200:
        raise InvalidRequest(EXPIRED)
    now = now or utcnow()
    with db.transaction() as conn:
        change = mail_changes.usable(conn, token_digest(token), now)
        if change is None:
            raise InvalidRequest(EXPIRED)
        if accounts.email_used_by_another(conn, change.new_email, change.learner_id):
            raise Conflict(TAKEN)
        if not mail_changes.use(conn, change.id, now):
            raise InvalidRequest(EXPIRED)
        old = accounts.account_details(conn, change.learner_id)
        if not accounts.set_email(conn, change.learner_id, change.new_email):
            # Another account took the address between our check and our update: the unique index let one in.
            raise Conflict(TAKEN)
        mail_changes.spend_pending(conn, change.learner_id, now)  # links to other new addresses stop working
        mail_resets.spend_others(conn, change.learner_id, now)  # a reset link in the old inbox no longer opens it
        notice = {"masked_email": masked(change.new_email)}
        _queue(conn, old.id, (old.name, old.email), f"email-change:{change.id}:changed", "email_changed", notice, now)
    account = Account(old.id, change.new_email, old.name, old.role, old.time_zone)
    _end_other_sessions(db, account.id, session_token)
    account_changed(account)  # the browser that stays signed in shows the new email at once
    return account


def _end_other_sessions(db: Database, learner_id: int, keep: str | None) -> None:
    for session in active_sessions(db, learner_id, keep):
        if not session.current:
            end_other_session(db, learner_id, session.id, keep)


def _queue(
    conn: Connection,
    learner_id: int,
    to: tuple[str, str],
    cause: str,
    kind: str,
    context: dict[str, str],
    now: datetime,
) -> None:
    message = compose(kind, to, cause, context, now)
    queue(
        conn,
        {
            "cause_key": cause,
            "kind": kind,
            "learner_id": learner_id,
            "to_address": to[1],
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "raw": message.as_string(),
            "next_attempt_at": now,
            "created_at": now,
        },
    )

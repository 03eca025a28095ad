"""Services: deliver queued messages after commit: claimed with a lease, sent once, retried with backoff.

A worker killed after the server accepted a message and before it was marked sent leaves the claim to run out;
the next worker sends that one message again, with the same Message-ID (a receiver may drop the copy). Nothing
else is ever sent twice: a claim is a row update, and only the claim's holder marks the message.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database
from learnapp.services.mail.transport import PermanentFailure, Transport

log = logging.getLogger("learnapp.mail")
LEASE = timedelta(minutes=2)  # longer than an SMTP conversation may take (SMTP_TIMEOUT per step)
MAX_BACKOFF = timedelta(minutes=15)
# A message the server refuses outright (5xx) is tried this many times, then failed with the reason. A server that
# cannot be reached is tried again and again (every MAX_BACKOFF at worst): the mail goes out when it is back.
MAX_REFUSALS = 3
# The body of these is dropped once sent: it holds a one-time link that must not stay readable in the database.
SCRUBBED = ("password_reset", "email_change_confirm")


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s, ... capped at 15 minutes."""
    return min(timedelta(seconds=5 * 2 ** min(attempts, 12)), MAX_BACKOFF)


def deliver_due(db: Database, transport: Transport, now: datetime | None = None, limit: int = 50) -> int:
    """Send every due message (at most `limit`); how many were sent."""
    sent = 0
    for _ in range(limit):
        moment = now or utcnow()
        with db.transaction() as conn:
            message = mail_queue.claim_due(conn, moment, LEASE)
        if message is None:
            break
        sent += _attempt(db, transport, message, moment)
    return sent


def _attempt(db: Database, transport: Transport, message: mail_queue.Outgoing, now: datetime) -> int:
    attempt = message.attempts + 1
    try:
        transport.send(message)
    except (OSError, smtplib.SMTPException, PermanentFailure) as error:
        refused = isinstance(error, PermanentFailure)
        when = None if refused and attempt >= MAX_REFUSALS else now + backoff(attempt)
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        with db.transaction() as conn:
            mail_queue.retry_later(conn, message, reason, when)
        log.warning("mail not sent", extra={"mail": message.id, "attempt": attempt, "error": reason})
        return 0
    with db.transaction() as conn:
        marked = mail_queue.mark_sent(conn, message, utcnow(), message.kind in SCRUBBED)
    if not marked:  # our lease ran out mid-send and another worker took it over: it will mark it
        log.info("mail claim lost", extra={"mail": message.id, "attempt": attempt})
        return 0
    return 1

"""Services: the admin's view of email deliveries: recent messages with their state and reason, and retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnapp.domain.clock import utcnow
from learnapp.persistence import mail_queue
from learnapp.persistence.db import Database

# What the admin reads for each state ("queued" that already failed once is shown as retrying).
STATES = {"queued": "queued", "sending": "sending", "retrying": "retrying", "sent": "sent", "failed": "failed"}


@dataclass(frozen=True)
class Delivery:
    id: int
    created_at: datetime
    to_address: str
    kind: str
    subject: str
    state: str
    attempts: int
    reason: str
    sent_at: datetime | None
    next_attempt_at: datetime

    @property
    def retryable(self) -> bool:
        return self.state in ("failed", "retrying")


def recent_deliveries(db: Database, limit: int = 100) -> list[Delivery]:
    with db.snapshot() as conn:
        rows = mail_queue.recent(conn, limit)
    return [
        Delivery(
            row.id,
            row.created_at,
            row.to_address,
            row.kind,
            row.subject,
            STATES.get(row.state, row.state),
            row.attempts,
            row.last_error,
            row.sent_at,
            row.next_attempt_at,
        )
        for row in rows
    ]


def retry_delivery(db: Database, message_id: int) -> bool:
    """Due now with fresh attempts; False when it is not failed or retrying (sent, or in someone's hands)."""
    if not 0 < message_id < 2**63:
        return False
    with db.transaction() as conn:
        return mail_queue.requeue(conn, message_id, utcnow())

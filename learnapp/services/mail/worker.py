"""Services: one round of the app's mail worker: queue notices from the outbox, look for quiet learners, deliver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.mail.delivery import deliver_due
from learnapp.services.mail.notices import queue_notices
from learnapp.services.mail.reminders import queue_reminders
from learnapp.services.mail.transport import Transport

# Quiet learners are looked for this often (each worker on its own; the message's unique cause keeps it to one).
REMINDER_EVERY = timedelta(minutes=10)


@dataclass
class MailRound:
    """What one round did."""

    queued: int = 0
    reminders: int = 0
    sent: int = 0


@dataclass
class MailWorker:
    db: Database
    transport: Transport
    _reminders_at: datetime | None = field(default=None, init=False)

    def round(self, now: datetime | None = None) -> MailRound:
        now = now or utcnow()
        done = MailRound(queued=queue_notices(self.db, now))
        if self._reminders_at is None or now - self._reminders_at >= REMINDER_EVERY:
            self._reminders_at = now
            done.reminders = queue_reminders(self.db, now)
        done.sent = deliver_due(self.db, self.transport)
        return done

"""Services: purge rows whose job is done (ended sign-in sessions, client event ids past their retention)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from learnapp.persistence import ops_housekeeping
from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import idle_limit

# A client event id makes a resend of the same event a no-op for this long; after that the id is forgotten and may
# be used again (a resend that late is applied as a new event: a completion stays one, viewing time counts again).
CLIENT_EVENT_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Purged:
    sessions: int
    client_events: int


def purge(db: Database, now: datetime) -> Purged:
    """Delete sessions that have ended (past their 30 days, or idle too long) and client events past retention."""
    with db.transaction() as conn:
        sessions = ops_housekeeping.delete_ended_sessions(conn, now, idle_limit())
        events = ops_housekeeping.delete_client_events(conn, now - CLIENT_EVENT_RETENTION)
    return Purged(sessions, events)

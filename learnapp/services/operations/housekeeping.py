"""Services: purge rows whose job is done (ended sign-in sessions, client event ids past their retention)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from learnapp.persistence.db import Database
from learnapp.persistence.tables import ClientEvent, LoginSession
from learnapp.services.accounts.sessions import ended

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
        sessions = conn.execute(delete(LoginSession).where(ended(now))).rowcount
        events = conn.execute(
            delete(ClientEvent).where(col(ClientEvent.created_at) < now - CLIENT_EVENT_RETENTION)
        ).rowcount
    return Purged(sessions or 0, events or 0)

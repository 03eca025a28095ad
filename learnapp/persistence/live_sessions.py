"""Persistence: which sign-in sessions of a learner are live, for the progress pushed to their open tabs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlmodel import col

from learnapp.persistence.tables import LoginSession


def live_session_digests(conn: Connection, learner_id: int, now: datetime, idle: timedelta) -> frozenset[str]:
    """The cookie digests of the learner's sessions that have not ended (30 days, idleness) at `now`.

    Read in the same transaction as the progress pushed with it: a tab whose session is not among them gets nothing.
    """
    rows = conn.execute(
        select(col(LoginSession.token_hash)).where(
            col(LoginSession.learner_id) == learner_id,
            col(LoginSession.expires_at) > now,
            col(LoginSession.last_seen_at) > now - idle,
        )
    )
    return frozenset(rows.scalars())

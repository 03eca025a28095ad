"""Persistence: the purge of rows whose job is done (ended sign-in sessions, client event ids past retention)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from learnapp.persistence import accounts_sessions
from learnapp.persistence.db import Connection
from learnapp.persistence.tables import ClientEvent, LoginSession


def delete_ended_sessions(conn: Connection, now: datetime, idle: timedelta) -> int:
    """Sessions past their expiry, or unused for `idle` or longer: how many were deleted."""
    return conn.execute(delete(LoginSession).where(accounts_sessions.ended(now, idle))).rowcount or 0


def delete_client_events(conn: Connection, before: datetime) -> int:
    """Client event ids recorded before `before`: how many were deleted."""
    return conn.execute(delete(ClientEvent).where(col(ClientEvent.created_at) < before)).rowcount or 0

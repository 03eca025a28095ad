"""Persistence: the ORM session a unit of work opens on its own connection, for use cases off the hot path."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel import Session as Session  # re-exported: the unit of work types its session with it


def orm_session(conn: Connection) -> Session:
    """A session inside the unit's transaction; what it loaded stays readable after commit."""
    return Session(bind=conn, expire_on_commit=False)

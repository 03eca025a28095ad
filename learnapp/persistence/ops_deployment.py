"""Persistence: what the start-up checks read: an account still holding a given password hash."""

from __future__ import annotations

from sqlalchemy import select

from learnapp.persistence.db import Connection
from learnapp.persistence.handles import LEARNER


def email_with_password_hash(conn: Connection, password_hash: str) -> str | None:
    """The email of one account whose stored password hash is exactly `password_hash`, or None."""
    query = select(LEARNER.c.email).where(LEARNER.c.password_hash == password_hash)
    return conn.execute(query).scalars().first()

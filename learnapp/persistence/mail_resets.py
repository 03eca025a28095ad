"""Persistence: password reset tokens (their hashes), each usable once before it expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from learnapp.persistence.handles import PASSWORD_RESET as RESET


def add_reset(conn: Connection, learner_id: int, token_hash: str, now: datetime, expires_at: datetime) -> int:
    return int(
        conn.execute(
            insert(RESET)
            .values(learner_id=learner_id, token_hash=token_hash, created_at=now, expires_at=expires_at)
            .returning(RESET.c.id)
        ).scalar_one()
    )


def usable(conn: Connection, token_hash: str, now: datetime) -> Any:
    """The unused, unexpired reset with this hash (id, learner_id), or None."""
    return conn.execute(
        select(RESET.c.id, RESET.c.learner_id).where(
            RESET.c.token_hash == token_hash, RESET.c.used_at.is_(None), RESET.c.expires_at > now
        )
    ).first()


def use(conn: Connection, reset_id: int, now: datetime) -> bool:
    """Spend a reset; False when another request spent it first."""
    result = conn.execute(update(RESET).where(RESET.c.id == reset_id, RESET.c.used_at.is_(None)).values(used_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def spend_others(conn: Connection, learner_id: int, now: datetime) -> None:
    """A new password makes every other link of the account useless."""
    conn.execute(update(RESET).where(RESET.c.learner_id == learner_id, RESET.c.used_at.is_(None)).values(used_at=now))


def recent_count(conn: Connection, learner_id: int, since: datetime) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(RESET).where(RESET.c.learner_id == learner_id, RESET.c.created_at > since)
        ).scalar_one()
    )

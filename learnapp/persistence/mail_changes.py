"""Persistence: email change requests (their token hashes), each confirmed at most once before it expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from learnapp.persistence.handles import EMAIL_CHANGE as CHANGE


def add_change(
    conn: Connection, learner_id: int, new_email: str, token_hash: str, now: datetime, expires_at: datetime
) -> int:
    return int(
        conn.execute(
            insert(CHANGE)
            .values(
                learner_id=learner_id, new_email=new_email, token_hash=token_hash, created_at=now, expires_at=expires_at
            )
            .returning(CHANGE.c.id)
        ).scalar_one()
    )


def usable(conn: Connection, token_hash: str, now: datetime) -> Any:
    """The unused, unexpired change with this hash (id, learner_id, new_email), or None."""
    return conn.execute(
        select(CHANGE.c.id, CHANGE.c.learner_id, CHANGE.c.new_email).where(
            CHANGE.c.token_hash == token_hash, CHANGE.c.used_at.is_(None), CHANGE.c.expires_at > now
        )
    ).first()


def use(conn: Connection, change_id: int, now: datetime) -> bool:
    """Spend a change; False when another request spent it first."""
    result = conn.execute(
        update(CHANGE).where(CHANGE.c.id == change_id, CHANGE.c.used_at.is_(None)).values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def spend_pending(conn: Connection, learner_id: int, now: datetime) -> None:
    """Every unconfirmed change of the account stops working (a confirmed change, or a password reset)."""
    conn.execute(
        update(CHANGE).where(CHANGE.c.learner_id == learner_id, CHANGE.c.used_at.is_(None)).values(used_at=now)
    )


def recent_count(conn: Connection, learner_id: int, since: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(CHANGE)
            .where(CHANGE.c.learner_id == learner_id, CHANGE.c.created_at > since)
        ).scalar_one()
    )

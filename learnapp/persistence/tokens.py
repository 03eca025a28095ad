"""Persistence: API bearer tokens (hashed secrets, optional expiry), read and written in lean Core statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, insert, or_, select, update

from learnapp.persistence.handles import API_TOKEN as TOKEN
from learnapp.persistence.handles import LEARNER


@dataclass(frozen=True)
class TokenRow:
    id: int
    learner_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True)
class TokenHolder:
    """A live token and the account behind it."""

    token_id: int
    last_used_at: datetime | None
    learner_id: int
    email: str
    name: str
    role: str
    time_zone: str


_COLUMNS = [
    TOKEN.c[n] for n in ("id", "learner_id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at")
]
_HOLDER = select(
    TOKEN.c.id,
    TOKEN.c.last_used_at,
    LEARNER.c.id,
    LEARNER.c.email,
    LEARNER.c.name,
    LEARNER.c.role,
    LEARNER.c.time_zone,
).join(LEARNER, LEARNER.c.id == TOKEN.c.learner_id)


def _live(at: datetime) -> ColumnElement[bool]:
    """Not revoked and not expired at `at`: a token stops at the very moment it expires."""
    return TOKEN.c.revoked_at.is_(None) & or_(TOKEN.c.expires_at.is_(None), TOKEN.c.expires_at > at)


def insert_token(
    conn: Connection,
    learner_id: int,
    name: str,
    token_hash: str,
    prefix: str,
    at: datetime,
    expires_at: datetime | None,
) -> TokenRow:
    values = {
        "learner_id": learner_id,
        "name": name,
        "token_hash": token_hash,
        "prefix": prefix,
        "created_at": at,
        "expires_at": expires_at,
    }
    row = conn.execute(insert(TOKEN).values(values).returning(*_COLUMNS)).one()
    return TokenRow(*row)


def count_live(conn: Connection, learner_id: int, at: datetime) -> int:
    query = select(func.count()).select_from(TOKEN).where(TOKEN.c.learner_id == learner_id, _live(at))
    return int(conn.execute(query).scalar_one())


def live_holder(conn: Connection, token_hash: str, at: datetime) -> TokenHolder | None:
    row = conn.execute(_HOLDER.where(TOKEN.c.token_hash == token_hash, _live(at))).first()
    return TokenHolder(*row) if row else None


def touch(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(update(TOKEN).where(TOKEN.c.id == token_id).values(last_used_at=at))


def tokens_of(conn: Connection, learner_id: int) -> list[TokenRow]:
    rows = conn.execute(select(*_COLUMNS).where(TOKEN.c.learner_id == learner_id).order_by(TOKEN.c.id))
    return [TokenRow(*row) for row in rows]


def get_token(conn: Connection, token_id: int) -> TokenRow | None:
    row = conn.execute(select(*_COLUMNS).where(TOKEN.c.id == token_id)).first()
    return TokenRow(*row) if row else None


def mark_revoked(conn: Connection, token_id: int, at: datetime) -> None:
    """Revoking twice keeps the first time."""
    conn.execute(update(TOKEN).where(TOKEN.c.id == token_id, TOKEN.c.revoked_at.is_(None)).values(revoked_at=at))

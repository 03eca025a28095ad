"""Services: API bearer tokens: the secret is shown once, only its hash is kept, revocable, last use tracked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from learnapp.persistence.db import Database
from learnapp.persistence.learners import learner_exists
from learnapp.persistence.tables import utcnow
from learnapp.persistence.tokens import (
    TokenRow,
    get_token,
    insert_token,
    live_holder,
    mark_revoked,
    tokens_of,
    touch,
)
from learnapp.services.accounts import Account
from learnapp.services.errors import InvalidRequest, NotFound

PREFIX = "la_"
SHOWN = 10  # characters of the secret kept to recognise a token in a list ("la_" and 7 more)
MAX_NAME = 80
# Write last use at most this often, so authenticating is usually a pure read.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenView:
    id: int
    learner_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewToken:
    """The only moment the secret exists outside the caller's hands."""

    token: TokenView
    secret: str


@dataclass(frozen=True)
class TokenCaller:
    token_id: int
    account: Account


def digest(secret: str) -> str:
    # The secret has 256 random bits: a fast hash is enough, a slow one would only cost every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db: Database, learner_id: int, name: str) -> NewToken:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequest(f"Name the token in 1 to {MAX_NAME} characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as conn:
        if not learner_exists(conn, learner_id):
            raise NotFound("Unknown learner")
        row = insert_token(conn, learner_id, name, digest(secret), secret[:SHOWN], utcnow())
    return NewToken(_view(row), secret)


def token_caller(db: Database, secret: str | None) -> TokenCaller | None:
    """Who a bearer secret belongs to, or None when it is unknown or revoked."""
    if not secret:
        return None
    with db.snapshot() as conn:
        holder = live_holder(conn, digest(secret))
    if holder is None:
        return None
    now = utcnow()
    if holder.last_used_at is None or now - holder.last_used_at > TOUCH_EVERY:
        with db.transaction() as conn:
            touch(conn, holder.token_id, now)
    account = Account(holder.learner_id, holder.email, holder.name, holder.role, holder.time_zone)
    return TokenCaller(holder.token_id, account)


def list_tokens(db: Database, learner_id: int) -> list[TokenView]:
    with db.snapshot() as conn:
        return [_view(row) for row in tokens_of(conn, learner_id)]


def revoke_token(db: Database, token_id: int, learner_id: int | None = None) -> TokenView:
    """Revoke at once; with a learner given, another learner's token is unknown (404), never forbidden."""
    with db.transaction() as conn:
        row = get_token(conn, token_id)
        if row is None or (learner_id is not None and row.learner_id != learner_id):
            raise NotFound(f"Unknown token {token_id}")
        mark_revoked(conn, token_id, utcnow())
        revoked = get_token(conn, token_id)
    assert revoked is not None
    return _view(revoked)


def _view(row: TokenRow) -> TokenView:
    return TokenView(row.id, row.learner_id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at)

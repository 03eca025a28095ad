"""Services: API bearer tokens: shown once, kept hashed, at most 20 live per learner, revocable, may expire."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.facts import lock_learner
from learnapp.persistence.learners import learner_exists
from learnapp.persistence.tokens import (
    TokenRow,
    count_live,
    get_token,
    insert_token,
    live_holder,
    mark_revoked,
    tokens_of,
    touch,
)
from learnapp.services.accounts.learners import Account
from learnapp.services.errors import Conflict, InvalidRequest, NotFound

PREFIX = "la_"
SHOWN = 10  # characters of the secret kept to recognise a token in a list ("la_" and 7 more)
MAX_NAME = 80
# Write last use at most this often, so authenticating is usually a pure read.
TOUCH_EVERY = timedelta(minutes=1)
# Live (not revoked, not expired) tokens a learner may hold: a leaked account cannot mint tokens without end.
MAX_LIVE = 20
MAX_EXPIRY_DAYS = 365


@dataclass(frozen=True)
class TokenView:
    id: int
    learner_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired


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


def create_token(db: Database, learner_id: int, name: str, expires_in_days: int | None = None) -> NewToken:
    """A new token, valid for ever or for `expires_in_days`; refused (Conflict) past MAX_LIVE live tokens."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequest(f"Name the token in 1 to {MAX_NAME} characters")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise InvalidRequest(f"A token expires in 1 to {MAX_EXPIRY_DAYS} days, or never")
    secret = PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as conn:
        # Counted under the learner's lock in the inserting transaction: two creations at once cannot both pass.
        if not lock_learner(conn, learner_id) or not learner_exists(conn, learner_id):
            raise NotFound("Unknown learner")
        now = utcnow()
        if count_live(conn, learner_id, now) >= MAX_LIVE:
            raise Conflict(
                f"This account already has {MAX_LIVE} active tokens, the most allowed: revoke one to create another",
                {"limit": MAX_LIVE},
            )
        expires_at = now + timedelta(days=expires_in_days) if expires_in_days is not None else None
        row = insert_token(conn, learner_id, name, digest(secret), secret[:SHOWN], now, expires_at)
    return NewToken(_view(row), secret)


def token_caller(db: Database, secret: str | None, at: datetime | None = None) -> TokenCaller | None:
    """Who a bearer secret belongs to at `at` (now), or None when it is unknown, revoked or expired."""
    if not secret:
        return None
    now = at or utcnow()
    with db.snapshot() as conn:
        holder = live_holder(conn, digest(secret), now)
    if holder is None:
        return None
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
    return TokenView(
        row.id, row.learner_id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at, row.expires_at
    )

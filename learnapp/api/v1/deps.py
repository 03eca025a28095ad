"""API: who is calling (bearer token, rate-limited per learner) and whose data a request may touch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from learnapp.api.v1.errors import Forbidden, Unauthorized
from learnapp.api.v1.limits import TokenRateLimiter
from learnapp.api.v1.schemas import MAX_ID
from learnapp.persistence.db import Database
from learnapp.services.errors import NotFound
from learnapp.services.learner_progress import learner_account
from learnapp.services.tokens import token_caller

bearer = HTTPBearer(
    auto_error=False,
    description="A token from the profile page or `learnapp token create`, sent as `Authorization: Bearer <token>`",
)
LearnerId = Annotated[
    int, Path(ge=1, le=MAX_ID, description="The learner's id (GET /api/v1/me gives yours)", examples=[1])
]


@dataclass(frozen=True)
class Caller:
    learner_id: int
    role: str
    token_id: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Scope:
    """The learner whose data the request reads or changes, and who is acting (an admin may act for anyone)."""

    learner_id: int
    actor_id: int


@dataclass(frozen=True)
class Guards:
    db: Callable[[], Database]
    caller: Callable[..., Caller]
    admin: Callable[..., Caller]
    learner: Callable[..., Scope]


def guards(get_db: Callable[[], Database]) -> Guards:
    """Dependencies bound to one app's database and its own rate-limit counters."""
    limiter = TokenRateLimiter()

    def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Caller:
        if credentials is None:
            raise Unauthorized("Send a bearer token: Authorization: Bearer <token>")
        found = token_caller(get_db(), credentials.credentials)
        if found is None:
            # One answer for all three: a caller learns nothing about which tokens once existed.
            raise Unauthorized("Unknown, revoked or expired token")
        limiter.check(found.account.id)
        return Caller(found.account.id, found.account.role, found.token_id)

    # Default-style: with postponed annotations FastAPI could not see this local inside Annotated[...].
    calling = Depends(caller)

    def admin(who: Caller = calling) -> Caller:
        if not who.is_admin:
            raise Forbidden("This endpoint needs an admin's token")
        return who

    def learner(learner_id: LearnerId, who: Caller = calling) -> Scope:
        # Another learner's data is unknown, not forbidden: its existence is not revealed.
        if learner_id != who.learner_id:
            if not who.is_admin:
                raise NotFound("Unknown learner")
            learner_account(get_db(), learner_id)
        return Scope(learner_id, who.learner_id)

    return Guards(get_db, caller, admin, learner)

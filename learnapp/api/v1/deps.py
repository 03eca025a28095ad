"""API: who is calling (bearer token, rate-limited per learner) and whose data a request may touch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from learnapp.api.deps import DB
from learnapp.api.v1.errors import Forbidden, Unauthorized
from learnapp.api.v1.limits import TokenRateLimiter
from learnapp.api.v1.schemas import MAX_ID
from learnapp.services.accounts.tokens import token_caller
from learnapp.services.errors import NotFound
from learnapp.services.learning.learner_progress import learner_account

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


def bind_token_limiter(api: FastAPI) -> None:
    """Token rate-limit counters of the app's own (one set per app, as before: tests get fresh ones per app)."""
    api.state.token_limiter = TokenRateLimiter()


def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)], db: DB
) -> Caller:
    """The token's account, counted against its per-learner rate limit."""
    if credentials is None:
        raise Unauthorized("Send a bearer token: Authorization: Bearer <token>")
    found = token_caller(db, credentials.credentials)
    if found is None:
        # One answer for all three: a caller learns nothing about which tokens once existed.
        raise Unauthorized("Unknown, revoked or expired token")
    limiter: TokenRateLimiter = request.app.state.token_limiter
    limiter.check(found.account.id)
    return Caller(found.account.id, found.account.role, found.token_id)


Calling = Annotated[Caller, Depends(caller)]


def admin(who: Calling) -> Caller:
    if not who.is_admin:
        raise Forbidden("This endpoint needs an admin's token")
    return who


Admin = Annotated[Caller, Depends(admin)]


def learner(learner_id: LearnerId, who: Calling, db: DB) -> Scope:
    """The learner in the path, if the caller may act for them: themselves, or anyone for an admin."""
    # Another learner's data is unknown, not forbidden: its existence is not revealed.
    if learner_id != who.learner_id:
        if not who.is_admin:
            raise NotFound("Unknown learner")
        learner_account(db, learner_id)
    return Scope(learner_id, who.learner_id)


Me = Annotated[Scope, Depends(learner)]

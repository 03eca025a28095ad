"""API: who the token belongs to (/me) and the caller's own tokens (list, revoke)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from learnapp.api.deps import DB
from learnapp.api.v1 import presenters
from learnapp.api.v1 import schemas as s
from learnapp.api.v1.deps import Calling
from learnapp.api.v1.errors import responses
from learnapp.services.accounts.tokens import list_tokens, revoke_token
from learnapp.services.learning.learner_progress import learner_account

TokenId = Annotated[int, Path(ge=1, le=s.MAX_ID, examples=[1])]

router = APIRouter(tags=["tokens"], responses=responses(401, 413, 429))


@router.get("/me")
def me(who: Calling, db: DB) -> s.AccountPublic:
    """The account behind the token: use its id in /learners/{learner_id}/... paths."""
    return presenters.account(learner_account(db, who.learner_id))


@router.get("/tokens")
def tokens(who: Calling, db: DB) -> list[s.TokenPublic]:
    """Your tokens (never their secrets): name, prefix, created, last used, revoked, expires."""
    return [presenters.token(t) for t in list_tokens(db, who.learner_id)]


@router.delete("/tokens/{token_id}", status_code=204, responses=responses(404, 422))
def revoke(token_id: TokenId, who: Calling, db: DB) -> Response:
    """Revoke one of your tokens at once (revoking the one you call with works too); others' are 404."""
    revoke_token(db, token_id, who.learner_id)
    return Response(status_code=204)

"""API: the request body limits (413) for /api/v1 and the sign-in forms, and the per-learner rate limit (429)."""

from __future__ import annotations

import logging
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from learnapp.api.rate_counters import moving_window
from learnapp.api.v1.errors import RateLimited, error_response
from learnapp.services.content.upload import MAX_UPLOAD_BYTES
from learnapp.services.operations.deployment import is_local
from learnapp.settings import allowed_origins, get_settings

PREFIX = "/api/v1"
MAX_BODY_BYTES = 64 * 1024
# A sign-in form is an email, a name, a password and a path: anything near this size is not a person typing.
AUTH_PREFIX = "/auth/"
AUTH_MAX_BODY_BYTES = 16 * 1024
# The largest body each path prefix accepts; other paths are not limited here.
# Reflex's upload endpoint (the admin content page): the content limit plus room for the multipart framing, refused
# before Reflex spools the body to disk, so a crafted POST cannot fill the disk with what the page would refuse.
UPLOAD_PATH = "/_upload"
UPLOAD_MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024
BODY_LIMITS = ((PREFIX, MAX_BODY_BYTES), (AUTH_PREFIX, AUTH_MAX_BODY_BYTES), (UPLOAD_PATH, UPLOAD_MAX_BODY_BYTES))
DEFAULT_RATE_PER_MINUTE = 120
BUDGET = "api-learner"
log = logging.getLogger("learnapp.api")


def configured_rate_limit() -> RateLimitItem:
    """120 a minute per account; LEARNAPP_TEST_API_RATE_PER_MINUTE raises it for a local test run, never lowers it.

    A public origin ignores it: a leaked test setting cannot lift the limit of a deployment.
    """
    raised = get_settings().test_api_rate_per_minute
    if raised > DEFAULT_RATE_PER_MINUTE and is_local(allowed_origins()[0]):
        log.warning("API rate limit raised for a test run", extra={"per_minute": raised})
        return RateLimitItemPerMinute(raised)
    return RateLimitItemPerMinute(DEFAULT_RATE_PER_MINUTE)


# Per learner (all their tokens together), over a moving minute; read at call time so tests can change it.
RATE_LIMIT: RateLimitItem = configured_rate_limit()


def too_large(limit: int) -> str:
    return f"The request body is over the limit of {limit} bytes"


class BodyTooLarge(HTTPException):
    """An HTTP error, so FastAPI's body reading passes it on (it turns other errors into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))
        self.details = {"limit_bytes": limit}


class BodyLimitMiddleware:
    """Refuses bodies over their path's BODY_LIMITS: by Content-Length up front, or by counting a stream without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = _body_limit(scope)
        if limit is None:
            await self.app(scope, receive, send)
        elif _declared_length(scope) > limit:
            response = error_response(413, "payload_too_large", too_large(limit), {"limit_bytes": limit})
            await response(scope, receive, send)
        else:
            await self.app(scope, _counting(receive, limit), send)


def _body_limit(scope: Scope) -> int | None:
    if scope["type"] != "http":
        return None
    return next((limit for prefix, limit in BODY_LIMITS if scope["path"].startswith(prefix)), None)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLarge(limit)
        return message

    return counted


class TokenRateLimiter:
    """A moving window per learner: all of a learner's tokens share one budget, so more tokens buy no more requests.

    Shared by every worker through Redis when the app is scaled out.
    """

    def __init__(self) -> None:
        self._limiter = moving_window()

    def check(self, learner_id: int) -> None:
        if self._limiter.hit(RATE_LIMIT, BUDGET, str(learner_id)):
            return
        reset = self._limiter.get_window_stats(RATE_LIMIT, BUDGET, str(learner_id)).reset_time
        retry_after = max(1, int(reset - time.time()) + 1)
        message = f"Over {RATE_LIMIT.amount} requests a minute for this account (all its tokens share one budget)"
        raise RateLimited(message, retry_after)

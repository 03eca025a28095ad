"""API: the password reset forms: ask for a link by email, then set a new password through it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from learnapp.api.client_address import client_address
from learnapp.api.rate_counters import sign_in_counters
from learnapp.api.reset_limits import ResetLimits
from learnapp.api.sign_in_limits import too_many
from learnapp.persistence.db import Database
from learnapp.services.errors import LearnappError
from learnapp.services.mail.reset import request_reset, reset_password
from learnapp.settings import allowed_origins


def _cross_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is not None and origin.rstrip("/") not in allowed_origins()


def _refused() -> Response:
    return PlainTextResponse("Forms from another site are not accepted.", status_code=403)


def add_reset_routes(router: APIRouter, db: Callable[[], Database]) -> None:
    """POST /auth/forgot-password and /auth/reset-password on the sign-in router."""
    limits = ResetLimits(sign_in_counters())

    @router.post("/forgot-password")
    def forgot_password(request: Request, email: str = Form("")) -> Response:
        if _cross_site(request):
            return _refused()
        if wait := limits.request_wait(client_address(request), email):
            return RedirectResponse(f"/forgot-password?error={quote(too_many(wait))}", status_code=303)
        request_reset(db(), email.strip()[:320])
        # The same answer whether or not the email has an account.
        return RedirectResponse("/forgot-password?sent=1", status_code=303)

    @router.post("/reset-password")
    def set_new_password(request: Request, token: str = Form(""), password: str = Form("")) -> Response:
        if _cross_site(request):
            return _refused()
        if wait := limits.reset_wait(client_address(request)):
            return _back(token, too_many(wait))
        try:
            reset_password(db(), token[:200], password)
        except LearnappError as error:
            return _back(token, error.message)
        return RedirectResponse("/reset-password?done=1", status_code=303)


def _back(token: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/reset-password?token={quote(token[:200])}&error={quote(message)}", status_code=303)

"""API: the email change forms: ask for a change on the profile (current password), confirm it from the link."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from limits import RateLimitItemPerHour, RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from learnapp.api.client_address import client_address
from learnapp.api.rate_counters import sign_in_counters
from learnapp.api.sign_in_limits import Clock, SignInLimits, too_many
from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.sessions import session_account
from learnapp.services.errors import LearnappError
from learnapp.services.mail.email_change import WrongPassword, confirm_email_change, request_email_change
from learnapp.settings import allowed_origins

# Confirming through a link, per client address (a token is 256 bits, but guessing should still crawl).
CONFIRM_LIMITS = (RateLimitItemPerMinute(10), RateLimitItemPerHour(60))
PROFILE = routes.PROFILE


def _cross_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is not None and origin.rstrip("/") not in allowed_origins()


def _refused() -> Response:
    return PlainTextResponse("Forms from another site are not accepted.", status_code=403)


def add_email_change_routes(router: APIRouter, db: Callable[[], Database], cookie: str, now: Clock = time.time) -> None:
    """POST /auth/change-email and /auth/confirm-email on the sign-in router (`cookie`: the session cookie's name)."""
    # The password check counts against the log-in limits: this form must not be a side door for guessing.
    sign_in = SignInLimits(sign_in_counters(), now)
    window = MovingWindowRateLimiter(sign_in_counters())

    @router.post("/change-email")
    def change_email(request: Request, password: str = Form(""), email: str = Form("")) -> Response:
        if _cross_site(request):
            return _refused()
        account = session_account(db(), request.cookies.get(cookie))
        if account is None:
            return RedirectResponse(routes.login_then(PROFILE), status_code=303)
        address = client_address(request)
        if wait := sign_in.login_wait(address, account.email):
            return _profile(error=too_many(wait))  # no password is checked while waiting
        try:
            request_email_change(db(), account.id, password, email[:320])
        except WrongPassword as error:
            sign_in.login_failed(address, account.email)
            return _profile(error=error.message)
        except LearnappError as error:
            return _profile(error=error.message)
        return _profile(sent=True)

    @router.post("/confirm-email")
    def confirm_email(request: Request, token: str = Form("")) -> Response:
        if _cross_site(request):
            return _refused()
        address = client_address(request)
        for limit in CONFIRM_LIMITS:
            if not window.hit(limit, "email-confirm", address):
                reset = window.get_window_stats(limit, "email-confirm", address).reset_time
                return _confirm_page(token, error=too_many(max(1, math.ceil(reset - time.time()))))
        try:
            confirm_email_change(db(), token[:200], request.cookies.get(cookie))
        except LearnappError as error:
            return _confirm_page(token, error=error.message)
        return RedirectResponse("/confirm-email?done=1", status_code=303)


def _profile(error: str = "", sent: bool = False) -> RedirectResponse:
    query = "email_change=sent" if sent else f"email_change_error={quote(error)}"
    return RedirectResponse(f"{PROFILE}?{query}", status_code=303)


def _confirm_page(token: str, error: str) -> RedirectResponse:
    return RedirectResponse(f"/confirm-email?token={quote(token[:200])}&error={quote(error)}", status_code=303)

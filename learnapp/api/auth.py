"""API: browser sign-up, log-in and log-out; the session secret goes in an HttpOnly cookie.

Forms posted from another site are refused (403): a browser names the page's origin in every POST, so a foreign
page cannot log a learner out or into an account of its choosing. Tools that send no Origin are not browsers
carrying someone's cookie and are served as before.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from learnapp.api.client_address import client_address
from learnapp.api.email_change import add_email_change_routes
from learnapp.api.password_reset import add_reset_routes
from learnapp.api.rate_counters import sign_in_counters
from learnapp.api.sign_in_limits import Clock, SignInLimits, too_many
from learnapp.domain import routes
from learnapp.domain.redirects import safe_redirect
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import authenticate, create_learner
from learnapp.services.accounts.sessions import SESSION_DAYS, end_session, start_session
from learnapp.services.errors import LearnappError
from learnapp.settings import allowed_origins

COOKIE = "learnapp_session"


def cross_site(request: Request) -> bool:
    """Posted by a page of another origin (an absent Origin is not a browser's cross-site form)."""
    origin = request.headers.get("origin")
    return origin is not None and origin.rstrip("/") not in allowed_origins()


def refused() -> Response:
    return PlainTextResponse("Forms from another site are not accepted.", status_code=403)


def auth_router(database: Database | None, get_db: object, now: Clock = time.time) -> APIRouter:
    """`now`: the clock of the account delay (tests move theirs instead of sleeping)."""
    router = APIRouter(prefix="/auth", include_in_schema=False)
    limits = SignInLimits(sign_in_counters(), now)

    def db() -> Database:
        return database or get_db()  # type: ignore[operator]

    def signed_in(target: str, token: str, request: Request) -> RedirectResponse:
        response = RedirectResponse(safe_redirect(target), status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=SESSION_DAYS * 86400,
            httponly=True,
            samesite="lax",
            # The public origin decides, not this hop's scheme: behind a TLS proxy the app itself is reached over http.
            secure=allowed_origins()[0].startswith("https://"),
            path="/",
        )
        return response

    def back(page: str, message: str, target: str, email: str = "") -> RedirectResponse:
        query = f"?error={quote(message)}&next={quote(safe_redirect(target))}&email={quote(email)}"
        return RedirectResponse(f"/{page}{query}", status_code=303)

    @router.post("/login")
    def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        next: str = Form(""),  # noqa: A002
    ) -> Response:
        if cross_site(request):
            return refused()
        address = client_address(request)
        if wait := limits.login_wait(address, email):
            return back("login", too_many(wait), next, email)  # no password is checked while waiting
        account = authenticate(db(), email, password)
        if account is None:
            limits.login_failed(address, email)
            return back("login", "Email or password is not right.", next, email)
        limits.login_succeeded(email)
        return signed_in(next, start_session(db(), account.id, request.headers.get("user-agent", "")[:300]), request)

    @router.post("/signup")
    def signup(
        request: Request,
        name: str = Form(""),
        email: str = Form(""),
        password: str = Form(""),
        next: str = Form(""),  # noqa: A002
    ) -> Response:
        if cross_site(request):
            return refused()
        if wait := limits.signup_wait(client_address(request)):
            return back("signup", too_many(wait), next, email)
        try:
            account = create_learner(db(), email, name, password)
        except LearnappError as error:
            return back("signup", error.message, next, email)
        session = start_session(db(), account.id, request.headers.get("user-agent", "")[:300])
        return signed_in(safe_redirect(next, "/"), session, request)

    @router.post("/logout")
    def logout(request: Request) -> Response:
        if cross_site(request):
            return refused()
        end_session(db(), request.cookies.get(COOKIE))
        response = RedirectResponse(routes.login_then(routes.MY_LEARNING), status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    add_reset_routes(router, db)  # /auth/forgot-password, /auth/reset-password
    add_email_change_routes(router, db, COOKIE, now)  # /auth/change-email, /auth/confirm-email
    return router

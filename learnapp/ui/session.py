"""UI: the base state that knows who is signed in, from the HttpOnly cookie, on the server only."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from http.cookies import SimpleCookie

import reflex as rx
from reflex.event import EventSpec

from learnapp.domain import routes
from learnapp.persistence.db import Database, default_database
from learnapp.services.accounts.learners import Account
from learnapp.services.accounts.sessions import session_account, trusted_account
from learnapp.ui.events import event
from learnapp.ui.live.reflex_adapter import page_param

COOKIE = "learnapp_session"


def db() -> Database:
    return default_database()


@lru_cache(maxsize=4096)  # every event parses its tab's header again: the same few strings, over and over
def cookie_token(header: str | None) -> str | None:
    """The session secret from a Cookie header; a malformed header is the same as none."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except Exception:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


class SessionState(rx.State):
    """Never trusts the browser: the learner comes from the cookie sent with the websocket."""

    signed_in: rx.Field[bool] = rx.field(False)
    learner_name: rx.Field[str] = rx.field("")
    is_admin: rx.Field[bool] = rx.field(False)
    # Backend only: a copy of TabBinding's, kept by learnapp/ui/binding.py so most events need not read that one.
    _bound_to: str = ""

    def _cookie_token(self) -> str | None:
        return cookie_token(self.router.headers.cookie)

    async def _account(self) -> Account | None:
        """Checked against the database on every call: a logged-out session stops working at once."""
        token = self._cookie_token()
        known, account = trusted_account(token)  # checked a moment ago: no thread hop, no query
        if not known:
            account = await asyncio.to_thread(session_account, db(), token)
        self.signed_in = account is not None
        self.learner_name = account.name if account else ""
        self.is_admin = bool(account and account.role == "admin")
        return account

    def _login_redirect(self) -> EventSpec:
        here = self.router.url.path or "/"
        return rx.redirect(routes.login_then(here))

    @event
    async def check_session(self) -> None:
        await self._account()

    @event
    async def require_learner(self) -> EventSpec | None:
        if await self._account() is None:
            return self._login_redirect()
        return None

    def _param(self, name: str) -> str:
        return page_param(self, name)

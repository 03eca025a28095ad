"""UI: the base state that knows who is signed in, from the HttpOnly cookie, on the server only."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from learnapp.persistence.db import Database, default_database
from learnapp.services.accounts import Account
from learnapp.services.sessions import session_account

COOKIE = "learnapp_session"


def db() -> Database:
    return default_database()


class SessionState(rx.State):
    """Never trusts the browser: the learner comes from the cookie sent with the websocket."""

    signed_in: bool = False
    learner_name: str = ""
    is_admin: bool = False
    # Backend only: a digest of the session this tab's state was filled for (see learnapp/ui/binding.py).
    _bound_to: str = ""

    def _cookie_token(self) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.router.headers.cookie or "")
        except Exception:  # a malformed cookie header is the same as none
            return None
        morsel = jar.get(COOKIE)
        return morsel.value if morsel else None

    async def _account(self) -> Account | None:
        """Checked against the database on every call: a logged-out session stops working at once."""
        account = await asyncio.to_thread(session_account, db(), self._cookie_token())
        self.signed_in = account is not None
        self.learner_name = account.name if account else ""
        self.is_admin = bool(account and account.role == "admin")
        return account

    def _login_redirect(self) -> EventSpec:
        here = self.router.url.path or "/"
        return rx.redirect(f"/login?next={quote(here)}")

    @rx.event
    async def check_session(self) -> None:
        await self._account()

    @rx.event
    async def require_learner(self) -> EventSpec | None:
        if await self._account() is None:
            return self._login_redirect()
        return None

    def _param(self, name: str) -> str:
        value = self.router._page.params.get(name, "")
        return value if isinstance(value, str) else ""

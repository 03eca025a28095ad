"""UI: the profile's email card: which notices the learner gets by email, each switched on or off."""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.services.mail.preferences import KINDS, LABELS, email_preferences, set_email_preference
from learnapp.ui.events import event
from learnapp.ui.session import SessionState, db

LOGIN = routes.login_then(routes.PROFILE)


class ProfileEmailState(SessionState):
    """The signed-in learner's email preferences: every handler asks the cookie who that is."""

    wanted: rx.Field[dict[str, bool]] = rx.field(default_factory=dict)

    @event
    async def load(self) -> EventSpec | None:
        account = await self._account()
        if account is None:
            self.wanted = {}
            return rx.redirect(LOGIN)
        self.wanted = await asyncio.to_thread(email_preferences, db(), account.id)
        return None

    @event
    async def switch(self, kind: str, on: bool) -> EventSpec | None:
        account = await self._account()
        if account is None:
            return rx.redirect(LOGIN)
        if kind in KINDS:  # anything else from the browser changes nothing
            await asyncio.to_thread(set_email_preference, db(), account.id, kind, bool(on))
        self.wanted = await asyncio.to_thread(email_preferences, db(), account.id)
        return None


def _row(kind: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.text(LABELS[kind], size="3"),
            rx.spacer(),
            rx.switch(
                checked=ProfileEmailState.wanted.to(ObjectVar, dict[str, bool])[kind].to(
                    bool
                ),  # mypy reads the field as an array
                on_change=lambda on: ProfileEmailState.switch(kind, on),
                id=f"email-{kind}",
            ),
            align="center",
            width="100%",
        ),
        html_for=f"email-{kind}",
        width="100%",
    )


def email_card() -> rx.Component:
    """Loads itself when shown (the profile page shows it once the learner is known)."""
    return rx.card(
        rx.vstack(
            rx.heading("Email", size="5", as_="h2"),
            rx.text(
                "Choose what we email you. Password reset links always come. Every email has a one-click unsubscribe.",
                size="2",
                color_scheme="gray",
            ),
            *[_row(kind) for kind in KINDS],
            spacing="3",
            width="100%",
        ),
        on_mount=ProfileEmailState.load,
        size="3",
        width="100%",
        max_width="36em",
    )

"""UI: the page the emailed link opens: confirm the new address (a button posts to /auth/confirm-email)."""

from __future__ import annotations

import asyncio

import reflex as rx

from learnapp.domain import routes
from learnapp.services.mail.email_change import EXPIRED, pending_email
from learnapp.ui.components.layout import link_button, page, post_form
from learnapp.ui.events import event
from learnapp.ui.session import SessionState, db

FORM = "confirm-email-form"


class ConfirmEmailState(SessionState):
    token: rx.Field[str] = rx.field("")
    new_email: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    done: rx.Field[bool] = rx.field(False)

    @event
    async def load(self) -> None:
        await self._account()  # the header shows who is signed in (the form post started this tab afresh)
        query = self.router.url.query_parameters
        self.token, self.done = query.get("token", "")[:200], query.get("done") == "1"
        self.error = query.get("error", "")[:200]
        # Opening the link changes nothing (mail scanners open links too): it only says what the button would do.
        found = None if self.done else await asyncio.to_thread(pending_email, db(), self.token)
        self.new_email = found or ""
        if found is None and not self.done and not self.error:
            self.error = EXPIRED


def _panel(*children: rx.Component) -> rx.Component:
    return page(
        rx.center(
            rx.card(rx.vstack(*children, spacing="4", width="100%"), size="4", width="100%", max_width="28em"),
            width="100%",
            padding_top="2em",
        ),
    )


def _confirm_form() -> rx.Component:
    return rx.el.form(
        rx.vstack(
            rx.text(
                "From now on, log in to learnapp with ",
                rx.text(ConfirmEmailState.new_email, weight="bold", as_="span"),
                "?",
                size="3",
            ),
            rx.el.input(type="hidden", name="token", value=ConfirmEmailState.token),
            rx.button("Confirm new email", type="submit", size="3", width="100%"),
            spacing="4",
            width="100%",
        ),
        id=FORM,
        action="/auth/confirm-email",
        method="post",
        on_submit=post_form(FORM),
        width="100%",
    )


def confirm_email_page() -> rx.Component:
    return rx.cond(
        ConfirmEmailState.done,
        _panel(
            rx.heading("Email changed", size="7", as_="h1"),
            rx.callout(
                "Your account's email is changed: log in with the new address from now on. "
                "Every other browser that was signed in is logged out, and your old address was told.",
                icon="circle-check",
                color_scheme="green",
                role="status",
                width="100%",
            ),
            link_button("Go to your profile", href=routes.PROFILE, size="3", width="100%"),
        ),
        _panel(
            rx.heading("Confirm your new email", size="7", as_="h1"),
            rx.cond(
                ConfirmEmailState.error != "",
                rx.callout(
                    ConfirmEmailState.error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
                ),
            ),
            rx.cond(
                ConfirmEmailState.new_email != "",
                _confirm_form(),
                rx.link("Go to your profile", href=routes.PROFILE, underline="always", size="3"),
            ),
        ),
    )

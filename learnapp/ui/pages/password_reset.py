"""UI: "Forgot password?": ask for a link by email, then choose a new password through it (forms post to /auth/*)."""

from __future__ import annotations

import asyncio

import reflex as rx

from learnapp.domain import routes
from learnapp.services.mail.reset import EXPIRED, link_is_usable
from learnapp.ui.components.layout import link_button, page, post_form
from learnapp.ui.events import event
from learnapp.ui.pages.auth_pages import field
from learnapp.ui.session import SessionState, db

SENT = (
    "If an account uses that email, a link to choose a new password is on its way. "
    "It works once, for one hour. Check your spam folder if it does not arrive in a few minutes."
)


class PasswordResetState(SessionState):
    error: rx.Field[str] = rx.field("")
    sent: rx.Field[bool] = rx.field(False)
    done: rx.Field[bool] = rx.field(False)
    token: rx.Field[str] = rx.field("")
    usable: rx.Field[bool] = rx.field(False)

    @event
    async def load_forgot(self) -> None:
        query = self.router.url.query_parameters
        self.error, self.sent = query.get("error", "")[:200], query.get("sent") == "1"

    @event
    async def load_reset(self) -> None:
        query = self.router.url.query_parameters
        self.token, self.done = query.get("token", "")[:200], query.get("done") == "1"
        self.error = query.get("error", "")[:200]
        # Checked on arrival so that an old link says so before the learner types a new password.
        self.usable = not self.done and await asyncio.to_thread(link_is_usable, db(), self.token)
        if not self.usable and not self.done and not self.error:
            self.error = EXPIRED


def _panel(*children: rx.Component) -> rx.Component:
    return page(
        rx.center(
            rx.card(*children, size="4", width="100%", max_width="26em"),
            width="100%",
            padding_top="2em",
        ),
    )


def _card(form_id: str, action: str, *children: rx.Component) -> rx.Component:
    return _panel(
        rx.el.form(
            rx.vstack(*children, spacing="4", width="100%"),
            id=form_id,
            action=action,
            method="post",
            on_submit=post_form(form_id),
        )
    )


def _error() -> rx.Component:
    return rx.cond(
        PasswordResetState.error != "",
        rx.callout(PasswordResetState.error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def _back_to_login() -> rx.Component:
    return rx.text("Remembered it? ", rx.link("Log in", href=routes.LOGIN, underline="always"), size="2")


def forgot_password_page() -> rx.Component:
    return _card(
        "forgot-form",
        "/auth/forgot-password",
        rx.heading("Forgot your password?", size="7", as_="h1"),
        rx.cond(
            PasswordResetState.sent,
            rx.callout(SENT, icon="mail-check", color_scheme="green", role="status", width="100%"),
            rx.text("Enter the email you log in with and we will send you a link to choose a new password.", size="3"),
        ),
        _error(),
        field("Email", "email", "email", "username"),
        rx.button("Send me a link", type="submit", size="3", width="100%"),
        _back_to_login(),
    )


def reset_password_page() -> rx.Component:
    return rx.cond(
        PasswordResetState.done,
        _panel(
            rx.vstack(
                rx.heading("Password changed", size="7", as_="h1"),
                rx.callout(
                    "Your new password is set and every browser that was signed in is logged out.",
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    width="100%",
                ),
                link_button("Log in with your new password", href=routes.LOGIN, size="3", width="100%"),
                spacing="4",
                width="100%",
            )
        ),
        _card(
            "reset-form",
            "/auth/reset-password",
            rx.heading("Choose a new password", size="7", as_="h1"),
            _error(),
            rx.cond(
                PasswordResetState.usable,
                rx.fragment(
                    field("New password (8 characters or more)", "password", "password", "new-password"),
                    rx.el.input(type="hidden", name="token", value=PasswordResetState.token),
                    rx.button("Set new password", type="submit", size="3", width="100%"),
                ),
                rx.link("Ask for a new link", href=routes.FORGOT_PASSWORD, underline="always", size="3"),
            ),
            _back_to_login(),
        ),
    )

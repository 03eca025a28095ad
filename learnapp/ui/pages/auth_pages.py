"""UI: the sign-up and log-in pages (plain forms posting to /auth/*, which set the HttpOnly cookie)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from learnapp.domain import routes
from learnapp.domain.redirects import safe_redirect
from learnapp.ui.components.layout import page, post_form
from learnapp.ui.events import event
from learnapp.ui.session import SessionState


class AuthFormState(SessionState):
    error: rx.Field[str] = rx.field("")
    next_path: rx.Field[str] = rx.field("")

    @event
    async def load(self) -> EventSpec | None:
        query = self.router.url.query_parameters
        self.error = query.get("error", "")
        # Checked here too, not only by /auth/*: a signed-in learner is redirected from this page straight away.
        self.next_path = safe_redirect(query.get("next"))
        if await self._account() is not None and not self.error:
            return rx.redirect(self.next_path)
        return None


def field(label: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
        rx.input(id=name, name=name, type=kind, required=True, auto_complete=autocomplete, size="3", width="100%"),
        spacing="1",
        width="100%",
    )


def auth_card(title: str, action: str, button: str, fields: list[rx.Component], switch: rx.Component) -> rx.Component:
    return page(
        rx.center(
            rx.card(
                rx.el.form(
                    rx.vstack(
                        rx.heading(title, size="7", as_="h1"),
                        rx.cond(
                            AuthFormState.error != "",
                            rx.callout(
                                AuthFormState.error,
                                icon="triangle-alert",
                                color_scheme="red",
                                role="alert",
                                width="100%",
                            ),
                        ),
                        *fields,
                        rx.el.input(type="hidden", name="next", value=AuthFormState.next_path),
                        rx.button(button, type="submit", size="3", width="100%"),
                        switch,
                        spacing="4",
                        width="100%",
                    ),
                    id="auth-form",
                    action=action,
                    method="post",
                    on_submit=post_form("auth-form"),
                ),
                size="4",
                width="100%",
                max_width="26em",
            ),
            width="100%",
            padding_top="2em",
        ),
    )


def login_page() -> rx.Component:
    return auth_card(
        "Log in",
        "/auth/login",
        "Log in",
        [
            field("Email", "email", "email", "username"),
            field("Password", "password", "password", "current-password"),
            rx.link("Forgot password?", href=routes.FORGOT_PASSWORD, size="2", underline="always"),
        ],
        rx.text("New here? ", rx.link("Sign up", href=routes.SIGNUP, underline="always"), size="2"),
    )


def signup_page() -> rx.Component:
    return auth_card(
        "Sign up",
        "/auth/signup",
        "Sign up",
        [
            field("Name", "name", "text", "name"),
            field("Email", "email", "email", "username"),
            field("Password (8 characters or more)", "password", "password", "new-password"),
        ],
        rx.text("Already have an account? ", rx.link("Log in", href=routes.LOGIN, underline="always"), size="2"),
    )

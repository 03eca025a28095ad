"""UI: the profile's "Change email" card: the current password and the new address, posted to /auth/change-email."""

from __future__ import annotations

from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from learnapp.ui.components.layout import post_form
from learnapp.ui.events import event
from learnapp.ui.session import SessionState

FORM = "email-change-form"
CARD = "change-email"
SENT = (
    "Check your new inbox: we sent it a link to confirm the address. The link works once, for 24 hours. "
    "Until you confirm, your email stays as it is."
)


class EmailChangeState(SessionState):
    """What the last change request answered (the route redirects back here with it in the address)."""

    sent: rx.Field[bool] = rx.field(False)
    error: rx.Field[str] = rx.field("")

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        query = self.router.url.query_parameters
        self.sent = query.get("email_change") == "sent"
        self.error = "" if self.sent else query.get("email_change_error", "")[:200]
        if self.sent or self.error:
            yield rx.scroll_to(CARD)  # the answer is at the foot of a long page


def _input(label: str, element_id: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    # Ids of their own: the profile already shows the current email as #email.
    return rx.vstack(
        rx.el.label(label, html_for=element_id, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
        rx.input(
            id=element_id, name=name, type=kind, required=True, auto_complete=autocomplete, size="3", width="100%"
        ),
        spacing="1",
        width="100%",
    )


def email_change_card() -> rx.Component:
    return rx.card(
        rx.el.form(
            rx.vstack(
                rx.heading("Change email", size="5", as_="h2"),
                rx.text(
                    "We email the new address a link to confirm it; your email changes only once you follow it. "
                    "Your current address is told, and other browsers are logged out when the change is made.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    EmailChangeState.sent,
                    rx.callout(SENT, icon="mail-check", color_scheme="green", role="status", width="100%"),
                ),
                rx.cond(
                    EmailChangeState.error != "",
                    rx.callout(
                        EmailChangeState.error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
                    ),
                ),
                _input("New email", "new_email", "email", "email", "email"),
                _input("Current password", "current_password", "password", "password", "current-password"),
                rx.button("Send confirmation link", type="submit", size="3"),
                spacing="4",
                width="100%",
                align="start",
            ),
            id=FORM,
            action="/auth/change-email",
            method="post",
            on_submit=post_form(FORM),
            width="100%",
        ),
        id=CARD,
        scroll_margin_top="5em",  # scrolled to below the sticky header, not under it
        on_mount=EmailChangeState.load,
        size="3",
        width="100%",
        max_width="36em",
    )

"""UI: the public certificate verification page: name, course, date and validity only."""

from __future__ import annotations

import asyncio

import reflex as rx

from learnapp.services.notices.certificates import verify
from learnapp.ui.components.layout import page
from learnapp.ui.events import event
from learnapp.ui.session import SessionState, db


class VerifyState(SessionState):
    code: rx.Field[str] = rx.field("")
    valid: rx.Field[bool] = rx.field(False)
    name: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    kind: rx.Field[str] = rx.field("")
    completed_on: rx.Field[str] = rx.field("")

    @event
    async def load(self) -> None:
        await self._account()
        self.code = self._param("code").upper()
        found = await asyncio.to_thread(verify, db(), self.code)
        self.valid = found is not None
        if found is not None:
            name, cert = found
            self.name, self.title, self.kind = name, cert.title, cert.kind
            self.completed_on = cert.completed_on.strftime("%-d %B %Y")


def verify_page() -> rx.Component:
    return page(
        rx.center(
            rx.card(
                rx.cond(
                    VerifyState.valid,
                    rx.vstack(
                        rx.hstack(
                            rx.icon("badge-check", size=32, color="var(--grass-10)"),
                            rx.heading("Valid certificate", size="6", as_="h1"),
                            align="center",
                        ),
                        rx.text(VerifyState.name, size="6", weight="bold"),
                        rx.text("completed the " + VerifyState.kind + " ", rx.text.strong(VerifyState.title), size="4"),
                        rx.text("on " + VerifyState.completed_on, size="3", color_scheme="gray"),
                        rx.text("Code " + VerifyState.code, size="2", color_scheme="gray", font_family="monospace"),
                        spacing="3",
                    ),
                    rx.vstack(
                        rx.hstack(
                            rx.icon("circle-x", size=32, color="var(--red-10)"),
                            rx.heading("No such certificate", size="6", as_="h1"),
                            align="center",
                        ),
                        rx.text("No certificate has the code " + VerifyState.code + ". Check it and try again."),
                        spacing="3",
                    ),
                ),
                size="4",
                width="100%",
                max_width="34em",
            ),
            width="100%",
            padding_top="2em",
        ),
    )

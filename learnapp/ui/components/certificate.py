"""UI: a course's certificate status (preparing, ready with download, failed), live from the learner's progress."""

from __future__ import annotations

import reflex as rx

from learnapp.domain import routes
from learnapp.ui.components.layout import link_button
from learnapp.ui.live.vars import certificates


def certificate_status(key: rx.Var | str) -> rx.Component:
    cert = certificates()[key]
    status = rx.cond(cert, cert["status"].to(str), "")
    return rx.match(
        status,
        (
            "issued",
            rx.hstack(
                rx.icon("award", color="var(--amber-10)"),
                rx.text("Your certificate is ready", weight="medium"),
                link_button(
                    rx.icon("download"),
                    "Download certificate",
                    href="/certificates/" + cert["code"].to(str) + ".pdf",
                    new_tab=True,
                    size="2",
                    variant="soft",
                ),
                rx.link(
                    "Verify",
                    href=routes.verify(cert["code"].to(str)),  # type: ignore[arg-type]  # routes builders join with +: a Var works
                    size="2",
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
        ),
        (
            "failed",
            rx.callout(
                "We could not create your certificate; an admin has been told and can retry.",
                icon="triangle-alert",
                color_scheme="red",
            ),
        ),
        ("", rx.fragment()),
        rx.hstack(rx.spinner(size="2"), rx.text("Preparing your certificate…", color_scheme="gray"), align="center"),
    )

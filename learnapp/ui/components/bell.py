"""UI: the notifications bell: unread count and recent notices, live across the learner's tabs."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from learnapp.services.notices.bell import read_all
from learnapp.ui.events import event
from learnapp.ui.live import vars as live_vars
from learnapp.ui.live.channel import change_here
from learnapp.ui.session import SessionState, db


class BellState(SessionState):
    @event
    async def read_all(self) -> None:
        account = await self._account()
        if account is not None:
            await change_here(self, account.id, read_all, db(), account.id)


def notice_row(notice: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.text(notice["title"].to(str), size="2", weight=rx.cond(notice["read"] == "", "bold", "regular")),
            rx.moment(notice["at"].to(str), from_now=True, size="1", color="var(--gray-10)"),
            spacing="0",
        ),
        href=notice["link"].to(str),
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding="0.5em",
        border_radius="var(--radius-2)",
        _hover={"background": "var(--accent-a3)"},
        display="block",
    )


def bell() -> rx.Component:
    unread, notices = live_vars.unread(), live_vars.notices()
    label = rx.cond(unread > 0, "Notifications, " + unread.to_string() + " unread", "Notifications")
    return rx.cond(
        SessionState.signed_in,
        rx.popover.root(
            rx.popover.trigger(
                rx.button(
                    rx.icon("bell", size=18),
                    rx.cond(unread > 0, rx.badge(unread, color_scheme="red", radius="full")),
                    variant="ghost",
                    aria_label=label,
                    title=label,
                ),
            ),
            rx.popover.content(
                rx.vstack(
                    rx.hstack(
                        rx.heading("Notifications", size="3", as_="h2", id="bell-title"),
                        rx.spacer(),
                        rx.button(
                            "Mark all as read",
                            size="1",
                            variant="soft",
                            on_click=BellState.read_all,
                            disabled=unread == 0,
                        ),
                        width="100%",
                        align="center",
                    ),
                    rx.cond(
                        notices.length() > 0,
                        rx.vstack(
                            rx.foreach(notices, notice_row),
                            spacing="1",
                            width="100%",
                            max_height="22em",
                            overflow_y="auto",
                        ),
                        rx.text("Nothing yet: milestones and completions show up here.", size="2", color_scheme="gray"),
                    ),
                    width="20em",
                    max_width="85vw",
                    spacing="3",
                ),
                aria_labelledby="bell-title",  # a dialog needs a name: its heading
            ),
        ),
    )

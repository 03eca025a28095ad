"""UI: the profile's list of the learner's signed-in devices, with "Log out" per device and "Log out everywhere"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.services.accounts.sessions import SessionView, active_sessions, end_all_sessions, end_other_session
from learnapp.ui.events import event
from learnapp.ui.session import SessionState, db

LOGIN = routes.login_then(routes.PROFILE)

# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Version/[\d.]+.*Safari/"),
    ("curl", r"^curl/"),
    ("a script", r"python|httpx|requests|Go-http-client|okhttp|wget"),
)
# Android and ChromeOS say "Linux" too; iPads ask for the desktop site and say "Macintosh".
_SYSTEMS = (
    ("Android", r"Android"),
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"),
    ("Linux", r"Linux|X11"),
)


def describe_device(user_agent: str) -> str:
    """The browser and system named in words ("Chrome on Linux"); a made-up string is just "Unknown device"."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent, re.IGNORECASE)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def _row(view: SessionView) -> dict[str, str]:
    # The session id is the only handle the browser gets (never the secret or its hash); the handlers accept it
    # only together with the signed-in learner's id.
    return {
        "id": str(view.id),
        "device": describe_device(view.user_agent),
        "mobile": "yes" if re.search(r"Mobile|Android|iPhone|iPad", view.user_agent) else "",
        "created": view.created_at.isoformat(),
        "seen": view.last_seen_at.isoformat(),
        "current": "yes" if view.current else "",
    }


class ProfileSessionsState(SessionState):
    """The signed-in learner's sessions: every handler asks the cookie who that is."""

    devices: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)

    async def _show(self, learner_id: int) -> None:
        views = await asyncio.to_thread(active_sessions, db(), learner_id, self._cookie_token())
        self.devices = [_row(view) for view in views]

    @event
    async def load(self) -> EventSpec | None:
        account = await self._account()
        if account is None:
            self.devices = []
            return rx.redirect(LOGIN)
        await self._show(account.id)
        return None

    @event
    async def log_out_device(self, session_id: str) -> AsyncIterator[EventSpec | None]:
        """End another of the learner's sessions; an id that is not one of theirs ends nothing."""
        account = await self._account()
        if account is None:
            yield rx.redirect(LOGIN)
            return
        try:
            wanted = int(str(session_id))
        except ValueError:
            wanted = 0
        token = self._cookie_token()
        ended = await asyncio.to_thread(end_other_session, db(), account.id, wanted, token)
        await self._show(account.id)
        yield rx.toast.success("Device logged out") if ended else rx.toast.error("That session has already ended")

    @event
    async def log_out_everywhere(self) -> EventSpec:
        """Every session of the account ends, this one included; the tab goes to the login page."""
        account = await self._account()
        if account is not None:
            await asyncio.to_thread(end_all_sessions, db(), account.id)
        self.reset()
        return rx.redirect(routes.LOGIN)


def device_item(device: ObjectVar[dict[str, str]]) -> rx.Component:
    current = device["current"] != ""
    return rx.el.li(
        rx.hstack(
            rx.icon(rx.cond(device["mobile"] != "", "smartphone", "monitor"), size=20, color=rx.color("gray", 10)),
            rx.vstack(
                rx.hstack(
                    rx.text(device["device"], weight="medium"),
                    rx.cond(current, rx.badge("This device", color_scheme="green", variant="soft")),
                    spacing="2",
                    align="center",
                ),
                rx.text(
                    "signed in ",
                    rx.moment(device["created"], from_now=True),
                    " · last seen ",
                    rx.moment(device["seen"], from_now=True),
                    size="1",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                current,
                rx.fragment(),
                rx.button(
                    "Log out",
                    color_scheme="red",
                    variant="soft",
                    aria_label="Log out " + device["device"],
                    on_click=ProfileSessionsState.log_out_device(device["id"]),
                ),
            ),
            align="center",
            width="100%",
        ),
        style={"listStyle": "none"},
    )


def everywhere_button() -> rx.Component:
    """Asks first: it signs this browser out too."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Log out everywhere", color_scheme="red", variant="outline")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Log out everywhere?"),
            rx.alert_dialog.description(
                "Every device signed in to your account is logged out, this one included. You can log in again "
                "with your password.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Log out everywhere", color_scheme="red", on_click=ProfileSessionsState.log_out_everywhere
                    )
                ),
                spacing="3",
                margin_top="1em",
                justify="end",
            ),
        ),
    )


def sessions_card() -> rx.Component:
    """Loads itself when shown (the profile page shows it once the learner is known)."""
    intro = "Where your account is signed in. Log out a device you do not recognise or no longer use."
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Signed-in devices", size="5", as_="h2"),
                rx.spacer(),
                everywhere_button(),
                align="center",
                width="100%",
            ),
            rx.text(intro, size="2", color_scheme="gray"),
            rx.el.ul(
                rx.foreach(ProfileSessionsState.devices, device_item),
                style={"padding": 0, "margin": 0, "width": "100%", "display": "grid", "gap": "0.75em"},
            ),
            spacing="4",
            width="100%",
        ),
        on_mount=ProfileSessionsState.load,
        size="3",
        width="100%",
        max_width="36em",
    )

"""UI: the profile page: the signed-in learner's name, email (read-only) and time zone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from learnapp.services.accounts import MAX_NAME, Account, time_zones, update_profile
from learnapp.services.errors import LearnappError
from learnapp.ui.layout import page
from learnapp.ui.session import SessionState, db
from learnapp.ui.sync import refresh_sync

LOGIN = "/login?next=/profile"


class ProfileState(SessionState):
    name: str = ""
    email: str = ""
    time_zone: str = "UTC"
    loaded: bool = False
    saving: bool = False
    form_version: int = 0

    def _show(self, account: Account) -> None:
        self.name, self.email, self.time_zone = account.name, account.email, account.time_zone
        self.learner_name = account.name
        self.loaded = True
        self.form_version += 1  # remount the form so its fields show the stored values

    @rx.event
    async def load(self) -> EventSpec | None:
        account = await self._account()
        if account is None:
            self.loaded, self.name, self.email = False, "", ""
            return rx.redirect(LOGIN)
        self._show(account)
        await refresh_sync(self, account.id)
        return None

    @rx.event
    async def save(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        # The learner is the cookie's, never one named by the browser: the form only carries the new values.
        account = await self._account()
        if account is None:
            yield rx.redirect(LOGIN)
            return
        self.saving = True
        yield None
        try:
            name, zone = str(form.get("name", "")), str(form.get("time_zone", ""))
            updated = await asyncio.to_thread(update_profile, db(), account.id, name, zone)
        except LearnappError as error:
            yield rx.toast.error(error.message)
            return
        finally:
            self.saving = False
        self._show(updated)
        yield rx.toast.success("Profile saved")


def labelled(label: str, html_for: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=html_for, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
        control,
        *([rx.text(hint, id=f"{html_for}-hint", size="1", color_scheme="gray")] if hint else []),
        spacing="1",
        width="100%",
    )


def zone_options() -> rx.Component:
    """Every IANA zone, fixed at build time, so the field suggests as the learner types."""
    return rx.el.datalist(*[rx.el.option(value=zone) for zone in time_zones()], id="time-zones")


def email_field() -> rx.Component:
    """Outside the form: shown, never submitted."""
    return labelled(
        "Email",
        "email",
        rx.input(
            id="email",
            value=ProfileState.email,
            read_only=True,
            aria_describedby="email-hint",
            size="3",
            width="100%",
            variant="soft",
        ),
        "Your email signs you in; it cannot be changed here.",
    )


def profile_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            labelled(
                "Name",
                "name",
                rx.input(
                    id="name",
                    name="name",
                    default_value=ProfileState.name,
                    required=True,
                    max_length=MAX_NAME,
                    auto_complete="name",
                    size="3",
                    width="100%",
                ),
            ),
            labelled(
                "Time zone",
                "time_zone",
                rx.input(
                    id="time_zone",
                    name="time_zone",
                    list="time-zones",
                    default_value=ProfileState.time_zone,
                    required=True,
                    auto_complete="off",
                    spell_check=False,
                    size="3",
                    width="100%",
                    aria_describedby="time_zone-hint",
                ),
                "Type to search, e.g. Europe/Paris. Your streak days start and end at midnight in this zone.",
            ),
            zone_options(),
            rx.button("Save", type="submit", size="3", loading=ProfileState.saving),
            spacing="4",
            width="100%",
            align="start",
        ),
        key=ProfileState.form_version,
        on_submit=ProfileState.save,
        reset_on_submit=False,
        width="100%",
    )


def profile_page() -> rx.Component:
    return page(
        rx.heading("Profile", size="8", as_="h1"),
        rx.cond(
            ProfileState.loaded,
            rx.card(
                rx.vstack(email_field(), profile_form(), spacing="4", width="100%"),
                size="3",
                width="100%",
                max_width="36em",
            ),
            rx.spinner(size="3"),
        ),
        size="2",
    )

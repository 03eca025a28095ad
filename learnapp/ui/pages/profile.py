"""UI: the profile page: the signed-in learner's name, email (changed by confirmation), time zone and API tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.services.accounts.learners import MAX_NAME, Account, time_zones, update_profile
from learnapp.services.accounts.sessions import account_changed
from learnapp.services.accounts.tokens import MAX_LIVE, TokenView, create_token, list_tokens, revoke_token
from learnapp.services.accounts.tokens import MAX_NAME as MAX_TOKEN_NAME
from learnapp.services.errors import LearnappError
from learnapp.ui.components.layout import keyed_form, page
from learnapp.ui.events import event
from learnapp.ui.live.channel import show_progress
from learnapp.ui.pages.profile_email import email_card
from learnapp.ui.pages.profile_email_change import email_change_card
from learnapp.ui.pages.profile_sessions import sessions_card
from learnapp.ui.session import SessionState, db

LOGIN = routes.login_then(routes.PROFILE)
# The expiry choices offered for a new token: the select's value and its label.
EXPIRY_CHOICES = {
    "never": "Never expires",
    "30": "Expires in 30 days",
    "90": "Expires in 90 days",
    "365": "Expires in 1 year",
}


class ProfileState(SessionState):
    name: rx.Field[str] = rx.field("")
    email: rx.Field[str] = rx.field("")
    time_zone: rx.Field[str] = rx.field("UTC")
    loaded: rx.Field[bool] = rx.field(False)
    saving: rx.Field[bool] = rx.field(False)
    form_version: rx.Field[int] = rx.field(0)
    # Active API tokens (never their secrets); a new secret is held only until the page is left.
    tokens: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    new_token: rx.Field[str] = rx.field("")
    # Why the last token action was refused, shown in the card (a toast from the server would need eval).
    token_error: rx.Field[str] = rx.field("")

    def _show(self, account: Account) -> None:
        # Remount the form (its fields take default values) only when the stored values differ from the ones it
        # shows: after a reload the tab shows the state it had at once, and a remount when the page's load answers
        # would wipe what the learner typed in the meantime.
        if not self.loaded or (self.name, self.time_zone) != (account.name, account.time_zone):
            self.form_version += 1
        self.name, self.email, self.time_zone = account.name, account.email, account.time_zone
        self.learner_name = account.name
        self.loaded = True

    @event
    async def load(self) -> EventSpec | None:
        account = await self._account()
        if account is None:
            self.loaded, self.name, self.email = False, "", ""
            return rx.redirect(LOGIN)
        self._show(account)
        self.new_token, self.token_error = "", ""
        await self._load_tokens(account.id)
        await show_progress(self, account.id)
        return None

    async def _load_tokens(self, learner_id: int) -> None:
        views = await asyncio.to_thread(list_tokens, db(), learner_id)
        self.tokens = [_token_row(view) for view in views if view.active]

    @event
    async def create_api_token(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        account = await self._account()
        if account is None:
            yield rx.redirect(LOGIN)
            return
        expiry = str(form.get("token_expiry", "never"))
        if expiry not in EXPIRY_CHOICES:
            self.token_error = "Choose when the token expires"
            return
        days = None if expiry == "never" else int(expiry)
        try:
            created = await asyncio.to_thread(create_token, db(), account.id, str(form.get("token_name", "")), days)
        except LearnappError as error:
            self.token_error = error.message
            return
        self.new_token, self.token_error = created.secret, ""
        await self._load_tokens(account.id)

    @event
    async def revoke_api_token(self, token_id: str) -> AsyncIterator[EventSpec | None]:
        # Only the signed-in learner's own tokens: revoke_token treats any other id as unknown.
        account = await self._account()
        if account is None:
            yield rx.redirect(LOGIN)
            return
        try:
            await asyncio.to_thread(revoke_token, db(), int(token_id), account.id)
            self.token_error = ""
        except (LearnappError, ValueError):
            self.token_error = "That token is already gone"
        await self._load_tokens(account.id)

    @event
    def dismiss_token(self) -> None:
        self.new_token = ""

    @event
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
            account_changed(updated)  # a reload right after shows the new name, not the one checked a moment ago
        except LearnappError as error:
            yield rx.toast.error(error.message)
            return
        finally:
            self.saving = False
        self._show(updated)
        yield rx.toast.success("Profile saved")


def _token_row(view: TokenView) -> dict[str, str]:
    return {
        "id": str(view.id),
        "name": view.name,
        "prefix": view.prefix,
        "created": view.created_at.isoformat(),
        "last_used": view.last_used_at.isoformat() if view.last_used_at else "",
        "expires": view.expires_at.isoformat() if view.expires_at else "",
    }


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
        "Your email signs you in. To use another one, see Change email below.",
    )


def profile_form() -> rx.Component:
    return keyed_form(
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
        key=ProfileState.form_version,
        on_submit=ProfileState.save,
        spacing="4",
    )


def new_token_notice() -> rx.Component:
    return rx.cond(
        ProfileState.new_token != "",
        rx.callout.root(
            rx.vstack(
                rx.callout.text("Copy your new token now: it will not be shown again."),
                rx.hstack(
                    rx.input(
                        value=ProfileState.new_token, read_only=True, aria_label="New API token", width="100%", size="2"
                    ),
                    rx.button("Copy", on_click=[rx.set_clipboard(ProfileState.new_token), rx.toast("Token copied")]),
                    rx.button("Done", variant="soft", on_click=ProfileState.dismiss_token),
                    width="100%",
                ),
                width="100%",
            ),
            color_scheme="green",
            width="100%",
        ),
    )


def token_item(token: ObjectVar[dict[str, str]]) -> rx.Component:
    used = rx.cond(
        token["last_used"] != "",
        rx.text("last used ", rx.moment(token["last_used"], from_now=True), as_="span"),
        rx.text("never used", as_="span"),
    )
    expires = rx.cond(
        token["expires"] != "",
        rx.text("expires ", rx.moment(token["expires"], from_now=True), as_="span"),
        rx.text("never expires", as_="span"),
    )
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(token["name"], weight="medium"),
                rx.text(
                    rx.code(token["prefix"] + "…"),
                    " · created ",
                    rx.moment(token["created"], from_now=True),
                    size="1",
                    color_scheme="gray",
                ),
                rx.text(used, " · ", expires, size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.button(
                "Revoke",
                color_scheme="red",
                variant="soft",
                aria_label="Revoke token " + token["name"],
                on_click=ProfileState.revoke_api_token(token["id"]),
            ),
            align="center",
            width="100%",
        ),
        style={"listStyle": "none", "padding": "0.75em 0", "borderTop": "1px solid var(--gray-a5)"},
    )


def expiry_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Token expiry", id="token_expiry"),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in EXPIRY_CHOICES.items()]),
        name="token_expiry",
        default_value="never",
        size="3",
    )


def token_error_notice() -> rx.Component:
    return rx.cond(
        ProfileState.token_error != "",
        rx.callout(ProfileState.token_error, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def tokens_card() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.input(
                id="token_name",
                name="token_name",
                placeholder="What is it for? e.g. grading script",
                aria_label="Token name",
                required=True,
                max_length=MAX_TOKEN_NAME,
                size="3",
                width="100%",
            ),
            rx.hstack(
                expiry_select(),
                rx.button("Create token", type="submit", size="3"),
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=ProfileState.create_api_token,
        reset_on_submit=True,
        width="100%",
    )
    listed = rx.cond(
        ProfileState.tokens.length() > 0,
        rx.el.ul(rx.foreach(ProfileState.tokens, token_item), style={"padding": 0, "margin": 0, "width": "100%"}),
        rx.text("No tokens yet.", size="2", color_scheme="gray"),
    )
    intro = "A token lets a script or another app use the learnapp API as you (see /api/v1/docs). Keep it secret."
    count = rx.text(
        ProfileState.tokens.length(),
        f" of {MAX_LIVE} active tokens",
        size="1",
        color_scheme="gray",
    )
    return rx.card(
        rx.vstack(
            rx.heading("API tokens", size="5", as_="h2"),
            rx.text(intro, size="2", color_scheme="gray"),
            new_token_notice(),
            token_error_notice(),
            form,
            listed,
            count,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        max_width="36em",
    )


def profile_page() -> rx.Component:
    return page(
        rx.heading("Profile", size="8", as_="h1"),
        rx.cond(
            ProfileState.loaded,
            rx.vstack(
                rx.card(
                    rx.vstack(email_field(), profile_form(), spacing="4", width="100%"),
                    size="3",
                    width="100%",
                    max_width="36em",
                ),
                email_change_card(),
                tokens_card(),
                sessions_card(),
                email_card(),
                spacing="5",
                width="100%",
            ),
            rx.spinner(size="3"),
        ),
        size="2",
    )

"""UI: the admin's Webhooks page: endpoints (add with a secret shown once, pause, delete) and their delivery log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.persistence.webhooks import DeliveryLog
from learnapp.services.errors import LearnappError
from learnapp.services.integrations import webhooks as service
from learnapp.services.integrations.webhooks import TOPICS, EndpointView
from learnapp.ui.components.layout import data_table, keyed_form, visually_hidden
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import AdminState, admin_page, crumbs, header, number
from learnapp.ui.session import db

EVENT_FIELD = "event:"  # the form's checkbox names: event:<type>; the service decides which types exist
CHECKED = {"lesson.completed", "course.completed", "pathway.completed"}  # the add form's suggestion
COLORS = {"delivered": "green", "pending": "orange", "working": "blue", "failed": "red"}


def _endpoint(view: EndpointView, zone: ZoneInfo) -> dict[str, str]:
    return {
        "id": str(view.id),
        "url": view.url,
        "events": ", ".join(view.topics),
        "state": "enabled" if view.enabled else "paused",
        "color": "green" if view.enabled else "gray",
        "reason": view.disabled_reason,
        "failures": number(view.failures),
        "deliveries": " · ".join(f"{number(n)} {status}" for status, n in sorted(view.deliveries.items())) or "none",
        "created": view.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "enabled": "yes" if view.enabled else "",
    }


def _delivery(row: DeliveryLog, zone: ZoneInfo) -> dict[str, str]:
    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"

    return {
        "id": str(row.id),
        "created": when(row.created_at),
        "type": row.type,
        "learner": f"#{row.learner_id} v{row.version}",
        "status": row.status,
        "color": COLORS.get(row.status, "gray"),
        "code": str(row.response_code) if row.response_code is not None else "—",
        "latency": f"{row.latency_ms} ms" if row.latency_ms is not None else "—",
        "attempts": str(row.attempts),
        "error": row.last_error or "—",
        "next": when(row.next_attempt_at) if row.status == "pending" else "—",
        "resend": "" if row.status == "working" else "yes",  # one being posted right now cannot be queued again
    }


class WebhooksState(AdminState):
    endpoints: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    # The endpoint whose delivery log is open, and its log.
    selected: rx.Field[str] = rx.field("")
    selected_url: rx.Field[str] = rx.field("")
    log: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    # A new endpoint's signing secret: shown once, kept only until dismissed or the page is left.
    new_secret: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")  # why the last action was refused (the service's reason)
    notice: rx.Field[str] = rx.field("")
    form_version: rx.Field[int] = rx.field(0)  # a new key empties the add form after an endpoint was added

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        self.new_secret, self.error, self.notice, self.selected, self.selected_url, self.log = "", "", "", "", "", []
        yield None
        await self._show()

    @event
    async def refresh(self) -> None:
        await self._show()

    async def _show(self) -> bool:
        account = await self._admin()
        if account is None:
            self.endpoints, self.log, self.new_secret, self.selected = [], [], "", ""
            return False
        zone = ZoneInfo(account.time_zone or "UTC")
        views = await asyncio.to_thread(service.list_endpoints, db())
        self.endpoints = [_endpoint(view, zone) for view in views]
        shown = next((view for view in views if str(view.id) == self.selected), None)
        if shown is None:
            self.selected, self.selected_url, self.log = "", "", []
        else:
            rows = await asyncio.to_thread(service.delivery_log, db(), shown.id)
            self.selected_url, self.log = shown.url, [_delivery(row, zone) for row in rows]
        self._stamp(account, datetime.now(ZoneInfo("UTC")))
        return True

    async def _act(self, action: Any, *arguments: Any) -> bool:
        """Run a service call for a signed-in admin; a refusal shows the service's own reason."""
        if await self._admin() is None:
            self.endpoints, self.log, self.new_secret = [], [], ""
            return False
        try:
            await asyncio.to_thread(action, db(), *arguments)
        except LearnappError as error:
            self.error, self.notice = error.message, ""
            await self._show()
            return False
        self.error = ""
        return True

    @event
    async def add(self, form: dict[str, Any]) -> None:
        url = str(form.get("url", ""))[:2000]
        events = [
            str(name)[len(EVENT_FIELD) :] for name, value in form.items() if str(name).startswith(EVENT_FIELD) and value
        ]
        self.new_secret = ""
        if await self._admin() is None:
            self.endpoints, self.log = [], []
            return
        try:
            view, secret = await asyncio.to_thread(service.add_endpoint, db(), url, events)
        except LearnappError as error:
            self.error, self.notice = error.message, ""
            return
        self.error, self.new_secret = "", secret
        self.notice = f"Added {view.url}. Copy its signing secret now: it is not shown again."
        self.form_version += 1
        await self._show()

    @event
    def dismiss_secret(self) -> None:
        self.new_secret, self.notice = "", ""

    @event
    async def set_enabled(self, endpoint_id: str, enabled: bool) -> None:
        if await self._act(service.set_endpoint_enabled, _id(endpoint_id), enabled is True):
            self.notice = "Enabled again: its pending deliveries resume." if enabled else "Paused: nothing is posted."
        await self._show()

    @event
    async def delete(self, endpoint_id: str) -> None:
        if await self._act(service.remove_endpoint, _id(endpoint_id)):
            self.notice = "Deleted the endpoint and its delivery log."
        await self._show()

    @event
    async def show_log(self, endpoint_id: str) -> None:
        self.selected = str(_id(endpoint_id))
        if not await self._show():
            self.selected = ""

    @event
    async def resend(self, endpoint_id: str, delivery_id: str) -> None:
        if await self._act(service.resend, _id(endpoint_id), _id(delivery_id)):
            self.notice = "Queued again: the worker posts it within seconds, with the same webhook-id."
        await self._show()


def _id(value: object) -> int:
    """An id from the page; anything else is 0, which no row has (the service answers "unknown")."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else 0


S = WebhooksState


def add_form() -> rx.Component:
    return keyed_form(
        rx.heading("Add an endpoint", size="4", as_="h2"),
        rx.vstack(
            rx.el.label("Endpoint URL", html_for="webhook-url", class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
            rx.input(
                id="webhook-url",
                name="url",
                placeholder="https://hooks.example.org/learnapp",
                required=True,
                max_length=2000,
                width="100%",
                aria_describedby="webhook-url-hint",
            ),
            rx.text(
                "https only; no private, loopback or link-local address unless the operator allows it.",
                id="webhook-url-hint",
                size="1",
                color_scheme="gray",
            ),
            spacing="1",
            width="100%",
        ),
        rx.el.fieldset(
            rx.el.legend("Events to send", class_name="rt-Text rt-r-size-2 rt-r-weight-medium"),
            rx.grid(
                *(rx.checkbox(topic, name=EVENT_FIELD + topic, default_checked=topic in CHECKED) for topic in TOPICS),
                columns=rx.breakpoints(initial="1", xs="2", md="4"),
                spacing="3",
                padding_top="0.5em",
            ),
            border="none",
            padding="0",
            margin="0",
            min_width="0",
        ),
        rx.button(rx.icon("plus", size=16), "Add endpoint", type="submit"),
        key=S.form_version,
        on_submit=S.add,
    )


def secret_notice() -> rx.Component:
    return rx.cond(
        S.new_secret != "",
        rx.callout.root(
            rx.vstack(
                rx.callout.text(S.notice),
                rx.hstack(
                    rx.code(
                        S.new_secret,
                        id="webhook-secret",
                        size="3",
                        variant="outline",
                        high_contrast=True,
                        word_break="break-all",
                    ),
                    rx.button(
                        "Copy",
                        aria_label="Copy the signing secret",
                        on_click=[rx.set_clipboard(S.new_secret), rx.toast("Secret copied")],
                    ),
                    rx.button("Done", variant="soft", on_click=S.dismiss_secret),
                    align="center",
                    wrap="wrap",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
    )


def delete_dialog(item: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Delete", size="1", variant="soft", color_scheme="red", aria_label="Delete " + item["url"])
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this endpoint?"),
            rx.alert_dialog.description(
                rx.text(item["url"], weight="medium", word_break="break-all"),
                rx.text("Its delivery log goes with it, and events not yet posted to it are not posted.", size="2"),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=S.delete(item["id"]))),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def _endpoint_row(item: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(item["url"], weight="medium", word_break="break-all"), min_width="11em"),
        rx.table.cell(
            rx.vstack(
                rx.badge(item["state"], color_scheme=item["color"].to(str)),
                rx.cond(item["reason"] != "", rx.text(item["reason"], size="1", color_scheme="gray")),
                spacing="1",
            ),
            min_width="8em",
        ),
        rx.table.cell(item["events"], white_space="normal", min_width="12em"),
        rx.table.cell(item["failures"]),
        rx.table.cell(item["deliveries"], white_space="normal", min_width="9em"),
        rx.table.cell(
            rx.flex(
                rx.button(
                    "Delivery log",
                    size="1",
                    variant="soft",
                    aria_label="Delivery log of " + item["url"],
                    on_click=S.show_log(item["id"]),
                ),
                rx.cond(
                    item["enabled"] != "",
                    rx.button(
                        "Pause",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        aria_label="Pause " + item["url"],
                        on_click=S.set_enabled(item["id"], False),
                    ),
                    rx.button(
                        "Enable",
                        size="1",
                        variant="soft",
                        aria_label="Enable " + item["url"],
                        on_click=S.set_enabled(item["id"], True),
                    ),
                ),
                delete_dialog(item),
                spacing="2",
                wrap="wrap",
            ),
            min_width="14em",
        ),
    )


def _log_row(item: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["type"], white_space="nowrap"),
        rx.table.cell(rx.badge(item["status"], color_scheme=item["color"].to(str))),
        rx.table.cell(item["created"], white_space="nowrap"),
        rx.table.cell(item["learner"], white_space="nowrap"),
        rx.table.cell(item["code"]),
        rx.table.cell(item["latency"], white_space="nowrap"),
        rx.table.cell(item["attempts"]),
        rx.table.cell(rx.text(item["error"], size="1"), white_space="normal", min_width="12em"),
        rx.table.cell(item["next"], white_space="nowrap"),
        rx.table.cell(
            rx.cond(
                item["resend"] != "",
                rx.button(
                    "Resend",
                    size="1",
                    variant="soft",
                    aria_label="Resend " + item["type"] + " delivery " + item["id"],
                    on_click=S.resend(S.selected, item["id"]),
                ),
            )
        ),
    )


def delivery_log() -> rx.Component:
    headers: list[str | rx.Component] = [
        "Event",
        "Status",
        "Created",
        "Learner",
        "Response",
        "Latency",
        "Attempts",
        "Last error",
        "Next attempt",
    ]
    return rx.cond(
        S.selected != "",
        rx.card(
            rx.vstack(
                rx.heading("Delivery log", size="4", as_="h2"),
                rx.text(S.selected_url, size="2", color_scheme="gray", word_break="break-all"),
                rx.cond(
                    S.log.length() > 0,
                    data_table(
                        [*headers, visually_hidden("Resend")], S.log, _log_row, "Delivery log of " + S.selected_url
                    ),
                    rx.text("Nothing delivered to it yet.", size="2", color_scheme="gray"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
    )


def webhooks_page() -> rx.Component:
    return admin_page(
        "Webhooks",
        crumbs(("Admin", routes.ADMIN)),
        header("Webhooks", S.refresh),
        rx.text(
            "Progress events are posted to each endpoint signed with its secret (Standard Webhooks), retried for "
            "about a day, then marked failed; an endpoint that keeps failing is paused and admins are told.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            S.error != "", rx.callout(S.error, icon="circle-alert", color_scheme="red", role="alert", width="100%")
        ),
        secret_notice(),
        rx.cond((S.notice != "") & (S.new_secret == ""), rx.callout(S.notice, icon="info", width="100%")),
        rx.card(
            rx.vstack(
                rx.heading("Endpoints", size="4", as_="h2"),
                rx.cond(
                    S.endpoints.length() > 0,
                    data_table(
                        ["URL", "State", "Events", "Failures", "Deliveries", visually_hidden("Actions")],
                        S.endpoints,
                        _endpoint_row,
                        "Webhook endpoints",
                    ),
                    rx.text("No endpoint yet.", size="2", color_scheme="gray"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        delivery_log(),
        rx.card(add_form(), width="100%"),
    )

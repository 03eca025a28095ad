"""UI: the admin's Deliveries page: recent email, its state (queued, sent, retrying, failed with the reason), retry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.services.mail.deliveries import Delivery, recent_deliveries, retry_delivery
from learnapp.ui.components.layout import data_table
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import AdminState, admin_page, crumbs, header
from learnapp.ui.session import db

COLORS = {"sent": "green", "failed": "red", "retrying": "orange", "queued": "gray", "sending": "blue"}


def _row(delivery: Delivery, zone: ZoneInfo) -> dict[str, str]:
    return {
        "id": str(delivery.id),
        "when": delivery.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "to": delivery.to_address,
        "what": delivery.subject,
        "state": delivery.state,
        "color": COLORS.get(delivery.state, "gray"),
        "attempts": str(delivery.attempts),
        "reason": delivery.reason,
        "retry": "yes" if delivery.retryable else "",
    }


class DeliveriesState(AdminState):
    deliveries: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    notice: rx.Field[str] = rx.field("")

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        await self._show()

    async def _show(self) -> None:
        account = await self._admin()
        if account is None:
            self.deliveries = []
            return
        zone = ZoneInfo(account.time_zone or "UTC")
        found = await asyncio.to_thread(recent_deliveries, db())
        self.deliveries = [_row(delivery, zone) for delivery in found]
        self._stamp(account, datetime.now(ZoneInfo("UTC")))

    @event
    async def refresh(self) -> None:
        await self._show()

    @event
    async def retry(self, message_id: str) -> None:
        if await self._admin() is None:
            return
        wanted = int(message_id) if str(message_id).isdigit() else 0
        again = await asyncio.to_thread(retry_delivery, db(), wanted)
        self.notice = "Queued again: the worker sends it within seconds." if again else "Nothing to retry."
        await self._show()


def _delivery(item: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["when"], white_space="nowrap"),
        rx.table.cell(item["to"]),
        rx.table.cell(item["what"], white_space="normal", min_width="14em"),
        rx.table.cell(rx.badge(item["state"], color_scheme=item["color"].to(str))),
        rx.table.cell(item["attempts"]),
        rx.table.cell(rx.text(item["reason"], size="1", color_scheme="gray"), white_space="normal", min_width="14em"),
        rx.table.cell(
            rx.cond(
                item["retry"] != "",
                rx.button(
                    "Retry",
                    size="1",
                    variant="soft",
                    aria_label="Retry " + item["what"] + " to " + item["to"],
                    on_click=DeliveriesState.retry(item["id"]),
                ),
            )
        ),
    )


def deliveries_page() -> rx.Component:
    headers = ["Queued", "To", "Subject", "State", "Attempts", "Reason", "Retry"]
    return admin_page(
        "Deliveries",
        crumbs(("Admin", routes.ADMIN)),
        header("Deliveries", DeliveriesState.refresh),
        rx.text(
            "The latest 100 emails. A message that cannot reach the mail server is retried with growing waits and "
            "sent when it is back; one the server refuses fails with its reason.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(DeliveriesState.notice != "", rx.callout(DeliveriesState.notice, icon="info", width="100%")),
        rx.card(
            rx.cond(
                DeliveriesState.deliveries.length() > 0,
                data_table(headers, DeliveriesState.deliveries, _delivery, "Recent email deliveries"),
                rx.text("No email yet.", color_scheme="gray"),
            ),
            width="100%",
        ),
    )

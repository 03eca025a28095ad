"""UI: what every admin page shares: the server-side role check, the not-found face, freshness, tiles, tables."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from learnapp.services.accounts.learners import Account
from learnapp.ui.components.layout import page, scroll_box
from learnapp.ui.live.channel import show_progress
from learnapp.ui.session import SessionState

AXIS = 48  # px for the y axis labels ("100%", "1,000")
WRAP = {"lesson", "course", "title", "learner", "what"}  # table columns of names, which may wrap on a phone


class AdminState(SessionState):
    """`status` is "checking" until the role check ends, then "ok" (an admin) or "missing" (anyone else)."""

    status: rx.Field[str] = rx.field("checking")
    as_of: rx.Field[str] = rx.field("")

    async def _admin(self) -> Account | None:
        """Re-checked on the server for every page load and every action: the browser is never trusted."""
        account = await self._account()
        if account is None or account.role != "admin":
            self.status = "missing"
            return None
        await show_progress(self, account.id)
        return account

    def _stamp(self, account: Account, moment: datetime) -> None:
        zone = ZoneInfo(account.time_zone or "UTC")
        self.as_of = moment.astimezone(zone).strftime("%H:%M:%S")
        self.status = "ok"


def not_found() -> rx.Component:
    """What a learner sees at an admin address: nothing that says an admin page lives there."""
    return rx.callout("Page not found", icon="circle-alert", role="alert", width="100%")


def admin_page(title: str, *content: rx.Component) -> rx.Component:
    """The route's own title is a neutral "learnapp"; only an admin's page names itself."""
    named = rx.box(display="none", on_mount=rx.run_script(f"document.title = {json.dumps(title + ' · learnapp')}"))
    waiting = rx.center(rx.spinner(size="3"), padding="4em", width="100%")
    return page(
        # Until this visit's load has answered, the tab holds the state of its last admin page: shown, a file
        # dropped or a button pressed in that moment would be undone by the load (a preview cleared, say).
        rx.cond(
            rx.State.is_hydrated,
            rx.match(
                AdminState.status,
                ("ok", rx.vstack(named, *content, spacing="5", width="100%")),
                ("missing", not_found()),
                waiting,
            ),
            waiting,
        ),
        size="4",
    )


def crumbs(*links: tuple[str, str]) -> rx.Component:
    parts: list[rx.Component] = []
    for text, href in links:
        if parts:
            parts.append(rx.text("/", color_scheme="gray", size="2"))
        parts.append(rx.link(text, href=href, size="2", color_scheme="gray"))
    return rx.hstack(*parts, spacing="2", align="center")


def freshness() -> rx.Component:
    return rx.badge(
        rx.icon("clock", size=12), "data as of " + AdminState.as_of + " (live)", color_scheme="green", variant="soft"
    )


def header(title: rx.Var | str, refresh: rx.EventHandler | None, *actions: rx.Component) -> rx.Component:
    """The page title; with `refresh`, the freshness of the data and a Refresh button."""
    live: list[rx.Component] = []
    if refresh is not None:
        live = [
            freshness(),
            rx.icon_button(rx.icon("refresh-cw", size=16), variant="soft", on_click=refresh, aria_label="Refresh data"),
        ]
    return rx.flex(
        rx.heading(title, size="7", as_="h1"),
        rx.spacer(),
        rx.hstack(
            *live,
            *actions,
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        align="center",
        spacing="3",
        wrap="wrap",
        width="100%",
    )


def tile(item: ArrayVar[list[str]]) -> rx.Component:
    """A labelled figure; `item` is [label, value, hint]."""
    return rx.card(
        rx.vstack(
            rx.text(item[0], size="1", color_scheme="gray", weight="medium", class_name="admin-label"),
            rx.text(item[1], size="6", weight="bold", class_name="admin-figure"),
            rx.text(item[2], size="1", color_scheme="gray"),
            spacing="1",
        ),
        width="100%",
        class_name="admin-tile",
    )


def tiles(items: rx.Var) -> rx.Component:
    return rx.grid(
        rx.foreach(items, tile), columns=rx.breakpoints(initial="2", sm="3", lg="6"), spacing="3", width="100%"
    )


def table(
    headers: list[str], rows: rx.Var, cell_keys: list[str], height: str | None = None, label: str | None = None
) -> rx.Component:
    """A compact table of exact numbers; `rows` is a list of dicts, shown in `cell_keys` order. Its scroll region is
    named `label`, else by its columns (each region of a page needs a name of its own)."""

    def row(item: ObjectVar[dict[str, Any]]) -> rx.Component:
        return rx.table.row(
            *(rx.table.cell(item[key].to(str), white_space="normal" if key in WRAP else "nowrap") for key in cell_keys)
        )

    body = rx.table.root(
        rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
        rx.table.body(rx.foreach(rows, row)),
        size="1",
        variant="ghost",
        width="100%",
    )
    return scroll_box(body, label or "Numbers: " + ", ".join(headers), max_height=height)


def chart_card(title: str, note: str, chart: rx.Component, numbers: rx.Component) -> rx.Component:
    """A chart with its exact numbers beside it (below it on a phone)."""
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            rx.text(note, size="2", color_scheme="gray"),
            rx.grid(
                rx.box(chart, grid_column=rx.breakpoints(initial="span 1", md="span 2"), min_width="0"),
                rx.box(numbers, min_width="0"),
                columns=rx.breakpoints(initial="1", md="3"),
                spacing="4",
                width="100%",
                align="start",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def bar_chart(data: rx.Var, x: str, y: str, name: str, unit: str = "", height: int = 240) -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.bar(
            data_key=y, fill="var(--accent-9)", name=name, radius=[4, 4, 0, 0], unit=unit, is_animation_active=False
        ),
        rx.recharts.x_axis(data_key=x, font_size=11, interval="preserveStartEnd"),
        rx.recharts.y_axis(allow_decimals=False, width=AXIS, font_size=11, unit=unit),
        rx.recharts.graphing_tooltip(),
        data=data,
        height=height,
        width="100%",
    )


def line_chart(data: rx.Var, x: str, y: str, name: str, height: int = 220) -> rx.Component:
    return rx.recharts.area_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.area(
            data_key=y,
            name=name,
            stroke="var(--accent-9)",
            fill="var(--accent-5)",
            type_="monotone",
            dot=False,
            is_animation_active=False,
        ),
        rx.recharts.x_axis(data_key=x, font_size=11, interval="preserveStartEnd", min_tick_gap=24),
        rx.recharts.y_axis(allow_decimals=False, width=AXIS, font_size=11),
        rx.recharts.graphing_tooltip(),
        data=data,
        height=height,
        width="100%",
    )


def number(value: int) -> str:
    return f"{value:,}"


def duration(seconds: float | None) -> str:
    """A time to complete as people say it: minutes, hours or days."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"

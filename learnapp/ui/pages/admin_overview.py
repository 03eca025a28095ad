"""UI: the admin overview: platform figures, courses ranked by completion rate, learner search."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.services.admin.learners import LearnerRow, find_learners
from learnapp.services.admin.stats import Overview, RankedNode, overview
from learnapp.ui.components.layout import data_table, link_button
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import (
    AdminState,
    admin_page,
    bar_chart,
    chart_card,
    header,
    line_chart,
    number,
    table,
    tiles,
)
from learnapp.ui.session import db

Rows = list[dict[str, Any]]


def _node(rank: int, node: RankedNode) -> dict[str, Any]:
    s = node.summary
    return {
        "rank": rank,
        "slug": node.slug,
        "title": node.title,
        "href": routes.admin_node(node.kind, node.slug),
        "lessons": node.lessons,
        "enrolled": number(s.enrolled),
        "started": number(s.started),
        "completed": number(s.completed),
        "rate": s.completion_rate,
        "rate_text": f"{s.completion_rate:.1f}%",
        "average": f"{s.average_percent:.1f}%",
    }


def _learner(row: LearnerRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "role": row.role,
        "enrolled": row.enrollments,
        "completed": row.completed,
        "href": routes.admin_learner(row.id),
    }


class OverviewState(AdminState):
    figures: rx.Field[list[list[str]]] = rx.field(default_factory=list)
    courses: rx.Field[Rows] = rx.field(default_factory=list)
    pathways: rx.Field[Rows] = rx.field(default_factory=list)
    per_day: rx.Field[Rows] = rx.field(default_factory=list)
    recent: rx.Field[Rows] = rx.field(default_factory=list)  # per_day, newest first
    query: rx.Field[str] = rx.field("")
    learners: rx.Field[Rows] = rx.field(default_factory=list)

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        account = await self._admin()
        if account is None:
            self.figures, self.courses, self.pathways, self.per_day, self.recent, self.learners = [], [], [], [], [], []
            return
        view: Overview = await asyncio.to_thread(overview, db(), None, ZoneInfo(account.time_zone or "UTC"))
        found = await asyncio.to_thread(find_learners, db(), self.query)
        enrollments = sum(c.summary.enrolled for c in view.courses)
        self.figures = [
            ["Learners", number(view.learners), "accounts"],
            ["Active", number(view.active_7d), "completed a lesson, last 7 days"],
            ["Completions", number(view.completions_30d), "courses finished, last 30 days"],
            ["Enrollments", number(enrollments), "in courses"],
            ["Courses", number(len(view.courses)), "published"],
            ["Pathways", number(len(view.pathways)), "published"],
        ]
        self.courses = [_node(i, c) for i, c in enumerate(view.courses, start=1)]
        self.pathways = [_node(i, p) for i, p in enumerate(view.pathways, start=1)]
        self.per_day = [{"day": day.strftime("%-d %b"), "completions": n} for day, n in view.per_day]
        self.recent = self.per_day[::-1]
        self.learners = [_learner(r) for r in found]
        self._stamp(account, view.as_of)

    @event
    async def search(self, form: dict[str, Any]) -> None:
        if await self._admin() is None:
            self.learners = []
            return
        self.query = str(form.get("query", ""))[:100]
        self.learners = [_learner(r) for r in await asyncio.to_thread(find_learners, db(), self.query)]


def ranked_table(rows: rx.Var, kind: str) -> rx.Component:
    def row(item: ObjectVar[dict[str, Any]]) -> rx.Component:
        return rx.table.row(
            rx.table.cell(item["rank"].to(str)),
            rx.table.row_header_cell(rx.link(item["title"].to(str), href=item["href"].to(str), weight="medium")),
            rx.table.cell(item["lessons"].to(str)),
            rx.table.cell(item["enrolled"].to(str)),
            rx.table.cell(item["started"].to(str)),
            rx.table.cell(item["completed"].to(str)),
            rx.table.cell(rx.badge(item["rate_text"].to(str), variant="soft", color_scheme="green")),
            rx.table.cell(item["average"].to(str)),
        )

    heads = ["#", kind, "Lessons", "Enrolled", "Started", "Completed", "Completion rate", "Avg progress"]
    return data_table(heads, rows, row, kind + " table", size="2", ghost=False)


def learner_search() -> rx.Component:
    def row(item: ObjectVar[dict[str, Any]]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(rx.link(item["name"].to(str), href=item["href"].to(str), weight="medium")),
            rx.table.cell(item["email"].to(str)),
            rx.table.cell(item["enrolled"].to(str)),
            rx.table.cell(item["completed"].to(str)),
        )

    return rx.card(
        rx.vstack(
            rx.heading("Learners", size="4", as_="h2"),
            rx.form(
                rx.hstack(
                    rx.input(name="query", placeholder="Name, email or id", aria_label="Find a learner", width="100%"),
                    rx.button(rx.icon("search", size=16), "Search", type="submit"),
                    width="100%",
                ),
                on_submit=OverviewState.search,
                width="100%",
            ),
            data_table(
                ["Name", "Email", "Enrollments", "Completed"],
                OverviewState.learners,
                row,
                "Learners found",
                ghost=False,
                max_height="360px",
            ),
            rx.cond(OverviewState.learners.length() == 0, rx.text("No learner matches.", color_scheme="gray")),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def overview_page() -> rx.Component:
    rates = bar_chart(OverviewState.courses, "title", "rate", "Completion rate", unit="%", height=260)
    return admin_page(
        "Admin",
        header(
            "Admin",
            OverviewState.load,
            link_button(rx.icon("upload", size=16), "Update content", href=routes.ADMIN_CONTENT, variant="soft"),
            link_button(rx.icon("mail", size=16), "Deliveries", href=routes.ADMIN_DELIVERIES, variant="soft"),
            link_button(rx.icon("history", size=16), "Operations", href=routes.ADMIN_OPERATIONS, variant="soft"),
            link_button(rx.icon("webhook", size=16), "Webhooks", href=routes.ADMIN_WEBHOOKS, variant="soft"),
        ),
        tiles(OverviewState.figures),
        rx.card(
            rx.vstack(
                rx.heading("Courses by completion rate", size="4", as_="h2"),
                rates,
                ranked_table(OverviewState.courses, "Course"),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Pathways", size="4", as_="h2"),
                ranked_table(OverviewState.pathways, "Pathway"),
                width="100%",
            ),
            width="100%",
        ),
        chart_card(
            "Course completions per day",
            "First completions of any course per day in your time zone, last 90 days.",
            line_chart(OverviewState.per_day, "day", "completions", "Completions"),
            table(["Day", "Completions"], OverviewState.recent, ["day", "completions"], height="220px"),
        ),
        learner_search(),
    )

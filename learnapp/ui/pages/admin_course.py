"""UI: admin statistics of one course or pathway: figures, histograms, lesson funnel, completions per day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec

from learnapp.domain import routes
from learnapp.services.admin.stats import NodeStats, course_stats, pathway_stats
from learnapp.services.errors import NotFound
from learnapp.ui.components.layout import link_button
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import (
    AXIS,
    AdminState,
    admin_page,
    bar_chart,
    chart_card,
    crumbs,
    duration,
    header,
    line_chart,
    number,
    table,
    tiles,
)
from learnapp.ui.session import db

Rows = list[dict[str, Any]]


class NodeStatsState(AdminState):
    kind: rx.Field[str] = rx.field("course")
    slug: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    figures: rx.Field[list[list[str]]] = rx.field(default_factory=list)
    progress: rx.Field[Rows] = rx.field(default_factory=list)
    times: rx.Field[Rows] = rx.field(default_factory=list)
    funnel: rx.Field[Rows] = rx.field(default_factory=list)
    per_day: rx.Field[Rows] = rx.field(default_factory=list)
    recent: rx.Field[Rows] = rx.field(default_factory=list)  # per_day, newest first, for the table
    courses: rx.Field[Rows] = rx.field(default_factory=list)

    async def _load(self, kind: str) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        account = await self._admin()
        if account is None:
            self._forget()
            return
        read = course_stats if kind == "course" else pathway_stats
        try:
            # Per-day counts on the admin's own calendar (the profile's time zone).
            stats = await asyncio.to_thread(read, db(), self._param(kind), None, ZoneInfo(account.time_zone or "UTC"))
        except NotFound:
            self.status = "missing"
            self._forget()
            return
        self._show(stats)
        self._stamp(account, stats.as_of)

    @event
    async def load_course(self) -> AsyncIterator[EventSpec | None]:
        async for step in self._load("course"):
            yield step

    @event
    async def load_pathway(self) -> AsyncIterator[EventSpec | None]:
        async for step in self._load("pathway"):
            yield step

    @event
    async def refresh(self) -> AsyncIterator[EventSpec | None]:
        async for step in self._load(self.kind):
            yield step

    def _forget(self) -> None:
        self.title, self.figures, self.progress, self.times, self.funnel = "", [], [], [], []
        self.per_day, self.recent, self.courses = [], [], []

    def _show(self, stats: NodeStats) -> None:
        s = stats.summary
        self.kind, self.slug, self.title = stats.kind, stats.slug, stats.title
        self.figures = [
            ["Enrolled", number(s.enrolled), f"{number(stats.lessons)} lessons"],
            ["Started", number(s.started), "completed a lesson"],
            ["Completed", number(s.completed), "complete now"],
            ["Completion rate", f"{s.completion_rate:.1f}%", "of the enrolled"],
            ["Average progress", f"{s.average_percent:.1f}%", "of the enrolled"],
            ["Median time", duration(stats.median_seconds), "enrollment → completion"],
        ]
        self.progress = [{"bucket": b.label, "learners": b.count} for b in stats.progress_histogram]
        self.times = [{"bucket": b.label, "learners": b.count} for b in stats.time_histogram]
        self.funnel = [
            {
                "n": f.position,
                "lesson": f.title,
                "done": number(f.completed),
                "share": f.percent,
                "pct": f"{f.percent:.1f}%",
            }
            for f in stats.funnel
        ]
        self.per_day = [{"day": day.strftime("%-d %b"), "completions": count} for day, count in stats.per_day]
        self.recent = self.per_day[::-1]
        self.courses = [
            {
                "n": f.position,
                "course": f.title,
                "done": number(f.completed),
                "share": f.percent,
                "pct": f"{f.percent:.1f}%",
            }
            for f in stats.course_funnel
        ]


S = NodeStatsState


def funnel_card() -> rx.Component:
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.bar(
            data_key="share", fill="var(--accent-9)", name="Completed", unit="%", is_animation_active=False
        ),
        rx.recharts.x_axis(data_key="n", font_size=11, interval="preserveStartEnd", min_tick_gap=16),
        rx.recharts.y_axis(domain=[0, 100], width=AXIS, font_size=11, unit="%"),
        rx.recharts.graphing_tooltip(),
        data=S.funnel,
        bar_category_gap="10%",
        height=260,
        width="100%",
    )
    numbers = table(["#", "Lesson", "Done", "Share"], S.funnel, ["n", "lesson", "done", "pct"], height="260px")
    note = "Share of the enrolled learners who completed each lesson, in course order: where they drop off."
    return chart_card("Lesson funnel", note, chart, numbers)


def course_funnel_card() -> rx.Component:
    chart = bar_chart(S.courses, "course", "share", "Completed the course", unit="%", height=200)
    numbers = table(["#", "Course", "Done", "Share"], S.courses, ["n", "course", "done", "pct"])
    return chart_card(
        "Courses of this pathway", "Share of the pathway's learners who completed each course.", chart, numbers
    )


def stats_view() -> rx.Component:
    return rx.vstack(
        crumbs(("Admin", routes.ADMIN), (rx.cond(S.kind == "course", "Courses", "Pathways"), routes.ADMIN)),
        header(
            S.title,
            NodeStatsState.refresh,
            rx.cond(
                S.kind == "course",
                link_button(
                    rx.icon("download", size=16),
                    "Download CSV",
                    href="/admin-files/courses/" + S.slug + "/progress.csv",  # served by api/admin_files.py
                    new_tab=True,
                    variant="soft",
                ),
            ),
        ),
        tiles(S.figures),
        rx.grid(
            chart_card(
                "Progress",
                "Enrolled learners by stored progress.",
                bar_chart(S.progress, "bucket", "learners", "Learners"),
                table(["Progress", "Learners"], S.progress, ["bucket", "learners"]),
            ),
            chart_card(
                "Time to complete",
                "From enrollment to first completion.",
                bar_chart(S.times, "bucket", "learners", "Learners"),
                table(["Time", "Learners"], S.times, ["bucket", "learners"]),
            ),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="4",
            width="100%",
        ),
        rx.cond(S.kind == "pathway", course_funnel_card()),
        funnel_card(),
        chart_card(
            "Completions per day",
            "First completions per day in your time zone, last 90 days.",
            line_chart(S.per_day, "day", "completions", "Completions"),
            table(["Day", "Completions"], S.recent, ["day", "completions"], height="220px"),
        ),
        spacing="5",
        width="100%",
    )


def course_stats_page() -> rx.Component:
    return admin_page("Course statistics", stats_view())


def pathway_stats_page() -> rx.Component:
    return admin_page("Pathway statistics", stats_view())

"""UI: one learner as an admin sees them: enrollments, certificates, history; reset a course, re-issue."""

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
from learnapp.domain.ids import parse_id
from learnapp.services.admin.learners import (
    HistoryItem,
    LearnerDetail,
    learner_detail,
    reissue_certificate,
)
from learnapp.services.engine.completion import reset_course
from learnapp.services.errors import LearnappError, NotFound
from learnapp.services.learning.views import NodeView
from learnapp.services.notices.certificates import CertificateView
from learnapp.ui.components.layout import data_table, progress_bar, visually_hidden
from learnapp.ui.events import event
from learnapp.ui.pages.admin_common import AdminState, admin_page, crumbs, header, table, tiles
from learnapp.ui.session import db

Rows = list[dict[str, Any]]


def _when(moment: datetime | None, zone: ZoneInfo, with_time: bool = False) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(zone).strftime("%-d %b %Y %H:%M" if with_time else "%-d %b %Y")


def _enrollment(e: NodeView, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "slug": e.slug,
        "title": e.title,
        "percent": e.percent,
        "counts": f"{e.completed}/{e.total}",
        "enrolled": _when(e.enrolled_at, zone),
        "opened": _when(e.last_accessed_at, zone),
        "finished": _when(e.first_completed_at, zone),
        "href": routes.admin_node(e.kind, e.slug),
    }


def _certificate(c: CertificateView) -> dict[str, Any]:
    on = c.completed_on.strftime("%-d %b %Y")
    return {"id": c.id, "title": c.title, "status": c.status, "code": c.code, "on": on, "attempts": c.attempts}


def _event(h: HistoryItem, zone: ZoneInfo) -> dict[str, Any]:
    what = h.lesson or h.node or "—"
    return {"at": _when(h.at, zone, True), "action": h.action, "source": h.source, "by": h.actor, "what": what}


def requested_learner(raw: str) -> int | None:
    """The learner id in /admin/learners/[id]; None (the page's "not found") for anything but an id in range."""
    return parse_id(raw)


class LearnerAdminState(AdminState):
    name: rx.Field[str] = rx.field("")
    email: rx.Field[str] = rx.field("")
    figures: rx.Field[list[list[str]]] = rx.field(default_factory=list)
    courses: rx.Field[Rows] = rx.field(default_factory=list)
    pathways: rx.Field[Rows] = rx.field(default_factory=list)
    certificates: rx.Field[Rows] = rx.field(default_factory=list)
    history: rx.Field[Rows] = rx.field(default_factory=list)
    _learner: int = 0  # backend only: the learner this page shows, read from the address on load

    @event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        self.status = "checking"
        yield None
        await self._read()

    async def _read(self) -> None:
        account = await self._admin()
        learner_id = requested_learner(self._param("id"))
        if account is None or learner_id is None:
            self._forget()
            return
        try:
            detail = await asyncio.to_thread(learner_detail, db(), learner_id)
        except NotFound:
            self._forget()
            return
        self._learner = detail.id
        self._show(detail, ZoneInfo(account.time_zone or "UTC"))
        self._stamp(account, datetime.now(ZoneInfo("UTC")))

    def _forget(self) -> None:
        """Not an admin, or no such learner: the same 'not found', and no learner data left in this state."""
        self.status = "missing"
        self.name, self.email, self.figures, self.courses, self.pathways = "", "", [], [], []
        self.certificates, self.history, self._learner = [], [], 0

    def _show(self, d: LearnerDetail, zone: ZoneInfo) -> None:
        self.name, self.email = d.name, d.email
        done = sum(1 for e in d.enrollments if e.complete)
        self.figures = [
            ["Enrollments", str(len(d.enrollments)), "courses and pathways"],
            ["Completed", str(done), "complete now"],
            ["Lessons", str(d.lessons_completed), "completed"],
            ["Certificates", str(len(d.certificates)), "earned"],
            ["Role", d.role, f"time zone {d.time_zone}"],
            ["Joined", _when(d.created_at, zone), "account created"],
        ]
        rows = [_enrollment(e, zone) for e in d.enrollments]
        self.courses = [r for r in rows if r["kind"] == "course"]
        self.pathways = [r for r in rows if r["kind"] == "pathway"]
        self.certificates = [_certificate(c) for c in d.certificates]
        self.history = [_event(h, zone) for h in d.history]

    @event
    async def reset_enrollment(self, course_slug: str) -> AsyncIterator[EventSpec | None]:
        admin = await self._admin()
        if admin is None or not self._learner:
            self._forget()
            return
        try:
            await asyncio.to_thread(reset_course, db(), self._learner, course_slug, "admin", admin.id)
        except LearnappError as error:
            yield rx.toast.error(error.message)
            return
        await self._read()
        yield rx.toast.success("Course reset: the learner starts it over. Recorded in the history.")

    @event
    async def reissue(self, certificate_id: int) -> AsyncIterator[EventSpec | None]:
        admin = await self._admin()
        if admin is None or not self._learner:
            self._forget()
            return
        wanted = parse_id(certificate_id)  # sent by the browser: an out-of-range number must not reach the database
        if wanted is None:
            yield rx.toast.error("Unknown certificate")
            return
        try:
            await asyncio.to_thread(reissue_certificate, db(), self._learner, wanted, admin.id)
        except LearnappError as error:
            yield rx.toast.error(error.message)
            return
        await self._read()
        yield rx.toast.success("Certificate queued to be rendered again (same code).")


S = LearnerAdminState


def reset_dialog(item: ObjectVar[dict[str, Any]]) -> rx.Component:
    title = item["title"].to(str)
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Reset", size="1", variant="soft", color_scheme="red")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Reset " + title + " for " + S.name + "?"),
            rx.alert_dialog.description(
                "Their completions of this course's lessons are removed (the history keeps them) and they start it "
                "over. Certificates already earned stay valid. This is recorded as your action."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Reset course", color_scheme="red", on_click=S.reset_enrollment(item["slug"].to(str)))
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def actions_header() -> rx.Component:
    """The column of buttons has no header on screen, but a screen reader still needs one."""
    return visually_hidden("Actions")


def enrollment_table(rows: rx.Var, with_reset: bool) -> rx.Component:
    def row(item: ObjectVar[dict[str, Any]]) -> rx.Component:
        cells = [
            rx.table.row_header_cell(rx.link(item["title"].to(str), href=item["href"].to(str), weight="medium")),
            rx.table.cell(rx.box(progress_bar(item["percent"].to(int), "Progress"), min_width="9em")),
            rx.table.cell(item["counts"].to(str)),
            rx.table.cell(item["enrolled"].to(str)),
            rx.table.cell(item["opened"].to(str)),
            rx.table.cell(item["finished"].to(str)),
        ]
        if with_reset:
            cells.append(rx.table.cell(reset_dialog(item)))
        return rx.table.row(*cells, align="center")

    heads: list[str | rx.Component] = ["Title", "Progress", "Lessons", "Enrolled", "Last opened", "First completed"]
    heads += [actions_header()] if with_reset else []
    return data_table(heads, rows, row, "Courses" if with_reset else "Pathways", size="2", ghost=False)


def certificate_table() -> rx.Component:
    def row(item: ObjectVar[dict[str, Any]]) -> rx.Component:
        status = item["status"].to(str)
        return rx.table.row(
            rx.table.row_header_cell(item["title"].to(str)),
            rx.table.cell(
                rx.badge(status, color_scheme=rx.match(status, ("issued", "green"), ("failed", "red"), "amber"))
            ),
            rx.table.cell(rx.code(item["code"].to(str))),
            rx.table.cell(item["on"].to(str)),
            rx.table.cell(item["attempts"].to(str)),
            rx.table.cell(rx.button("Re-issue", size="1", variant="soft", on_click=S.reissue(item["id"].to(int)))),
            align="center",
        )

    heads: list[str | rx.Component] = ["Certificate", "Status", "Code", "Completed", "Attempts", actions_header()]
    return data_table(heads, S.certificates, row, "Certificates", size="2", ghost=False)


def section(title: str, body: rx.Component, empty: rx.Var | None = None, note: str = "None yet.") -> rx.Component:
    content = body if empty is None else rx.cond(empty, rx.text(note, color_scheme="gray", size="2"), body)
    return rx.card(rx.vstack(rx.heading(title, size="4", as_="h2"), content, spacing="3", width="100%"), width="100%")


def learner_admin_page() -> rx.Component:
    return admin_page(
        "Learner",
        crumbs(("Admin", routes.ADMIN), ("Learners", routes.ADMIN)),
        header(S.name, S.load),
        rx.text(S.email, color_scheme="gray", margin_top="-1em"),
        tiles(S.figures),
        section("Courses", enrollment_table(S.courses, True), S.courses.length() == 0),
        section("Pathways", enrollment_table(S.pathways, False), S.pathways.length() == 0),
        section("Certificates", certificate_table(), S.certificates.length() == 0),
        section(
            "Completion history",
            table(
                ["When", "What happened", "Source", "By", "Lesson or course"],
                S.history,
                ["at", "action", "source", "by", "what"],
                height="420px",
                label="Completion history",
            ),
            S.history.length() == 0,
        ),
    )

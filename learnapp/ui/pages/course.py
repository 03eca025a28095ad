"""UI: a course page: outline with live checkmarks, Enroll, Continue Learning and Start over."""

from __future__ import annotations

import asyncio
from functools import partial

import reflex as rx
from reflex.event import EventSpec

from learnapp.domain import routes
from learnapp.services.engine.completion import reset_course
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.shared_credit import SharedCredit, shared_credit
from learnapp.services.learning.progress import course_outline
from learnapp.services.learning.read_model import course_view
from learnapp.services.learning.snapshot import LearnerSnapshot, with_snapshot
from learnapp.services.learning.views import NodeView
from learnapp.ui.components.certificate import certificate_status
from learnapp.ui.components.layout import link_button, progress_bar
from learnapp.ui.components.node_page import change_node, node_page, read_node
from learnapp.ui.components.outline import ModuleItem, outline, outline_items
from learnapp.ui.components.words import plural_var
from learnapp.ui.events import event
from learnapp.ui.live.expressions import course_completed, course_percent
from learnapp.ui.pages.catalog import plural
from learnapp.ui.session import SessionState, db


def _visit(slug: str) -> tuple[NodeView, SharedCredit]:
    return course_outline(db(), None, slug), shared_credit(db(), None, slug)


def _read(learner_id: int, slug: str) -> tuple[tuple[NodeView, SharedCredit], LearnerSnapshot]:
    """The outline and the tab's progress from one read; what Start over takes from other courses beside it."""
    view, snapshot = with_snapshot(db(), learner_id, partial(course_view, slug=slug))
    return (view, shared_credit(db(), learner_id, slug)), snapshot


def _resets(credit: SharedCredit) -> list[str]:
    """One line per other course that Start over here takes lessons from (its shared modules)."""
    return [
        f"{s.title}: {plural(s.lessons_reset, 'completed lesson')} of {', '.join(s.modules)}"
        for s in credit.resets_elsewhere()
    ]


class CourseState(SessionState):
    slug: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    enrolled: rx.Field[bool] = rx.field(False)
    total: rx.Field[int] = rx.field(0)
    next_lesson: rx.Field[str] = rx.field("")
    modules: rx.Field[list[ModuleItem]] = rx.field(default_factory=list)
    open_modules: rx.Field[list[str]] = rx.field(default_factory=list)
    # What Start over also takes from other courses (shared modules).
    resets_elsewhere: rx.Field[list[str]] = rx.field(default_factory=list)
    found: rx.Field[bool] = rx.field(True)

    @event
    async def load(self) -> None:
        found = await read_node(self, self._param("course"), _visit, _read)
        if found is None:
            self.found = False
            return
        view, credit = found
        self.found, self.slug, self.title = True, view.slug, view.title
        self.enrolled, self.total, self.next_lesson = view.enrolled, view.total, view.next_lesson or ""
        self.modules = outline_items(view, credit)
        self.resets_elsewhere = _resets(credit)
        self.open_modules = [m.slug for m in self.modules]

    @event
    async def enroll(self) -> EventSpec | rx.EventHandler | None:
        return await change_node(self, enroll_course, self.slug) or CourseState.load

    @event
    async def start_over(self) -> list[EventSpec] | EventSpec | None:
        done = [CourseState.load, rx.toast.info("Progress reset: you are starting this course over.")]
        return await change_node(self, reset_course, self.slug) or done

    @event
    async def read_resets(self, opened: bool) -> None:
        """Read again as the dialog opens: lessons completed in another tab since the page loaded count too."""
        account = await self._account()
        if opened and account is not None and self.slug:
            credit = await asyncio.to_thread(shared_credit, db(), account.id, self.slug)
            self.resets_elsewhere = _resets(credit)


def resets_elsewhere() -> rx.Component:
    return rx.cond(
        CourseState.resets_elsewhere.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.text("Other courses share modules with this one. Starting over also resets:", size="2"),
                rx.el.ul(
                    rx.foreach(CourseState.resets_elsewhere, lambda line: rx.el.li(rx.text(line, size="2"))),
                    padding_left="1.2em",
                    margin="0",
                ),
                spacing="1",
            ),
            color_scheme="amber",
            margin_top="0.75em",
            class_name="resets-elsewhere",
        ),
    )


def start_over_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Start over", variant="ghost", color_scheme="red")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Start this course over?"),
            rx.alert_dialog.description(
                "Your completions of this course's lessons are removed (the history keeps them). "
                "Certificates you already earned stay yours."
            ),
            resets_elsewhere(),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Start over", color_scheme="red", on_click=CourseState.start_over)),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        on_open_change=CourseState.read_resets,
    )


def course_header() -> rx.Component:
    done = course_completed(CourseState.slug)
    percent = course_percent(CourseState.slug, CourseState.total).to(int)
    continue_href = routes.lesson(CourseState.slug, CourseState.next_lesson)  # type: ignore[arg-type]  # routes builders join with +: a Var works
    return rx.vstack(
        rx.heading(CourseState.title, size="8", as_="h1"),
        rx.cond(
            CourseState.enrolled,
            rx.vstack(
                progress_bar(percent, "Course progress"),
                rx.text(
                    done.to_string() + " of " + plural_var(CourseState.total, "lesson") + " completed",
                    size="2",
                    color_scheme="gray",
                ),
                rx.hstack(
                    link_button(
                        rx.cond(percent >= 100, "Review course", "Continue Learning"), href=continue_href, size="3"
                    ),
                    start_over_dialog(),
                    spacing="3",
                    align="center",
                ),
                rx.cond(percent >= 100, certificate_status(CourseState.slug)),
                width="100%",
                spacing="2",
            ),
            rx.hstack(
                rx.button("Enroll", size="3", on_click=CourseState.enroll),
                rx.text(plural_var(CourseState.total, "lesson"), color_scheme="gray"),
                align="center",
                spacing="3",
            ),
        ),
        width="100%",
        spacing="3",
    )


def course_page() -> rx.Component:
    modules = rx.card(outline(CourseState.slug, CourseState.modules, CourseState.open_modules, ""), width="100%")
    return node_page(CourseState.found, course_header(), "Course content", modules, "This course does not exist.")

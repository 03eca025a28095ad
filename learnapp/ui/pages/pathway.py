"""UI: a pathway page: description, Enroll, live lesson-weighted progress and its courses in order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import NumberVar, ObjectVar

from learnapp.domain import routes
from learnapp.services.engine.enrollment import enroll_pathway
from learnapp.services.learning.catalog import descriptions
from learnapp.services.learning.progress import pathway_outline
from learnapp.services.learning.read_model import pathway_view
from learnapp.services.learning.snapshot import LearnerSnapshot, with_snapshot
from learnapp.services.learning.views import PATHWAY_KEY, NodeView
from learnapp.ui.components.certificate import certificate_status
from learnapp.ui.components.layout import link_button, progress_bar
from learnapp.ui.components.node_page import change_node, node_page, read_node
from learnapp.ui.components.words import plural_var
from learnapp.ui.events import event
from learnapp.ui.live import vars as live_vars
from learnapp.ui.live.expressions import course_percent
from learnapp.ui.pages.catalog import card_link, plural
from learnapp.ui.session import SessionState, db


@dataclass
class PathwayCourse:
    slug: str = ""
    title: str = ""
    description: str = ""
    number: int = 0
    total: int = 0
    meta: str = ""


def _visit(slug: str) -> tuple[NodeView, dict[str, str]]:
    return _described(pathway_outline(db(), None, slug))


def _read(learner_id: int, slug: str) -> tuple[tuple[NodeView, dict[str, str]], LearnerSnapshot]:
    """The outline and the tab's progress from one read; the descriptions beside it."""
    view, snapshot = with_snapshot(db(), learner_id, partial(pathway_view, slug=slug))
    return _described(view), snapshot


def _described(view: NodeView) -> tuple[NodeView, dict[str, str]]:
    return view, descriptions(db(), [view.slug], [c.slug for c in view.courses])


class PathwayState(SessionState):
    slug: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    description: rx.Field[str] = rx.field("")
    enrolled: rx.Field[bool] = rx.field(False)
    total: rx.Field[int] = rx.field(0)
    percent: rx.Field[int] = rx.field(0)
    courses_total: rx.Field[int] = rx.field(0)
    next_href: rx.Field[str] = rx.field("")
    courses: rx.Field[list[PathwayCourse]] = rx.field(default_factory=list)
    found: rx.Field[bool] = rx.field(True)

    @event
    async def load(self) -> None:
        found = await read_node(self, self._param("pathway"), _visit, _read)
        if found is None:
            self.found, self.slug, self.courses = False, "", []
            return
        view, texts = found
        self.found, self.slug, self.title = True, view.slug, view.title
        self.description = texts.get(view.key, "")
        self.enrolled, self.total, self.percent = view.enrolled, view.total, view.percent
        self.courses_total = view.courses_total
        self.next_href = (
            routes.lesson(view.next_course, view.next_lesson) if view.next_course and view.next_lesson else ""
        )
        self.courses = [
            PathwayCourse(
                c.slug,
                c.title,
                texts.get(c.key, ""),
                number,
                c.total,
                f"{plural(len(c.modules), 'module')} · {plural(c.total, 'lesson')}",
            )
            for number, c in enumerate(view.courses, start=1)
        ]

    @event
    async def enroll(self) -> EventSpec | rx.EventHandler | None:
        return await change_node(self, enroll_pathway, self.slug) or PathwayState.load


def pathway_percent() -> NumberVar[int]:
    """The stored lesson-weighted percent, pushed live to every tab; the page's own read until then."""
    stored = live_vars.courses()[PATHWAY_KEY + PathwayState.slug]
    return rx.cond(stored, stored["percent"].to(int), PathwayState.percent).to(int)


def courses_done() -> NumberVar[int]:
    return PathwayState.courses.filter(lambda c: course_percent(c.slug, c.total).to(int) >= 100).length()


def pathway_header() -> rx.Component:
    percent = pathway_percent()
    sizes = plural_var(PathwayState.courses_total, "course") + " · " + plural_var(PathwayState.total, "lesson")
    return rx.vstack(
        rx.badge("pathway", color_scheme="violet"),
        rx.heading(PathwayState.title, size="8", as_="h1"),
        rx.cond(PathwayState.description != "", rx.text(PathwayState.description, size="4")),
        rx.cond(
            PathwayState.enrolled,
            rx.vstack(
                progress_bar(percent, "Pathway progress"),
                rx.text(
                    courses_done().to_string()
                    + " of "
                    + plural_var(PathwayState.courses_total, "course")
                    + " completed",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    PathwayState.next_href != "",
                    link_button(
                        rx.cond(percent >= 100, "Review pathway", "Continue Learning"),
                        href=PathwayState.next_href,
                        size="3",
                    ),
                ),
                rx.cond(percent >= 100, certificate_status(PATHWAY_KEY + PathwayState.slug)),
                width="100%",
                spacing="2",
            ),
            rx.hstack(
                rx.button("Enroll", size="3", on_click=PathwayState.enroll),
                rx.text(sizes, color_scheme="gray"),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
        ),
        width="100%",
        spacing="3",
    )


def course_card(course: ObjectVar[PathwayCourse]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge("Course " + course.number.to_string(), color_scheme="indigo"),
                rx.text(course.meta, size="2", color_scheme="gray"),
                justify="between",
                width="100%",
            ),
            card_link(course.title, routes.course(course.slug)),  # type: ignore[arg-type]  # routes builders join with +: a Var works
            rx.cond(course.description != "", rx.text(course.description, size="3")),
            rx.cond(
                live_vars.courses()[course.slug],
                progress_bar(course_percent(course.slug, course.total), "Progress in " + course.title.to(str)),
            ),
            spacing="2",
            align="start",
            width="100%",
        ),
        width="100%",
        position="relative",
    )


def pathway_page() -> rx.Component:
    courses = rx.vstack(rx.foreach(PathwayState.courses, course_card), width="100%", spacing="3")
    missing = "This pathway does not exist."
    return node_page(PathwayState.found, pathway_header(), "Courses", courses, missing, role="alert")

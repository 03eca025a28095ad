"""UI: My Learning, the learner's dashboard: Continue Learning, stats, activity, achievements, courses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ObjectVar

from learnapp.domain import routes
from learnapp.services.learning.dashboard import READ, Dashboard, dashboard_of
from learnapp.services.learning.snapshot import with_snapshot
from learnapp.services.learning.views import PATHWAY_KEY, NodeView
from learnapp.ui.components.certificate import certificate_status
from learnapp.ui.components.layout import link_button, loaded_link_button, page, progress_bar
from learnapp.ui.events import event
from learnapp.ui.live import vars as live_vars
from learnapp.ui.live.channel import read_and_show
from learnapp.ui.live.expressions import course_percent
from learnapp.ui.pages.catalog import plural
from learnapp.ui.session import SessionState, db


@dataclass
class CardItem:
    slug: str = ""
    title: str = ""
    total: int = 0
    complete: bool = False
    last_opened: str = ""
    opened: bool = False
    completed_on: str = ""
    next_href: str = ""
    next_title: str = ""


def _card(card: NodeView) -> CardItem:
    href = routes.lesson(card.slug, card.next_lesson) if card.next_lesson else routes.course(card.slug)
    opened = card.last_accessed_at or card.enrolled_at
    return CardItem(
        card.slug,
        card.title,
        card.total,
        card.complete,
        opened.isoformat() if opened else "",
        card.last_accessed_at is not None,
        card.completed_on.strftime("%-d %b %Y") if card.completed_on else "",
        href,
        card.next_title or "",
    )


@dataclass
class PathwayItem:
    slug: str = ""
    title: str = ""
    percent: int = 0
    complete: bool = False
    courses: str = ""  # "2 of 3 courses completed"
    completed_on: str = ""
    next_href: str = ""


def _pathway(card: NodeView) -> PathwayItem:
    return PathwayItem(
        card.slug,
        card.title,
        card.percent,
        card.complete,
        f"{card.courses_completed} of {plural(card.courses_total, 'course')} completed",
        card.completed_on.strftime("%-d %b %Y") if card.completed_on else "",
        routes.lesson(card.next_course, card.next_lesson)
        if card.next_course and card.next_lesson
        else routes.pathway(card.slug),
    )


def _duration(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} m" if hours else f"{minutes} m"


class MyLearningState(SessionState):
    cards: rx.Field[list[CardItem]] = rx.field(default_factory=list)
    pathways: rx.Field[list[PathwayItem]] = rx.field(default_factory=list)
    stats: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    weekly: rx.Field[list[dict[str, int | str]]] = rx.field(default_factory=list)
    badges: rx.Field[list[dict[str, str | bool]]] = rx.field(default_factory=list)
    resume: rx.Field[CardItem] = rx.field(default_factory=CardItem)
    show: rx.Field[str] = rx.field("all")

    @event
    async def load(self) -> EventSpec | None:
        account = await self._account()
        if account is None:
            return self._login_redirect()
        board: Dashboard = await read_and_show(
            self, account.id, partial(with_snapshot, db(), account.id, dashboard_of, READ)
        )
        s = board.stats
        self.cards = [_card(c) for c in board.cards]
        self.pathways = [_pathway(p) for p in board.pathways]
        self.resume = _card(board.resume) if board.resume else CardItem()
        self.stats = {
            "Courses enrolled": str(s.courses_enrolled),
            "Completed": str(s.courses_completed),
            "In progress": str(s.courses_in_progress),
            "Lessons completed": str(s.lessons_completed),
            "Average progress": f"{s.average_percent}%",
            "Current streak": plural(s.current_streak, "day"),
            "Longest streak": plural(s.longest_streak, "day"),
            "Time spent": _duration(s.seconds_spent),
            "Certificates": str(board.certificates_earned),
        }
        self.weekly = [{"week": start.strftime("%-d %b"), "lessons": count} for start, count in s.weekly]
        self.badges = [{"title": a.title, "text": a.description, "earned": a.earned} for a in board.achievements]
        return None

    @event
    def set_show(self, value: str | list[str]) -> None:
        self.show = value if isinstance(value, str) else "all"

    @rx.var
    def shown(self) -> list[CardItem]:
        if self.show == "all":
            return self.cards
        return [c for c in self.cards if c.complete == (self.show == "completed")]

    @rx.var
    def shown_pathways(self) -> list[PathwayItem]:
        if self.show == "all":
            return self.pathways
        return [p for p in self.pathways if p.complete == (self.show == "completed")]


def resume_banner() -> rx.Component:
    # .to(ObjectVar, ...): mypy takes Reflex's overload for a sequence for a dataclass field.
    r = MyLearningState.resume.to(ObjectVar, CardItem)
    return rx.cond(
        r.slug != "",
        rx.card(
            rx.flex(
                rx.vstack(
                    rx.text("Pick up where you left off", size="2", color_scheme="gray"),
                    rx.heading(r.title.to(str) + " — " + r.next_title.to(str), size="5", as_="h2"),
                    spacing="1",
                ),
                rx.spacer(),
                loaded_link_button("Continue Learning", href=r.next_href, size="3"),
                align="center",
                gap="3",
                wrap="wrap",
                width="100%",
            ),
            width="100%",
        ),
        rx.callout("You are not in the middle of a course. Pick one from the catalog.", icon="compass", width="100%"),
    )


def stat_tile(item: list) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(item[0], size="1", color_scheme="gray"), rx.text(item[1], size="6", weight="bold"), spacing="1"
        ),
    )


def activity_chart() -> rx.Component:
    return rx.card(
        rx.heading("Activity (last 12 weeks)", size="3", as_="h2"),
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="lessons", fill="var(--accent-9)", name="Lessons completed", radius=4),
            rx.recharts.x_axis(data_key="week", font_size=11),
            rx.recharts.y_axis(allow_decimals=False, width=30, font_size=11),
            rx.recharts.graphing_tooltip(),
            data=MyLearningState.weekly,
            height=200,
            width="100%",
        ),
        width="100%",
    )


def badge_tile(badge: ObjectVar[dict[str, str | bool]]) -> rx.Component:
    return rx.tooltip(
        rx.badge(
            rx.icon(rx.cond(badge["earned"], "award", "lock"), size=14),
            badge["title"].to(str),
            color_scheme=rx.cond(badge["earned"], "amber", "gray"),
            variant=rx.cond(badge["earned"], "solid", "outline"),
            size="2",
        ),
        content=badge["text"].to(str),
    )


def course_row(card: ObjectVar[CardItem]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.link(rx.text(card.title, weight="bold", size="3"), href=routes.course(card.slug)),  # type: ignore[arg-type]  # routes builders join with +: a Var works
                progress_bar(course_percent(card.slug, card.total), "Progress in " + card.title.to(str)),
                rx.cond(
                    card.complete,
                    rx.vstack(
                        rx.text("Completed " + card.completed_on.to(str), size="1", color_scheme="gray"),
                        certificate_status(card.slug),
                        spacing="2",
                    ),
                    rx.cond(
                        card.opened,
                        rx.text(
                            "Last opened ", rx.moment(card.last_opened, from_now=True), size="1", color_scheme="gray"
                        ),
                        rx.text(
                            "Enrolled ",
                            rx.moment(card.last_opened, from_now=True),
                            ", not started yet",
                            size="1",
                            color_scheme="gray",
                        ),
                    ),
                ),
                spacing="2",
                flex="1",
                min_width="14em",
            ),
            loaded_link_button(rx.cond(card.complete, "Review", "Continue"), href=card.next_href, variant="soft"),
            gap="4",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        width="100%",
    )


def pathway_row(item: ObjectVar[PathwayItem]) -> rx.Component:
    """Stored pathway progress (pushed live with the learner's courses) and its certificate, like a course's."""
    stored = live_vars.courses()[PATHWAY_KEY + item.slug.to(str)]
    percent = rx.cond(stored, stored["percent"].to(int), item.percent).to(int)
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.badge("pathway", color_scheme="violet"),
                    rx.link(rx.text(item.title, weight="bold", size="3"), href=routes.pathway(item.slug)),  # type: ignore[arg-type]  # routes builders join with +: a Var works
                    align="center",
                    spacing="2",
                ),
                progress_bar(percent, "Progress in " + item.title.to(str)),
                rx.text(item.courses, size="1", color_scheme="gray"),
                rx.cond(
                    percent >= 100,
                    rx.vstack(
                        rx.cond(
                            item.completed_on != "",
                            rx.text("Completed " + item.completed_on.to(str), size="1", color_scheme="gray"),
                        ),
                        certificate_status(PATHWAY_KEY + item.slug.to(str)),
                        spacing="2",
                    ),
                ),
                spacing="2",
                flex="1",
                min_width="14em",
            ),
            loaded_link_button(rx.cond(percent >= 100, "Review", "Continue"), href=item.next_href, variant="soft"),
            gap="4",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        width="100%",
        class_name="pathway-row",
    )


def my_learning_page() -> rx.Component:
    return page(
        rx.hstack(
            rx.heading("My Learning", size="8", as_="h1"),
            rx.spacer(),
            link_button(
                rx.icon("download"), "Download my data", href="/me/export.json", new_tab=True, variant="ghost", size="2"
            ),
            align="center",
            width="100%",
        ),
        resume_banner(),
        rx.grid(
            rx.foreach(MyLearningState.stats, stat_tile),
            columns=rx.breakpoints(initial="2", sm="4"),
            spacing="3",
            width="100%",
        ),
        rx.grid(
            activity_chart(),
            rx.card(
                rx.heading("Achievements", size="3", as_="h2", margin_bottom="0.75em"),
                rx.flex(rx.foreach(MyLearningState.badges, badge_tile), gap="2", wrap="wrap"),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        rx.hstack(
            rx.heading(
                rx.cond(MyLearningState.pathways.length() > 0, "Your pathways and courses", "Your courses"),
                size="5",
                as_="h2",
            ),
            rx.spacer(),
            rx.segmented_control.root(
                rx.segmented_control.item("All", value="all"),
                rx.segmented_control.item("In progress", value="in-progress"),
                rx.segmented_control.item("Completed", value="completed"),
                value=MyLearningState.show,
                on_change=MyLearningState.set_show,
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.foreach(MyLearningState.shown_pathways, pathway_row),
        rx.foreach(MyLearningState.shown, course_row),
        rx.cond(
            (MyLearningState.shown.length() == 0) & (MyLearningState.shown_pathways.length() == 0),
            rx.text("Nothing here yet.", color_scheme="gray"),
        ),
    )

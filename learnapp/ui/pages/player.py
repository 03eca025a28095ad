"""UI: the lesson player, with the collapsible outline and honest instant Mark as Complete."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ArrayVar, ObjectVar
from reflex_base.event import EventChain
from reflex_base.utils.format import format_event_handler
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData
from reflex_base.vars.function import ArgsFunctionOperationBuilder, FunctionVar

from learnapp.domain import routes
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import LearnappError, NotFound
from learnapp.services.learning.lesson_markdown import clean_markdown
from learnapp.services.learning.lessons import open_lesson
from learnapp.services.learning.progress import record_time_spent
from learnapp.services.operations.test_faults import injected_fault
from learnapp.ui.components.certificate import certificate_status
from learnapp.ui.components.layout import MARKDOWN_COMPONENTS, link_button, page, progress_bar
from learnapp.ui.components.outline import ModuleItem, outline, structure_items
from learnapp.ui.events import event
from learnapp.ui.live.channel import Reload, change_here, show_progress
from learnapp.ui.live.expressions import (
    ClickProblem,
    click_state,
    course_completed,
    course_percent,
    lesson_done,
    unsaved_count,
)
from learnapp.ui.session import SessionState, db

log = logging.getLogger("learnapp.player")

HEARTBEAT_SECONDS = 30
OPEN_ALL_UP_TO = 60  # lessons
SETTLED_KEPT = 200  # click ids a tab remembers with their answer: a resend is answered, not applied again
CLICKS_MODULE = "$/public/clicks.js"  # assets/clicks.js: the tab's pending and queued clicks
FAILED = "The server had a problem storing it, so nothing was stored."
SIGNED_OUT = "You are signed out. Log in to save your progress."


@dataclass(frozen=True)
class Click:
    """One Mark as Complete (done) or un-mark, as the browser sends it; `id` is the browser's, for resends."""

    id: str
    lesson: str
    done: bool


def parse_click(raw: object) -> Click | None:
    """A well-formed click, or None (nothing is applied then)."""
    if not isinstance(raw, dict):
        return None
    click_id, lesson, done = raw.get("id"), raw.get("lesson"), raw.get("done")
    if not isinstance(click_id, str) or not 0 < len(click_id) <= 64:
        return None
    if not isinstance(lesson, str) or not 0 < len(lesson) <= 200 or not isinstance(done, bool):
        return None
    return Click(click_id, lesson, done)


def settle(click_id: str, outcome: str, message: str = "") -> EventSpec:
    """The answer to one click, for assets/clicks.js: "ok", "refused" (the app said no) or "failed"."""
    arguments = ", ".join(json.dumps(part) for part in (click_id, outcome, message))
    return rx.call_script(f"window.learnappClicks?.settle({arguments})")


def refusal(error: LearnappError) -> str:
    if isinstance(error, NotFound) and "lesson" in error.message.lower():
        return "This lesson is no longer in the course."
    return error.message


class PlayerOutline(SessionState):
    """The course outline the player shows, in a state of its own.

    With Redis, every event of a state reads and writes that state whole: kept in PlayerState, a 220-lesson
    outline would be unpickled and pickled again on every click. Here it is touched only when the tab moves to
    another course (PlayerState remembers which one it holds).
    """

    modules: rx.Field[list[ModuleItem]] = rx.field(default_factory=list)


class PlayerState(SessionState):
    course_slug: rx.Field[str] = rx.field("")
    course_title: rx.Field[str] = rx.field("")
    lesson_slug: rx.Field[str] = rx.field("")
    title: rx.Field[str] = rx.field("")
    kind: rx.Field[str] = rx.field("article")
    minutes: rx.Field[int] = rx.field(0)
    preview: rx.Field[bool] = rx.field(False)
    module_slug: rx.Field[str] = rx.field("")
    position: rx.Field[str] = rx.field("")
    previous: rx.Field[str] = rx.field("")
    next: rx.Field[str] = rx.field("")
    body: rx.Field[str] = rx.field("")
    video_url: rx.Field[str] = rx.field("")
    locked: rx.Field[bool] = rx.field(False)
    enrolled: rx.Field[bool] = rx.field(False)
    total: rx.Field[int] = rx.field(0)
    open_modules: rx.Field[list[str]] = rx.field(default_factory=list)
    found: rx.Field[bool] = rx.field(True)
    sidebar_hidden: str = rx.LocalStorage("0", name="learnapp_outline_hidden")
    _beat_at: float = 0.0
    _settled: dict[str, tuple[str, str]] = {}  # click id -> (outcome, message), oldest first
    _outline_key: str = ""  # catalog version and course of the outline in PlayerOutline

    @event
    async def load(self) -> EventSpec | None:
        account = await self._account()
        course, lesson = self._param("course"), self._param("lesson")
        learner = account.id if account else None
        try:
            view = await asyncio.to_thread(open_lesson, db(), learner, course, lesson)  # one thread hop for both
        except NotFound:
            self.found = False
            return None
        if view.body is None and account is None:
            return self._login_redirect()
        self.found = True
        self._beat_at = time.monotonic()
        self.course_slug, self.course_title = course, view.course.title
        self.lesson_slug, self.title, self.kind, self.minutes = view.slug, view.title, view.kind, view.minutes
        self.preview, self.module_slug = view.preview, view.module_slug
        self.position = f"Module {view.module_number} · Lesson {view.lesson_number} of {view.module_size}"
        self.previous, self.next = view.previous or "", view.next or ""
        # Cleaned again here (defence in depth): a body stored before import-time cleaning carries no active HTML.
        self.body, self.video_url = clean_markdown(view.body or ""), view.video_url or ""
        self.locked, self.enrolled = view.body is None, view.enrolled
        self.total = view.total
        # Reflex sends every assigned var: the 220-lesson outline is built and sent only when this tab shows
        # another course (or the content changed), not on every "Next".
        outline_key = f"{view.catalog_version}:{course}"
        if outline_key != self._outline_key:
            shown = await self.get_state(PlayerOutline)
            shown.modules, self._outline_key = structure_items(view.course), outline_key
        # A long course starts with only the current module open: folded modules render nothing,
        # which keeps a click's re-render small on 200-lesson courses.
        lessons = len(view.course.lessons)
        opened = [m.slug for m in view.course.modules] if lessons <= OPEN_ALL_UP_TO else [view.module_slug]
        if opened != self.open_modules:
            self.open_modules = opened
        if account is not None:
            await show_progress(self, account.id, Reload.WHEN_STALE)
        return None

    @event
    async def save_click(self, click: dict[str, Any]) -> list[EventSpec]:
        """A click from the browser's ledger (assets/clicks.js): answered with settle(), whatever happens."""
        parsed = parse_click(click)
        if parsed is None:
            raw_id = click.get("id") if isinstance(click, dict) else None
            return [settle(raw_id if isinstance(raw_id, str) else "", "refused", "The change could not be read.")]
        return await self._save(parsed)

    @event
    async def mark_complete(self) -> list[EventSpec]:
        """The open lesson, done (socket clients; the browser sends save_click with its own id)."""
        return await self._save(Click(uuid.uuid4().hex, self.lesson_slug, True), toast=True)

    @event
    async def mark_incomplete(self) -> list[EventSpec]:
        return await self._save(Click(uuid.uuid4().hex, self.lesson_slug, False), toast=True)

    async def _save(self, click: Click, toast: bool = False) -> list[EventSpec]:
        account = await self._account()
        if account is None:
            return [settle(click.id, "refused", SIGNED_OUT), self._login_redirect()]
        known = self._settled.get(click.id)
        if known is not None:  # a resend after a lost answer: the same answer, nothing applied twice
            return [settle(click.id, *known)]
        try:
            await self._fault()
            finished = await self._apply(account.id, click)
        except LearnappError as error:
            self._remember(click.id, ("refused", refusal(error)))
            return [settle(click.id, "refused", refusal(error))] + ([rx.toast.error(error.message)] if toast else [])
        except Exception:  # a database error or any other failure: nothing was stored, and the tab must say so
            log.exception("click not saved", extra={"learner": account.id, "lesson": click.lesson})
            return [settle(click.id, "failed", FAILED)]
        self._remember(click.id, ("ok", ""))
        events = [settle(click.id, "ok")]
        # The certificate follows from the worker, pushed to every tab of the learner like any other change.
        for course in finished:
            events.append(rx.toast.success(f"You completed {course}!", duration=6000))
        return events

    async def _apply(self, learner_id: int, click: Click) -> list[str]:
        """Record or revoke in one unit of work; returns the titles of the courses this click completed.

        One thread hop and one transaction: the unit of work reads the progress this tab shows with the change,
        and the learner's other tabs get that same read.
        """
        if not click.done:
            await change_here(self, learner_id, revoke_completion, db(), learner_id, click.lesson, "ui")
            return []
        result = await change_here(self, learner_id, record_completion, db(), learner_id, click.lesson, "ui")
        return [c.title for c in result.changes if c.kind == "course" and c.after_complete and c.newly_completed]

    def _remember(self, click_id: str, answer: tuple[str, str]) -> None:
        self._settled[click_id] = answer
        while len(self._settled) > SETTLED_KEPT:
            self._settled.pop(next(iter(self._settled)))

    async def _fault(self) -> None:
        """Test runs only (LEARNAPP_TEST_FAULTS, local origin): fail or stall the click as a broken server would."""
        fault = injected_fault("click")
        if fault == "error":
            raise RuntimeError("injected fault: the database refused the write")
        if fault is not None and fault.startswith("hang:"):
            await asyncio.sleep(float(fault.removeprefix("hang:")))

    @event
    async def enroll(self) -> EventSpec | rx.EventHandler | None:
        account = await self._account()
        if account is None:
            return self._login_redirect()
        await change_here(self, account.id, enroll_course, db(), account.id, self.course_slug)
        return PlayerState.load

    @event
    def toggle_outline(self) -> None:
        self.sidebar_hidden = "0" if self.sidebar_hidden == "1" else "1"

    @event
    async def add_time(self, visibility: str) -> None:
        # Time counts only while the page is visible: the real time since the last beat, at most one period.
        now = time.monotonic()
        seconds = round(min(now - self._beat_at, HEARTBEAT_SECONDS))
        self._beat_at = now
        account = await self._account()
        if account is not None and visibility == "visible" and self.enrolled and not self.locked and seconds > 0:
            await asyncio.to_thread(record_time_spent, db(), account.id, self.lesson_slug, seconds)


def lesson_url(slug: rx.Var) -> rx.Var:
    return routes.lesson(PlayerState.course_slug, slug)  # type: ignore[arg-type, return-value]  # routes builders join with +: a Var works


def course_progress() -> rx.Component:
    done = course_completed(PlayerState.course_slug)
    return rx.cond(
        PlayerState.enrolled,
        rx.vstack(
            progress_bar(course_percent(PlayerState.course_slug, PlayerState.total), "Course progress"),
            rx.text(
                done.to_string() + " of " + PlayerState.total.to_string() + " lessons", size="1", color_scheme="gray"
            ),
            spacing="1",
            width="100%",
        ),
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("chevron-left", size=16), rx.text(PlayerState.course_title, weight="bold")),
            href=routes.course(PlayerState.course_slug),  # type: ignore[arg-type]  # routes builders join with +: a Var works
            underline="none",
            high_contrast=True,
        ),
        course_progress(),
        outline(PlayerState.course_slug, PlayerOutline.modules, PlayerState.open_modules, PlayerState.lesson_slug),
        spacing="3",
        width="100%",
    )


def _clicks_function(name: str) -> FunctionVar:
    """A function exported by assets/clicks.js, imported where the page uses it."""
    return rx.Var(_js_expr=name, _var_data=VarData(imports={CLICKS_MODULE: [ImportVar(tag=name)]})).to(FunctionVar)


def _on_click(function: rx.Var, *arguments: str) -> rx.Var:
    """An on_click that runs `function` in the browser; `arguments` name what React passes it (the DOM event)."""
    return ArgsFunctionOperationBuilder.create(args_names=arguments, return_expr=function).to(FunctionVar, EventChain)


CLICK_COUNT = rx.Var(_js_expr="(clickEvent?.detail ?? 1)").to(int)  # 2 for a double click's second half, 0 from keys


SAVE_CLICK = format_event_handler(PlayerState.save_click)  # the event assets/clicks.js sends


def click_lesson(done: bool) -> rx.Var:
    """The browser's click: shown at once, sent with an id (or queued offline), rolled back if not saved."""
    call: rx.Var = _clicks_function("clickLesson").call(
        SAVE_CLICK,
        PlayerState.lesson_slug,
        PlayerState.title,
        PlayerState.course_slug,
        PlayerState.module_slug,
        done,
        CLICK_COUNT,
    )
    return _on_click(call, "clickEvent")


# The lesson and course the URL names, read in the browser: they change in the task that changes the URL (Next,
# Previous, the outline, Back), before the server has sent the new lesson. Not React Router's useParams: it follows
# the router's transition, which re-renders the whole page (the 220-lesson outline too) a few frames later.
ADDRESS_MODULE = "$/public/lesson_address.js"  # assets/lesson_address.js
_ADDRESS = VarData(
    hooks={"const learnappAddress = useLessonAddress()": None},
    imports={ADDRESS_MODULE: [ImportVar(tag="useLessonAddress")]},
)
URL_LESSON = rx.Var(_js_expr="learnappAddress.lesson", _var_data=_ADDRESS).to(str)
URL_COURSE = rx.Var(_js_expr="learnappAddress.course", _var_data=_ADDRESS).to(str)
# The server still holds another lesson than the URL's: show nothing of it.
ARRIVING = (URL_LESSON != "") & (PlayerState.lesson_slug != URL_LESSON)


def arriving_title() -> rx.Var:
    """The URL's lesson title from the outline this tab already has ("" for a lesson of another course)."""
    modules: ArrayVar[Sequence[ModuleItem]] = PlayerOutline.modules
    data = VarData.merge(modules._get_all_var_data(), _ADDRESS, PlayerState.course_slug._get_all_var_data())
    expression = (
        f"({URL_COURSE!s} === {PlayerState.course_slug!s} ? ({modules!s}.flatMap((m) => m.lessons)"
        f".find((l) => l.slug === {URL_LESSON!s})?.title ?? '') : '')"
    )
    return rx.Var(_js_expr=expression, _var_data=data).to(str)


def completion_button() -> rx.Component:
    lesson = PlayerState.lesson_slug
    done = lesson_done(lesson)
    state = click_state(lesson)
    saving = state == "saving"
    # Pending is visible but calm: a small note on the button, the rest of the page as it was.
    note = rx.cond(saving, "Saving…", rx.cond(state == "queued", "Not saved yet", ""))
    shown_note = rx.cond(note != "", rx.el.span(note, class_name="click-note", aria_hidden="true"))
    # While the server has not answered, a second click (a double click) must not undo the first.
    blocked = {"pointer_events": rx.cond(saving, "none", "auto"), "aria_busy": rx.cond(saving, "true", "false")}
    button = rx.cond(
        done,
        rx.button(
            rx.icon("circle-check"),
            "Completed",
            shown_note,
            size="3",
            color_scheme="grass",
            variant="soft",
            title="Completed: click to mark as not complete",
            aria_pressed="true",
            on_click=click_lesson(False),
            **blocked,
        ),
        rx.button(rx.icon("check"), "Mark as Complete", shown_note, size="3", on_click=click_lesson(True), **blocked),
    )
    return rx.fragment(button, rx.el.span(note, role="status", class_name="sr-only"))


def click_problem() -> rx.Component:
    """The last click that was not saved: what happened, and Retry when trying again can help."""
    problem = ClickProblem.value.to(ObjectVar, dict[str, str | bool])
    return rx.cond(
        problem["lesson"].to(str) != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert")),
            rx.flex(
                rx.callout.text(
                    rx.el.strong("Not saved: " + problem["title"].to(str) + ". "),
                    problem["message"].to(str),
                ),
                rx.hstack(
                    rx.cond(
                        problem["retry"].to(bool),
                        rx.button("Retry", size="2", on_click=_on_click(_clicks_function("retryClick").call())),
                    ),
                    rx.button(
                        "Dismiss",
                        size="2",
                        variant="soft",
                        color_scheme="gray",
                        on_click=_on_click(_clicks_function("dismissClick").call()),
                    ),
                    spacing="2",
                ),
                direction="column",
                spacing="2",
            ),
            color_scheme="red",
            variant="surface",
            role="alert",
            class_name="click-problem",
            width="100%",
        ),
    )


def offline_banner() -> rx.Component:
    count = unsaved_count().to(int)
    changes = count.to_string() + rx.cond(count == 1, " change", " changes")
    return rx.cond(
        count > 0,
        rx.callout(
            "Offline: " + changes + " will be saved when you reconnect.",
            icon="wifi-off",
            color_scheme="gray",
            variant="surface",
            role="status",
            class_name="offline-banner",
            width="100%",
        ),
    )


def lesson_actions() -> rx.Component:
    primary = rx.cond(
        PlayerState.preview & ~PlayerState.enrolled,
        rx.button("Enroll", size="3", on_click=PlayerState.enroll),
        rx.cond(PlayerState.enrolled & ~PlayerState.preview, completion_button()),
    )
    return rx.flex(
        primary,
        rx.spacer(),
        rx.cond(
            PlayerState.previous != "",
            link_button(rx.icon("arrow-left"), "Previous", href=lesson_url(PlayerState.previous), variant="soft"),
        ),
        rx.cond(
            PlayerState.next != "",
            link_button("Next", rx.icon("arrow-right"), href=lesson_url(PlayerState.next), variant="soft"),
        ),
        spacing="3",  # Radix gap; gap="3" is no CSS length
        wrap="wrap",
        width="100%",
        align="center",
    )


def lesson_body() -> rx.Component:
    return rx.cond(
        PlayerState.locked,
        rx.callout("Enroll in this course to open this lesson.", icon="lock", width="100%"),
        rx.vstack(
            rx.cond(
                PlayerState.video_url != "",
                rx.video(src=PlayerState.video_url, width="100%", height="auto", controls=True),
            ),
            # use_raw=False: raw HTML left in a body renders as text, never as elements (no rehype-raw).
            rx.box(
                rx.markdown(PlayerState.body, use_raw=False, component_map=MARKDOWN_COMPONENTS),
                class_name="lesson-body",
                width="100%",
            ),
            width="100%",
        ),
    )


def lesson_content() -> rx.Component:
    """The body and actions of the lesson the server sent; while the URL's lesson is on its way, nothing of the
    previous one (its body, its Completed button, its Previous and Next)."""
    return rx.cond(
        ARRIVING,
        rx.box(rx.el.span("Loading the lesson", class_name="sr-only"), aria_busy="true", min_height="12em"),
        rx.fragment(
            lesson_body(),
            lesson_actions(),
            rx.cond(
                PlayerState.enrolled & (course_percent(PlayerState.course_slug, PlayerState.total).to(int) >= 100),
                rx.card(certificate_status(PlayerState.course_slug), width="100%"),
            ),
        ),
    )


def lesson_main() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(
                rx.icon("panel-left"),
                rx.cond(PlayerState.sidebar_hidden == "1", "Show outline", "Hide outline"),
                variant="ghost",
                size="1",
                on_click=PlayerState.toggle_outline,
                class_name="hide-phone",
            ),
            rx.box(
                rx.drawer.root(
                    rx.drawer.trigger(rx.button(rx.icon("list"), "Outline", variant="soft", size="1")),
                    rx.drawer.overlay(),
                    rx.drawer.portal(
                        rx.drawer.content(
                            rx.box(sidebar(), padding="1em", overflow_y="auto", height="100%"),
                            width="85%",
                            height="100%",
                            top="0",
                            left="0",
                            background="var(--color-panel-solid)",
                        )
                    ),
                    direction="left",
                ),
                class_name="show-phone",
            ),
            rx.text(rx.cond(ARRIVING, "", PlayerState.position), size="2", color_scheme="gray"),
            rx.cond(PlayerState.preview & ~ARRIVING, rx.badge("Preview", color_scheme="amber")),
            align="center",
            spacing="3",
        ),
        offline_banner(),
        rx.heading(rx.cond(ARRIVING, arriving_title(), PlayerState.title), size="8", as_="h1"),
        lesson_content(),
        click_problem(),
        rx.moment(
            interval=HEARTBEAT_SECONDS * 1000,
            # The page's visibility read in the browser when the beat fires: no script for the browser to eval.
            on_change=PlayerState.add_time(rx.Var("document.visibilityState", _var_type=str)),
            display="none",
        ),
        spacing="4",
        width="100%",
        min_width="0",
    )


def player_page() -> rx.Component:
    return page(
        rx.cond(
            PlayerState.found,
            rx.hstack(
                rx.box(
                    sidebar(),
                    width="20em",
                    flex_shrink="0",
                    class_name="hide-phone",
                    display=rx.cond(PlayerState.sidebar_hidden == "1", "none", "block"),
                ),
                lesson_main(),
                spacing="6",
                align="start",
                width="100%",
            ),
            rx.callout("This lesson does not exist.", icon="circle-alert"),
        ),
        size="4",
    )

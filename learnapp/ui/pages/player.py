"""UI: the lesson player, with the collapsible outline and instant Mark as Complete."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from learnapp.services.certificates import certificates_of
from learnapp.services.completion import record_and_read, revoke_completion
from learnapp.services.enrollment import enroll_course
from learnapp.services.errors import LearnappError, NotFound
from learnapp.services.lesson_markdown import clean_markdown
from learnapp.services.lessons import open_lesson
from learnapp.services.progress import record_time_spent
from learnapp.ui.certificate import certificate_status
from learnapp.ui.layout import MARKDOWN_COMPONENTS, link_button, page, progress_bar
from learnapp.ui.live import NO_CLICK, Optimistic, course_completed, course_percent, lesson_done
from learnapp.ui.outline import ModuleItem, outline, structure_items
from learnapp.ui.session import SessionState, db
from learnapp.ui.sync import listed_sync, progress_values, refresh_sync

HEARTBEAT_SECONDS = 30
OPEN_ALL_UP_TO = 60  # lessons
CERTIFICATE_WAIT_ROUNDS = 120  # half-second rounds: one minute
# Every Mark as Complete reply ends with this; built once, since building the script costs more than the click.
FORGET_CLICK = Optimistic.push(NO_CLICK)


class PlayerOutline(SessionState):
    """The course outline the player shows, in a state of its own.

    With Redis, every event of a state reads and writes that state whole: kept in PlayerState, a 220-lesson
    outline would be unpickled and pickled again on every click. Here it is touched only when the tab moves to
    another course (PlayerState remembers which one it holds).
    """

    modules: list[ModuleItem] = []


class PlayerState(SessionState):
    course_slug: str = ""
    course_title: str = ""
    lesson_slug: str = ""
    title: str = ""
    kind: str = "article"
    minutes: int = 0
    preview: bool = False
    module_slug: str = ""
    position: str = ""
    previous: str = ""
    next: str = ""
    body: str = ""
    video_url: str = ""
    locked: bool = False
    enrolled: bool = False
    total: int = 0
    open_modules: list[str] = []
    found: bool = True
    sidebar_hidden: str = rx.LocalStorage("0", name="learnapp_outline_hidden")
    _beat_at: float = 0.0
    _outline_key: str = ""  # catalog version and course of the outline in PlayerOutline

    @rx.event
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
            await refresh_sync(self, account.id, unless_fresh=True)
        return None

    @rx.event
    async def mark_complete(self) -> list[EventSpec] | EventSpec | None:
        return await self._change(done=True)

    @rx.event
    async def mark_incomplete(self) -> list[EventSpec] | EventSpec | None:
        return await self._change(done=False)

    async def _change(self, done: bool) -> list[EventSpec] | EventSpec | None:
        # The lesson comes from this tab's server-side state, never from the browser's event.
        account = await self._account()
        if account is None:
            return [FORGET_CLICK, self._login_redirect()]
        try:
            if done:
                # A tab new to this socket reads everything; else certificates and notices only if they changed.
                sync, full = await listed_sync(self, account.id)
                # One thread hop and one transaction: the completion, then the progress this tab shows with it.
                # The unit of work tells the learner's other tabs after commit (origin: this one shows it).
                origin = self.router.session.client_token
                result, snapshot = await asyncio.to_thread(
                    record_and_read, db(), account.id, self.lesson_slug, "ui", full, origin
                )
                sync._apply(account.id, progress_values(snapshot, full or result.announced))
                finished = [c for c in result.changes if c.kind == "course" and c.after_complete and c.newly_completed]
            else:
                origin = self.router.session.client_token
                await asyncio.to_thread(revoke_completion, db(), account.id, self.lesson_slug, "ui", None, origin)
                await refresh_sync(self, account.id, changed=True, announced=False)
                finished = []
        except LearnappError as error:
            return [FORGET_CLICK, rx.toast.error(error.message)]
        events: list[EventSpec] = [FORGET_CLICK]
        if finished:
            events += [
                rx.toast.success(f"You completed {self.course_title}!", duration=6000),
                PlayerState.watch_certificate,
            ]
        return events

    @rx.event(background=True)
    async def watch_certificate(self) -> AsyncIterator[EventSpec | None]:
        """Off the click path: wait for the worker to issue the certificate, then show it in every tab."""
        async with self:
            account = await self._account()
            course = self.course_slug
        if account is None:
            return
        for _ in range(CERTIFICATE_WAIT_ROUNDS):
            await asyncio.sleep(0.5)
            mine = await asyncio.to_thread(certificates_of, db(), account.id)
            # "working" means a worker is rendering it right now: keep waiting for the outcome.
            done = [c for c in mine if c.slug == course and c.kind == "course" and c.status in ("issued", "failed")]
            if done:
                async with self:
                    await refresh_sync(self, account.id)
                if done[0].status == "issued":
                    yield rx.toast.success("Your certificate is ready.", duration=6000)
                return

    @rx.event
    async def enroll(self) -> EventSpec | None:
        account = await self._account()
        if account is None:
            return self._login_redirect()
        await asyncio.to_thread(enroll_course, db(), account.id, self.course_slug)
        return PlayerState.load

    @rx.event
    def toggle_outline(self) -> None:
        self.sidebar_hidden = "0" if self.sidebar_hidden == "1" else "1"

    @rx.event
    async def add_time(self, visibility: str) -> None:
        # Time counts only while the page is visible: the real time since the last beat, at most one period.
        now = time.monotonic()
        seconds = round(min(now - self._beat_at, HEARTBEAT_SECONDS))
        self._beat_at = now
        account = await self._account()
        if account is not None and visibility == "visible" and self.enrolled and not self.locked and seconds > 0:
            await asyncio.to_thread(record_time_spent, db(), account.id, self.lesson_slug, seconds)


def lesson_url(slug: rx.Var) -> rx.Var:
    return "/courses/" + PlayerState.course_slug + "/lessons/" + slug


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
            href="/courses/" + PlayerState.course_slug,
            underline="none",
            high_contrast=True,
        ),
        course_progress(),
        outline(PlayerState.course_slug, PlayerOutline.modules, PlayerState.open_modules, PlayerState.lesson_slug),
        spacing="3",
        width="100%",
    )


def completion_button() -> rx.Component:
    done = lesson_done(PlayerState.lesson_slug)
    mark = {"lesson": PlayerState.lesson_slug, "module": PlayerState.module_slug, "done": True}
    unmark = {"lesson": PlayerState.lesson_slug, "module": PlayerState.module_slug, "done": False}
    # While the server has not confirmed the last click, a second click (a double click) must not undo it.
    waiting = Optimistic.value["lesson"].to(str) == PlayerState.lesson_slug
    blocked = {"pointer_events": rx.cond(waiting, "none", "auto"), "aria_busy": rx.cond(waiting, "true", "false")}
    return rx.cond(
        done,
        rx.button(
            rx.icon("circle-check"),
            "Completed",
            size="3",
            color_scheme="grass",
            variant="soft",
            title="Completed: click to mark as not complete",
            aria_pressed="true",
            on_click=[Optimistic.set_value(unmark), PlayerState.mark_incomplete],
            **blocked,
        ),
        rx.button(
            rx.icon("check"),
            "Mark as Complete",
            size="3",
            on_click=[Optimistic.set_value(mark), PlayerState.mark_complete],
            **blocked,
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
            rx.text(PlayerState.position, size="2", color_scheme="gray"),
            rx.cond(PlayerState.preview, rx.badge("Preview", color_scheme="amber")),
            align="center",
            spacing="3",
        ),
        rx.heading(PlayerState.title, size="8", as_="h1"),
        lesson_body(),
        lesson_actions(),
        rx.cond(
            PlayerState.enrolled & (course_percent(PlayerState.course_slug, PlayerState.total) >= 100),
            rx.card(certificate_status(PlayerState.course_slug), width="100%"),
        ),
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

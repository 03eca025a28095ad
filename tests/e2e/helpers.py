"""Shared steps of the learner journeys: accounts, navigation, and what the outline and progress bar show."""

from __future__ import annotations

import re
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, WebSocketRoute, expect

from learnapp.domain import routes

PASSWORD = "e2e-password-2026"
COURSE = "python-basics"
COURSE_TITLE = "Python Basics"
TIMEOUT = 5_000  # ms: page loads and server round trips
LIVE = 1_000  # ms: what must happen "at once" (optimistic click, live update in another tab)


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    module: int  # 1-based module number in the course


# python-basics: the countable lessons in course order (modules of 3, 5 and 2), and the preview.
PREVIEW = Lesson("py-why-python", "Why Learn Python?", 1)
LESSONS = (
    Lesson("py-install", "Installing Python", 1),
    Lesson("py-first-script", "Your First Script", 1),
    Lesson("py-repl-and-venv", "The REPL and Virtual Environments", 1),
    Lesson("py-numbers-and-strings", "Numbers and Strings", 2),
    Lesson("py-variables-and-types", "Variables and Dynamic Typing", 2),
    Lesson("py-lists-and-tuples", "Lists and Tuples", 2),
    Lesson("py-dicts-and-sets", "Dictionaries and Sets", 2),
    Lesson("py-conditionals-and-loops", "Conditionals and Loops", 2),
    Lesson("py-defining-functions", "Defining Functions", 3),
    Lesson("py-modules-and-imports", "Modules and Imports", 3),
)
TOTAL = len(LESSONS)
# What python-basics' bar reads after N of its 10 lessons, written out rather than computed (SPEC §3.5).
PERCENT = {0: 0, 1: 10, 2: 20, 3: 30, 4: 40, 5: 50, 6: 60, 7: 70, 8: 80, 9: 90, 10: 100}
MODULES = (
    ("Getting Started with Python", 3),
    ("Values, Collections and Control Flow", 5),
    ("Functions and Modules", 2),
)


def lesson_path(lesson: Lesson, course: str = COURSE) -> str:
    return routes.lesson(course, lesson.slug)


# ---------------------------------------------------------------- accounts


def unique_email(tag: str = "learner") -> str:
    return f"e2e-{tag}-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(page: Page, base: str, name: str = "E2E Learner", tag: str = "learner") -> str:
    """A fresh learner through /signup; returns the email. The page ends signed in, off the sign-up form."""
    email = unique_email(tag)
    page.goto(base + routes.SIGNUP)
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#auth-form").get_by_role("button", name="Sign up").click()
    page.wait_for_url(lambda url: routes.SIGNUP not in url, timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Account menu")).to_be_visible(timeout=TIMEOUT)
    return email


def submit_login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill and send the log-in form the page shows; waits until the browser has left /login."""
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#auth-form").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: routes.LOGIN not in url, timeout=TIMEOUT)


def log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + routes.LOGIN)
    submit_login(page, email, password)
    expect(page.get_by_role("button", name="Account menu")).to_be_visible(timeout=TIMEOUT)


def log_out(page: Page) -> None:
    """Through the account menu, as a learner does."""
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/?\?"), timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Account menu")).to_have_count(0)


# ---------------------------------------------------------------- navigation


def open_course(page: Page, base: str, course: str = COURSE, title: str = COURSE_TITLE) -> None:
    page.goto(base + routes.course(course))
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=TIMEOUT)


def enroll(page: Page, base: str, course: str = COURSE, title: str = COURSE_TITLE) -> None:
    open_course(page, base, course, title)
    page.get_by_role("button", name="Enroll").click()
    expect(page.get_by_role("link", name="Continue Learning")).to_be_visible(timeout=TIMEOUT)


def open_lesson(page: Page, base: str, lesson: Lesson, course: str = COURSE) -> None:
    """A fresh page load of the lesson (the outline starts with every module open)."""
    page.goto(f"{base}{lesson_path(lesson, course)}")
    expect(page.get_by_role("heading", name=lesson.title, level=1)).to_be_visible(timeout=TIMEOUT)


def follow_outline(page: Page, lesson: Lesson) -> None:
    """In-app navigation to a lesson through its outline link (same websocket: earlier events are handled first)."""
    outline_row(page, lesson).click()
    expect(page.get_by_role("heading", name=lesson.title, level=1)).to_be_visible(timeout=TIMEOUT)


def back_to_course(page: Page, title: str = COURSE_TITLE) -> None:
    """From the player, in-app, through the course link above the outline; the course page reloads its data."""
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=TIMEOUT)


# ---------------------------------------------------------------- what the page shows


def mark_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Mark as Complete", exact=True)


def completed_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Completed", exact=True)


def outline_row(page: Page, lesson: Lesson) -> Locator:
    return page.get_by_role("link", name=lesson.title)


def expect_checked(page: Page, lesson: Lesson, timeout: float = TIMEOUT) -> None:
    row = outline_row(page, lesson)
    expect(row.get_by_label("Completed", exact=True)).to_be_visible(timeout=timeout)
    expect(row.get_by_label("Not completed", exact=True)).to_have_count(0)


def expect_unchecked(page: Page, lesson: Lesson, timeout: float = TIMEOUT) -> None:
    row = outline_row(page, lesson)
    expect(row.get_by_label("Not completed", exact=True)).to_be_visible(timeout=timeout)
    expect(row.get_by_label("Completed", exact=True)).to_have_count(0)


def expect_outline(page: Page, done: set[Lesson], timeout: float = TIMEOUT) -> None:
    """Every countable lesson of the course: a checkmark exactly when it is in `done`."""
    for lesson in LESSONS:
        (expect_checked if lesson in done else expect_unchecked)(page, lesson, timeout)


def expect_progress(page: Page, done: int, total: int = TOTAL, timeout: float = TIMEOUT) -> None:
    """The course progress bar, its percent and the 'N of M lessons' line (player and course page alike)."""
    assert total == TOTAL, "PERCENT is python-basics' table: add a table for another course"
    percent = PERCENT[done]
    bar = page.get_by_role("progressbar", name="Course progress")
    expect(bar).to_have_attribute("aria-valuenow", str(percent), timeout=timeout)
    expect(page.get_by_text(f"{percent}%", exact=True)).to_be_visible(timeout=timeout)
    expect(page.get_by_text(re.compile(rf"^{done} of {total} lessons"))).to_be_visible(timeout=timeout)


def module_header(page: Page, number: int) -> Locator:
    title, _ = MODULES[number - 1]
    return page.get_by_role("button", name=f"{number} {title}")


def expect_module_count(page: Page, number: int, done: int, timeout: float = TIMEOUT) -> None:
    _, total = MODULES[number - 1]
    count = module_header(page, number).get_by_text(re.compile(r"^\d+/\d+$"))
    expect(count).to_have_text(f"{done}/{total}", timeout=timeout)


def error_toasts(page: Page) -> Locator:
    return page.locator("[data-sonner-toast][data-type='error']")


# ---------------------------------------------------------------- actions


def mark_complete(page: Page, lesson: Lesson) -> None:
    """Click Mark as Complete on the open lesson: the button and its outline row change at once."""
    mark_button(page).click()
    expect(completed_button(page)).to_be_visible(timeout=LIVE)
    expect_checked(page, lesson, timeout=LIVE)


def complete_lessons(page: Page, base: str, lessons: list[Lesson]) -> None:
    """Complete each lesson in the player, moving between them through the outline, and end on the course page.

    Moving in-app queues each page's load behind the clicks before it, so once the course page shows its
    heading every completion has been handled by the server.
    """
    open_lesson(page, base, lessons[0])
    for index, lesson in enumerate(lessons):
        if index:
            follow_outline(page, lesson)
        mark_complete(page, lesson)
    back_to_course(page)


# ---------------------------------------------------------------- the database (when we serve the app ourselves)


def completion_records(db: Path, email: str, lesson: Lesson) -> tuple[int, int]:
    """(completion facts, 'completed' history entries) of this learner and lesson, read-only."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        facts = conn.execute(
            "SELECT count(*) FROM lesson_completion c JOIN learner r ON r.id = c.learner_id"
            " JOIN lesson l ON l.id = c.lesson_id WHERE r.email = ? AND l.slug = ?",
            (email, lesson.slug),
        ).fetchone()[0]
        history = conn.execute(
            "SELECT count(*) FROM progress_history h JOIN learner r ON r.id = h.learner_id"
            " JOIN lesson l ON l.id = h.lesson_id WHERE r.email = ? AND l.slug = ? AND h.action = 'completed'",
            (email, lesson.slug),
        ).fetchone()[0]
    return int(facts), int(history)


SNAPSHOT = re.compile(r'"is_hydrated_rx_state_"\s*:\s*false')  # Reflex's name for State.is_hydrated


class HeldSocket:
    """The event websocket, with the server's messages held back on demand (the server 'answers late').

    With `after_snapshot`, holding starts by itself once the state snapshot of the connection has passed: the page
    then shows the tab's restored state while its load's answer waits."""

    def __init__(self, after_snapshot: bool = False) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self._after_snapshot = after_snapshot
        self._page_side: WebSocketRoute | None = None

    def route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        self._page_side = socket
        server.on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        if self.holding:
            self.held.append(message)
        elif self._page_side is not None:
            self._page_side.send(message)
            if self._after_snapshot and isinstance(message, str) and SNAPSHOT.search(message):
                self.holding = True

    def release(self) -> None:
        self.holding = self._after_snapshot = False
        for message in self.held:
            assert self._page_side is not None
            self._page_side.send(message)
        self.held.clear()

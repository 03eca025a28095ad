"""A learner's progress in every open tab, over the real websocket: each click, a milestone, an admin reset, a tab
that closes and one that comes back (the app served for real, API and websocket only)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.engine.enrollment import enroll_course
from learnapp.ui.pages.admin_learner import LearnerAdminState
from tests.e2e.server import Setup, served_app
from tests.security.test_state_events import (
    ADMIN_LOGIN,
    Tab,
    countable,
    event_name,
    lesson_route,
    log_in,
    page,
    sync_values,
)

pytestmark = pytest.mark.e2e

COURSE = "python-basics"
PASSWORD = "live-tabs-2026"


@dataclass(frozen=True)
class Class:
    url: str
    db: Database
    lessons: list[str]
    admin_cookie: str

    def learner(self) -> tuple[int, str]:
        """A fresh learner enrolled in COURSE: (id, session cookie)."""
        email = f"live-{uuid.uuid4().hex[:8]}@example.com"
        account = create_learner(self.db, email, "Live Tabs", PASSWORD)
        enroll_course(self.db, account.id, COURSE)
        return account.id, log_in(self.url, email, PASSWORD)


@pytest.fixture(scope="module")
def lesson_class(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Class]:
    folder = tmp_path_factory.mktemp("live-tabs")
    with served_app(folder, Setup(backend_only=True)) as url:
        db = Database(f"sqlite:///{folder / 'e2e.db'}")
        yield Class(url, db, countable(db, COURSE), log_in(url, *ADMIN_LOGIN))
        db.dispose()


async def seen_within(tab: Tab, check: Callable[[list[str]], bool], seconds: float = 2.0) -> list[str]:
    """What the tab received, once `check` holds for it (or fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        tab._drain()
        if check(tab.seen):
            return tab.seen
        if time.monotonic() > deadline:
            raise AssertionError(f"not received within {seconds}s: {tab.seen[-3:]}")
        await asyncio.sleep(0.05)


def last(messages: list[str], var: str) -> Any:
    values = sync_values(messages, var)
    return values[-1] if values else None


def test_every_click_and_the_milestone_notice_reach_every_tab(lesson_class: Class) -> None:
    learner, cookie = lesson_class.learner()
    lessons = lesson_class.lessons
    milestone = -(-len(lessons) // 4)  # the click that crosses 25%

    async def run() -> None:
        clicking, other = Tab(lesson_class.url, cookie=cookie), Tab(lesson_class.url, cookie=cookie)
        await clicking.connect(lesson_route(COURSE, lessons[0]))
        await other.connect(page(routes.course(COURSE), course=COURSE))
        for number, slug in enumerate(lessons[:milestone], start=1):
            route = lesson_route(COURSE, slug)
            await clicking.open(route)
            await clicking.mark_complete(route)
            for tab in (clicking, other):
                await seen_within(tab, lambda seen, slug=slug: slug in (last(seen, "done") or {}))
                assert len(last(tab.seen, "done")) == number
            unread = 1 if number == milestone else 0
            for tab in (clicking, other):
                await seen_within(tab, lambda seen, unread=unread: (last(seen, "unread") or 0) == unread)
        for tab in (clicking, other):
            assert "You reached 25% of" in last(tab.seen, "notices")[0]["title"]
            assert last(tab.seen, "courses")[COURSE]["completed"] == milestone
            await tab.close()

    asyncio.run(run())


def test_an_admin_reset_reaches_the_learners_open_tab(lesson_class: Class) -> None:
    learner, cookie = lesson_class.learner()
    lessons = lesson_class.lessons

    async def run() -> None:
        tab = Tab(lesson_class.url, cookie=cookie)
        await tab.connect(lesson_route(COURSE, lessons[0]))
        for slug in lessons[:2]:
            await tab.open(lesson_route(COURSE, slug))
            await tab.mark_complete(lesson_route(COURSE, slug))
        await seen_within(tab, lambda seen: len(last(seen, "done") or {}) == 2)
        admin = Tab(lesson_class.url, cookie=lesson_class.admin_cookie)
        where = page(routes.admin_learner(learner), id=str(learner))
        await admin.connect(where)
        await admin.event(event_name(LearnerAdminState, "reset_enrollment"), where, {"course_slug": COURSE})
        await seen_within(tab, lambda seen: last(seen, "done") == {})
        assert last(tab.seen, "courses")[COURSE]["completed"] == 0
        await tab.close()
        await admin.close()

    asyncio.run(run())


def test_a_closed_tab_gets_nothing_and_comes_back_live_when_it_reconnects(lesson_class: Class) -> None:
    learner, cookie = lesson_class.learner()
    lessons = lesson_class.lessons

    async def run() -> None:
        clicking, leaving = Tab(lesson_class.url, cookie=cookie), Tab(lesson_class.url, cookie=cookie)
        await clicking.connect(lesson_route(COURSE, lessons[0]))
        await leaving.connect(lesson_route(COURSE, lessons[0]))
        await leaving.close()  # returns once the server acknowledged the close
        await clicking.settle()  # two round trips through the server after it: it has handled the close by now
        await clicking.mark_complete(lesson_route(COURSE, lessons[0]))  # finds the closed tab and drops it
        back = Tab(lesson_class.url, cookie=cookie, token=leaving.token)  # the same tab, reconnected
        await back.connect(lesson_route(COURSE, lessons[1]))
        assert lessons[0] in (last(back.seen, "done") or {})  # its page load brought it up to date
        await clicking.open(lesson_route(COURSE, lessons[1]))
        await clicking.mark_complete(lesson_route(COURSE, lessons[1]))
        await seen_within(back, lambda seen: lessons[1] in (last(seen, "done") or {}))
        for tab in (clicking, back):
            await tab.close()

    asyncio.run(run())

"""The learner's own Enroll (course and pathway) and Start over reach their other open tabs within a second, over the
real websocket (the app served for real, API and websocket only)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.ui.pages.course import CourseState
from learnapp.ui.pages.pathway import PathwayState
from tests.e2e.server import Setup, served_app
from tests.e2e.test_live_tabs import last, seen_within
from tests.security.test_state_events import Tab, countable, event_name, log_in, page

pytestmark = pytest.mark.e2e

COURSE, PATHWAY = "python-basics", "python-developer"
PASSWORD = "live-enroll-2026"


@dataclass(frozen=True)
class Served:
    url: str
    db: Database
    lessons: list[str]

    def learner(self) -> tuple[int, str]:
        """A fresh learner, enrolled in nothing: (id, session cookie)."""
        email = f"enroll-{uuid.uuid4().hex[:8]}@example.com"
        account = create_learner(self.db, email, "Live Enroll", PASSWORD)
        return account.id, log_in(self.url, email, PASSWORD)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("live-enroll")
    with served_app(folder, Setup(backend_only=True)) as url:
        db = Database(f"sqlite:///{folder / 'e2e.db'}")
        yield Served(url, db, countable(db, COURSE))
        db.dispose()


def test_enrolling_in_a_course_reaches_the_learners_other_tab(served: Served) -> None:
    _learner, cookie = served.learner()
    where = page(routes.course(COURSE), course=COURSE)

    async def run() -> None:
        clicking, other = Tab(served.url, cookie=cookie), Tab(served.url, cookie=cookie)
        await clicking.connect(where)
        await other.connect(page(routes.MY_LEARNING))
        assert COURSE not in (last(other.seen, "courses") or {})
        await clicking.event(event_name(CourseState, "enroll"), where)
        await seen_within(other, lambda seen: COURSE in (last(seen, "courses") or {}), seconds=1.0)
        for tab in (clicking, other):
            await tab.close()

    asyncio.run(run())


def test_enrolling_in_a_pathway_reaches_the_learners_other_tab(served: Served) -> None:
    _learner, cookie = served.learner()
    where = page(routes.pathway(PATHWAY), pathway=PATHWAY)
    key = f"pathway:{PATHWAY}"

    async def run() -> None:
        clicking, other = Tab(served.url, cookie=cookie), Tab(served.url, cookie=cookie)
        await clicking.connect(where)
        await other.connect(page(routes.course(COURSE), course=COURSE))
        assert key not in (last(other.seen, "courses") or {})
        await clicking.event(event_name(PathwayState, "enroll"), where)
        await seen_within(other, lambda seen: key in (last(seen, "courses") or {}), seconds=1.0)
        for tab in (clicking, other):
            await tab.close()

    asyncio.run(run())


def test_start_over_reaches_the_learners_other_tab(served: Served) -> None:
    learner, cookie = served.learner()
    enroll_course(served.db, learner, COURSE)
    for slug in served.lessons[:2]:
        record_completion(served.db, learner, slug)
    where = page(routes.course(COURSE), course=COURSE)

    async def run() -> None:
        clicking, other = Tab(served.url, cookie=cookie), Tab(served.url, cookie=cookie)
        await clicking.connect(where)
        await other.connect(page(routes.MY_LEARNING))
        assert len(last(other.seen, "done") or {}) == 2
        await clicking.event(event_name(CourseState, "start_over"), where)
        await seen_within(other, lambda seen: last(seen, "done") == {}, seconds=1.0)
        assert last(other.seen, "courses")[COURSE]["completed"] == 0
        for tab in (clicking, other):
            await tab.close()

    asyncio.run(run())

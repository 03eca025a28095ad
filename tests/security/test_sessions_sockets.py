"""Over the real websocket (the app served for real, API and websocket only): two tabs of one learner, each signed in
with its own session; once one session ends (logout, "Log out" from the other device, idleness, "log out
everywhere") an API completion still reaches the live tab but never the ended one, and the ended tab's next event is
signed out."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from bench.reflex_socket import ON_LOAD
from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.tables import LoginSession
from learnapp.services.accounts.learners import create_learner
from learnapp.services.accounts.sessions import TRUST_FOR, session_digest
from learnapp.services.accounts.tokens import create_token
from learnapp.services.engine.enrollment import enroll_course
from learnapp.ui.pages.player import PlayerState
from learnapp.ui.pages.profile_sessions import ProfileSessionsState
from tests.e2e.server import Setup, served_app
from tests.security.conftest import COOKIE
from tests.security.test_state_events import (
    Tab,
    completions,
    countable,
    event_name,
    lesson_route,
    log_in,
    page,
    sync_values,
)

pytestmark = pytest.mark.e2e

COURSE = "python-basics"
PASSWORD = "session-sockets-2026"
PROFILE = page("/profile")


@dataclass(frozen=True)
class Served:
    url: str
    db: Database
    lessons: list[str]


@dataclass(frozen=True)
class TwoDevices:
    """One learner signed in twice (two sessions), with an API token to report completions."""

    id: int
    email: str
    laptop: str  # Cookie headers
    phone: str
    api_token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("session-sockets")
    with served_app(folder, Setup(backend_only=True)) as url:
        db = Database(f"sqlite:///{folder / 'e2e.db'}")
        yield Served(url, db, countable(db, COURSE))
        db.dispose()


def learner(served: Served) -> TwoDevices:
    email = f"devices-{uuid.uuid4().hex[:8]}@example.com"
    account = create_learner(served.db, email, "Two Devices", PASSWORD)
    enroll_course(served.db, account.id, COURSE)
    token = create_token(served.db, account.id, "grading script").secret
    laptop, phone = log_in(served.url, email, PASSWORD), log_in(served.url, email, PASSWORD)
    return TwoDevices(account.id, email, laptop, phone, token)


def secret(cookie: str) -> str:
    return cookie.split("=", 1)[1]


def session_id(db: Database, cookie: str) -> int | None:
    with db.snapshot() as conn:
        query = select(col(LoginSession.id)).where(col(LoginSession.token_hash) == session_digest(secret(cookie)))
        return conn.execute(query).scalar()


def complete_over_api(served: Served, who: TwoDevices, lesson: str) -> None:
    response = httpx.post(
        f"{served.url}/api/v1/learners/{who.id}/completions",
        json={"lesson": lesson},
        headers={"Authorization": f"Bearer {who.api_token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text


async def receives(tab: Tab, lesson: str, seconds: float = 2.0) -> bool:
    """Whether a push showing `lesson` done reaches the tab within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tab._drain()
        if any(lesson in done for done in sync_values(tab.seen, "done")):
            return True
        await asyncio.sleep(0.05)
    return False


async def end_by(ending: str, served: Served, who: TwoDevices, laptop: Tab) -> None:
    """End the phone's session the way `ending` says; the laptop's goes on."""
    if ending == "logout":
        response = httpx.post(f"{served.url}/auth/logout", headers={"Cookie": who.phone}, timeout=10)
        assert response.status_code == 303
        assert COOKIE in response.headers["set-cookie"]  # the browser is told to forget it too
    elif ending == "laptop-logs-the-phone-out":
        await laptop.open(PROFILE)
        phone_id = session_id(served.db, who.phone)
        await laptop.event(event_name(ProfileSessionsState, "log_out_device"), PROFILE, {"session_id": str(phone_id)})
        await laptop.settle()
    else:  # idle: the phone has not been seen for longer than the idle period
        with served.db.transaction() as conn:
            conn.execute(
                update(LoginSession)
                .where(col(LoginSession.token_hash) == session_digest(secret(who.phone)))
                .values(last_seen_at=utcnow() - timedelta(days=15))
            )
    if ending != "idle":
        assert session_id(served.db, who.phone) is None


@pytest.mark.parametrize("ending", ["logout", "laptop-logs-the-phone-out", "idle"])
def test_an_ended_sessions_tab_gets_no_more_progress_and_its_next_event_is_signed_out(
    served: Served, ending: str
) -> None:
    who = learner(served)
    first, second, third = served.lessons[:3]

    async def run() -> None:
        laptop, phone = Tab(served.url, cookie=who.laptop), Tab(served.url, cookie=who.phone)
        await laptop.connect(lesson_route(COURSE, first))
        await phone.connect(lesson_route(COURSE, first))
        complete_over_api(served, who, first)  # the control: both tabs are live before
        assert await receives(laptop, first) and await receives(phone, first)

        await end_by(ending, served, who, laptop)
        phone._drain()
        pushed_before = len(phone.seen)
        complete_over_api(served, who, second)
        assert await receives(laptop, second), "the live session's tab stopped getting progress"
        # Two round trips through the server (one process, one loop) after the control tab got the push: a push to
        # the phone would have been written by now.
        await laptop.settle()
        await asyncio.sleep(0)  # the phone's reader takes what its socket holds
        phone._drain()
        assert sync_values(phone.seen[pushed_before:], "done") == [], f"progress reached the tab of a {ending} session"

        # Its next event is signed out (after TRUST_FOR, the most another worker may have trusted it for).
        await asyncio.sleep(TRUST_FOR + 0.2)
        # The player marks the lesson its state shows: open `third` first (its on_load), or the click could only
        # ever mark `first`, already complete, and the check below could not fail.
        await phone.fire(ON_LOAD, lesson_route(COURSE, third))
        await phone.fire(event_name(PlayerState, "mark_complete"), lesson_route(COURSE, third))
        await phone.settle()
        assert third not in completions(served.db, who.id)
        # Wait for the redirect itself: it may come in a later message than the one that ends hydration.
        await phone.event(ON_LOAD, PROFILE, until=lambda message: "/login?next=/profile" in message)
        assert who.email not in "\n".join(phone.replies)
        for tab in (laptop, phone):
            await tab.close()

    asyncio.run(run())


def test_log_out_everywhere_ends_every_tab_of_the_account_and_sends_this_one_to_login(served: Served) -> None:
    who = learner(served)
    other = learner(served)  # another learner, signed in too: untouched
    first, second = served.lessons[:2]

    async def run() -> None:
        laptop, phone = Tab(served.url, cookie=who.laptop), Tab(served.url, cookie=who.phone)
        bystander = Tab(served.url, cookie=other.laptop)
        await laptop.connect(PROFILE)
        await phone.connect(lesson_route(COURSE, first))
        await bystander.connect(lesson_route(COURSE, first))
        await laptop.event(
            event_name(ProfileSessionsState, "log_out_everywhere"),
            PROFILE,
            until=lambda message: '"/login"' in message,
        )
        assert session_id(served.db, who.laptop) is None and session_id(served.db, who.phone) is None
        complete_over_api(served, who, first)
        for tab in (laptop, phone):
            assert not await receives(tab, first, seconds=1.5)
        complete_over_api(served, other, second)
        assert await receives(bystander, second)
        for tab in (laptop, phone, bystander):
            await tab.close()

    asyncio.run(run())


def test_a_learners_socket_cannot_end_another_learners_session(served: Served) -> None:
    alice, bob = learner(served), learner(served)
    bobs_sessions = [session_id(served.db, bob.laptop), session_id(served.db, bob.phone)]

    async def run() -> None:
        tab = Tab(served.url, cookie=alice.laptop)
        await tab.connect(PROFILE)
        for target in (*bobs_sessions, f"{bobs_sessions[0]}.0", -1, 2**70, "x" * 5000, None, {"id": 1}):
            await tab.fire(event_name(ProfileSessionsState, "log_out_device"), PROFILE, {"session_id": target})
        await tab.settle()
        assert "That session has already ended" in "\n".join(tab.seen)
        await tab.close()

    asyncio.run(run())
    assert [session_id(served.db, bob.laptop), session_id(served.db, bob.phone)] == bobs_sessions
    assert session_id(served.db, alice.laptop) is not None  # the asking browser is never ended by this either

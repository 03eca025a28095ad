"""The session trust window: a checked session is believed for TRUST_FOR seconds, never longer, and not at all once
this process ended it; a session ended by another worker stops acting within the window (served: one worker)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlmodel import col

from bench.reflex_socket import ON_LOAD
from learnapp.domain import routes
from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.tables import LoginSession
from learnapp.services.accounts import sessions
from learnapp.services.accounts.learners import create_learner
from learnapp.services.accounts.sessions import (
    TRUST_FOR,
    end_all_sessions,
    end_other_session,
    end_session,
    session_account,
    session_digest,
    start_session,
    trusted_account,
)
from learnapp.services.engine.enrollment import enroll_course
from learnapp.ui.pages.player import PlayerState
from tests.backing import redis_server
from tests.conftest import ALICE
from tests.e2e.server import Setup, served_app
from tests.security.test_state_events import Tab, completions, countable, event_name, lesson_route, log_in, page


class Clock:
    """The monotonic clock the trust cache reads, moved by hand: the window's edges without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sessions, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(sessions, "_checked", {})  # nothing trusted from another test
    return fake


def end_elsewhere(db: Database, token: str) -> None:
    """Another worker logs the session out: a real second process, whose own trust cache is not ours."""
    program = (
        "import sys\n"
        "from learnapp.persistence.db import Database\n"
        "from learnapp.services.accounts.sessions import end_session\n"
        "end_session(Database(sys.argv[1]), sys.argv[2])\n"
    )
    subprocess.run([sys.executable, "-c", program, str(db.engine.url), token], check=True, timeout=60)
    with db.snapshot() as conn:
        left = conn.execute(select(col(LoginSession.id)).where(col(LoginSession.token_hash) == session_digest(token)))
        assert left.first() is None


@pytest.mark.parametrize("ending", ["logout", "log out everywhere", "log out that device"])
def test_a_session_ended_in_this_process_is_not_trusted_for_a_moment_more(db: Database, clock: Clock, ending: str):
    token, other = start_session(db, ALICE), start_session(db, ALICE)
    assert session_account(db, token) is not None  # checked: trusted from now on, without a query
    assert trusted_account(token)[0]
    if ending == "logout":
        end_session(db, token)
    elif ending == "log out everywhere":
        assert end_all_sessions(db, ALICE) == 2
    else:
        with db.snapshot() as conn:
            query = select(col(LoginSession.id)).where(col(LoginSession.token_hash) == session_digest(token))
            session_id = conn.execute(query).scalar_one()
        assert end_other_session(db, ALICE, session_id, other)
    # The clock has not moved: the window is still open, yet the session is not believed.
    assert trusted_account(token) == (False, None)
    assert session_account(db, token) is None


def test_a_session_ended_by_another_worker_is_believed_at_most_trust_for(db: Database, clock: Clock) -> None:
    token = start_session(db, ALICE)
    checked = clock.now
    assert session_account(db, token) is not None
    end_elsewhere(db, token)
    clock.now = checked + TRUST_FOR - 0.001  # inside the window: this worker has not asked the database again
    assert session_account(db, token) is not None
    clock.now = checked + TRUST_FOR  # the window has closed: asked again, and the answer is no
    assert session_account(db, token) is None
    clock.now += 3600  # and it stays no: the "no" is cached, then asked again
    assert session_account(db, token) is None


@pytest.mark.parametrize("how", ["expired", "idle"])
def test_a_session_that_runs_out_while_trusted_ends_with_the_window(db: Database, clock: Clock, how: str) -> None:
    token = start_session(db, ALICE)
    checked = clock.now
    assert session_account(db, token) is not None
    past = utcnow() - timedelta(days=60)
    with db.transaction() as conn:
        conn.execute(
            update(LoginSession)
            .where(col(LoginSession.token_hash) == session_digest(token))
            .values(**({"expires_at": past} if how == "expired" else {"last_seen_at": past}))
        )
    clock.now = checked + TRUST_FOR
    assert session_account(db, token) is None


def test_a_checked_session_is_answered_without_the_database_inside_the_window(db: Database, clock: Clock) -> None:
    """The window's reason to exist: every websocket event checks its session, and most need no query."""
    token = start_session(db, ALICE)
    account = session_account(db, token)
    broken = Database("sqlite:////nonexistent-folder/nothing.db")  # any query on it would fail
    clock.now += TRUST_FOR / 2
    assert session_account(broken, token) == account
    clock.now += TRUST_FOR / 2
    with pytest.raises(Exception):  # noqa: B017 - past the window it must ask the database: this one cannot answer
        session_account(broken, token)
    broken.dispose()


def test_no_cookie_and_an_unknown_secret_are_never_trusted(db: Database, clock: Clock) -> None:
    assert trusted_account(None) == (True, None)  # no cookie: signed out, nothing to look up
    stranger = uuid.uuid4().hex
    assert trusted_account(stranger) == (False, None)
    assert session_account(db, stranger) is None


# ---- served: the app's own cache, in its own process, over the real websocket ----------------------------------

COURSE = "python-basics"
PASSWORD = "session-trust-2026"


@dataclass(frozen=True)
class Served:
    url: str
    db: Database
    lessons: list[str]
    workers: int


@pytest.fixture(scope="module", params=[1, 2], ids=["one worker", "two workers"])
def served(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Served]:
    """The app on SQLite; with two workers, Redis holds the tabs' states (as in production) and either may serve."""
    folder = tmp_path_factory.mktemp("session-trust")
    with ExitStack() as stack:
        setup = Setup(backend_only=True)
        if request.param == 2:
            setup = Setup(backend_only=True, workers=2, redis_url=stack.enter_context(redis_server(folder / "redis")))
        url = stack.enter_context(served_app(folder, setup))
        db = Database(f"sqlite:///{folder / 'e2e.db'}")
        yield Served(url, db, countable(db, COURSE), request.param)
        db.dispose()


# When each lesson is opened and marked complete, in seconds after the session ended: three inside the window (they
# may act: the worker has not asked the database again), three after it (they must not).
SCHEDULE = (0.2, 0.9, 1.6, TRUST_FOR + 0.05, TRUST_FOR + 0.4, TRUST_FOR + 0.9)


@pytest.mark.e2e
def test_a_tab_whose_session_another_worker_ended_stops_acting_within_the_window(served: Served) -> None:
    email = f"trust-{uuid.uuid4().hex[:8]}@example.com"
    account = create_learner(served.db, email, "Trust Window", PASSWORD)
    enroll_course(served.db, account.id, COURSE)
    cookie = log_in(served.url, email, PASSWORD)
    first, *rest = served.lessons
    fired = list(zip(rest, SCHEDULE, strict=False))
    assert len(fired) == len(SCHEDULE)

    async def run() -> None:
        tab = Tab(served.url, cookie=cookie)
        await tab.connect(lesson_route(COURSE, first))
        await tab.mark_complete(lesson_route(COURSE, first))
        assert first in completions(served.db, account.id)  # the control: the live session acts
        if served.workers == 1:  # ended from this process, as another worker would: the app's cache is not told
            with served.db.transaction() as conn:
                conn.execute(delete(LoginSession).where(col(LoginSession.learner_id) == account.id))
        else:  # a real logout, served by whichever worker takes it (the tab's own or the other)
            assert httpx.post(f"{served.url}/auth/logout", headers={"Cookie": cookie}, timeout=10).status_code == 303
        ended = time.monotonic()
        for lesson, at in fired:
            await asyncio.sleep(max(0.0, ended + at - time.monotonic()))
            # The player marks the lesson its state shows: open the lesson (its on_load), then click.
            await tab.fire(ON_LOAD, lesson_route(COURSE, lesson))
            await tab.fire(event_name(PlayerState, "mark_complete"), lesson_route(COURSE, lesson))
        await tab.settle()
        await tab.open(page(routes.PROFILE))
        assert any("/login?next=/profile" in message for message in tab.replies)
        await tab.close()

    asyncio.run(run())
    done = completions(served.db, account.id)
    inside = [lesson for lesson, at in fired if at < TRUST_FOR]
    late = [lesson for lesson, at in fired if at >= TRUST_FOR]
    acted = f"{len(set(inside) & done)} of {len(inside)} inside the window acted"  # may be any: not a rule
    assert not set(late) & done, f"acted after the window closed: done {sorted(done)}, sent after it {late}; {acted}"

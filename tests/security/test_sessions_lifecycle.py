"""Sign-in sessions end by logout, by the 30-day limit, by idleness and by "log out everywhere"; a learner can see
and end only their own; the browser's description of itself is kept; the tab-side checks see every ending."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.tables import LoginSession
from learnapp.services.accounts.sessions import (
    active_sessions,
    end_all_sessions,
    end_other_session,
    end_session,
    session_account,
    session_digest,
    start_session,
)
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.live import ProgressChanged, read_change
from learnapp.settings import get_settings
from learnapp.ui.binding import SIGNED_OUT, live_session_key
from learnapp.ui.live.channel import session_may_see
from tests.conftest import ALICE, BOB
from tests.security.conftest import Browser


def pushed_to(db: Database, learner_id: int, token: str | None) -> bool:
    """Whether a change of the learner's progress, read now, would be pushed to a tab signed in with `token`."""
    change = read_change(db, ProgressChanged(learner_id, None, None))
    return session_may_see(change, f"learnapp_session={token}" if token else None)


CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


def age(db: Database, token: str, *, seen_days_ago: float = 0, expires_in_days: float | None = None) -> None:
    """Move a session's clock: last seen `seen_days_ago`, and (when given) expiring in `expires_in_days`."""
    now = utcnow()
    values = {"last_seen_at": now - timedelta(days=seen_days_ago)}
    if expires_in_days is not None:
        values["expires_at"] = now + timedelta(days=expires_in_days)
    with db.transaction() as conn:
        conn.execute(update(LoginSession).where(col(LoginSession.token_hash) == session_digest(token)).values(values))


def session_ids(db: Database, learner_id: int) -> list[int]:
    with db.snapshot() as conn:
        query = select(col(LoginSession.id)).where(col(LoginSession.learner_id) == learner_id)
        return sorted(conn.execute(query.order_by(col(LoginSession.id))).scalars())


@pytest.fixture
def ui_db(db_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The UI's default database is this test's (as the served app's is its own)."""
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


# --- Idle expiry beside the 30-day limit ---------------------------------------------------------------------------


def test_a_session_idle_for_longer_than_the_idle_period_has_ended(db: Database) -> None:
    token = start_session(db, ALICE)
    age(db, token, seen_days_ago=14.01)
    assert session_account(db, token) is None
    assert not pushed_to(db, ALICE, token)


def test_a_session_used_within_the_idle_period_lives_on_and_is_seen_again(db: Database) -> None:
    token = start_session(db, ALICE)
    age(db, token, seen_days_ago=13.9)
    account = session_account(db, token)
    assert account is not None and account.id == ALICE
    [view] = active_sessions(db, ALICE, token)
    assert utcnow() - view.last_seen_at < timedelta(minutes=1)  # touched: the idle clock starts again


def test_the_30_day_limit_still_ends_a_session_in_daily_use(db: Database) -> None:
    token = start_session(db, ALICE)
    age(db, token, seen_days_ago=0, expires_in_days=-0.001)
    assert session_account(db, token) is None
    assert not pushed_to(db, ALICE, token)


def test_the_idle_period_is_a_setting(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNAPP_SESSION_IDLE_DAYS", "2")
    get_settings.cache_clear()
    try:
        token = start_session(db, ALICE)
        age(db, token, seen_days_ago=3)
        assert session_account(db, token) is None
        monkeypatch.setenv("LEARNAPP_SESSION_IDLE_DAYS", "0")
        get_settings.cache_clear()
        with pytest.raises(ValueError, match="session_idle_days"):
            get_settings()
    finally:
        monkeypatch.delenv("LEARNAPP_SESSION_IDLE_DAYS")
        get_settings.cache_clear()
    assert get_settings().session_idle_days == 14


# --- The push path's check, in the read of the progress it guards ---------------------------------------------------


def test_the_tab_progress_read_answers_only_for_a_live_session_of_that_learner(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    token = start_session(db, ALICE)
    change = read_change(db, ProgressChanged(ALICE, None, None))
    assert change.read is not None and change.read.snapshot.done == {"b1": True}
    assert pushed_to(db, ALICE, token)
    assert not pushed_to(db, BOB, token)  # Alice's session never sees Bob's progress
    assert not pushed_to(db, ALICE, None) and not pushed_to(db, ALICE, "made-up")
    end_session(db, token)
    assert not pushed_to(db, ALICE, token)


@pytest.mark.parametrize("ending", ["logout", "idle", "everywhere", "from-another-device"])
def test_a_tab_whose_session_ended_gets_no_progress_and_its_next_event_is_signed_out(
    ui_db: Database, ending: str
) -> None:
    db = ui_db
    tab, other = start_session(db, ALICE), start_session(db, ALICE)

    async def before() -> None:
        assert pushed_to(db, ALICE, tab)
        assert await live_session_key(tab) == session_digest(tab)  # checked now: trusted for a moment after

    asyncio.run(before())
    if ending == "logout":
        end_session(db, tab)
    elif ending == "idle":
        age(db, tab, seen_days_ago=15)
        from learnapp.services.accounts import sessions

        sessions._checked.clear()  # what TRUST_FOR seconds do: the next event asks the database again
    elif ending == "everywhere":
        assert end_all_sessions(db, ALICE) == 2
    else:
        [tab_id] = [view.id for view in active_sessions(db, ALICE, tab) if view.current]
        assert end_other_session(db, ALICE, tab_id, other)

    async def after() -> None:
        assert not pushed_to(db, ALICE, tab)
        assert await live_session_key(tab) == SIGNED_OUT  # at once in this process: no trust window left over

    asyncio.run(after())


# --- The learner's list of sessions, and ending them ---------------------------------------------------------------


def test_login_and_signup_record_the_browser_description(browser: Browser, db: Database) -> None:
    response = browser.post(
        "/auth/login",
        data={"email": "alice@example.com", "password": "alice-password"},
        headers={"user-agent": CHROME_LINUX},
    )
    assert response.status_code == 303
    long_agent = "X" * 5000
    response = browser.post(
        "/auth/signup",
        data={"name": "Carol", "email": "carol@example.com", "password": "carol-password-1"},
        headers={"user-agent": long_agent},
    )
    assert response.status_code == 303
    with db.snapshot() as conn:
        agents = dict(conn.execute(select(col(LoginSession.learner_id), col(LoginSession.user_agent))).all())
    assert agents[ALICE] == CHROME_LINUX
    assert [agent for learner, agent in agents.items() if learner > 3] == ["X" * 300]


def test_the_list_shows_only_the_learners_live_sessions_and_marks_this_one(db: Database) -> None:
    here, phone = start_session(db, ALICE, CHROME_LINUX), start_session(db, ALICE, "iPhone Safari")
    stale = start_session(db, ALICE)
    start_session(db, BOB, "Bob's browser")
    age(db, stale, seen_days_ago=20)
    age(db, phone, seen_days_ago=1)
    views = active_sessions(db, ALICE, here)
    assert [(view.user_agent, view.current) for view in views] == [(CHROME_LINUX, True), ("iPhone Safari", False)]
    assert [view.current for view in active_sessions(db, ALICE, None)] == [False, False]


def test_a_learner_ends_another_of_their_sessions_but_never_bobs_nor_the_one_asking(db: Database) -> None:
    here, laptop = start_session(db, ALICE), start_session(db, ALICE)
    bobs = start_session(db, BOB)
    [bob_id] = session_ids(db, BOB)
    here_id, laptop_id = session_ids(db, ALICE)
    for hostile in (bob_id, here_id, 0, -1, 2**63, 2**80, 999_999):
        assert not end_other_session(db, ALICE, hostile, here), hostile
    assert session_account(db, bobs) is not None and session_account(db, here) is not None
    assert end_other_session(db, ALICE, laptop_id, here)
    assert session_account(db, laptop) is None
    assert not end_other_session(db, ALICE, laptop_id, here)  # already gone: nothing, no error


def test_log_out_everywhere_ends_every_session_of_the_account_and_no_one_elses(db: Database) -> None:
    mine = [start_session(db, ALICE) for _ in range(3)]
    bobs = start_session(db, BOB)
    for token in mine:
        assert session_account(db, token) is not None  # trusted for a moment in this process...
    assert end_all_sessions(db, ALICE) == 3
    assert [session_account(db, token) for token in mine] == [None, None, None]  # ...and forgotten at once
    assert session_account(db, bobs) is not None
    assert end_all_sessions(db, ALICE) == 0

"""Housekeeping: ended sessions and client event ids past their retention are purged, live ones are kept; the
command line runs the same purge."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlmodel import col

from learnapp.cli import main
from learnapp.domain.clock import utcnow
from learnapp.jobs import housekeeping_worker
from learnapp.persistence.db import Database
from learnapp.persistence.tables import ClientEvent, LoginSession
from learnapp.services.accounts.sessions import session_account, session_digest, start_session
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.events import ClientEventIn, apply_events
from learnapp.services.operations.housekeeping import CLIENT_EVENT_RETENTION, purge
from tests.conftest import ALICE, BOB


def set_session(db: Database, token: str, **values: object) -> None:
    with db.transaction() as conn:
        conn.execute(update(LoginSession).where(col(LoginSession.token_hash) == session_digest(token)).values(values))


def set_event_age(db: Database, event_id: str, days: float) -> None:
    with db.transaction() as conn:
        conn.execute(
            update(ClientEvent)
            .where(col(ClientEvent.event_id) == event_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


def count(db: Database, table: type[LoginSession] | type[ClientEvent]) -> int:
    with db.snapshot() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def viewed(event_id: str, seconds: int = 60) -> ClientEventIn:
    return ClientEventIn(event_id, "lesson_viewed", "b1", seconds=seconds)


def test_purge_deletes_expired_and_idle_sessions_and_keeps_live_ones(db: Database) -> None:
    now = utcnow()
    live, recent = start_session(db, ALICE), start_session(db, BOB)
    expired, idle = start_session(db, ALICE), start_session(db, BOB)
    set_session(db, expired, expires_at=now - timedelta(seconds=1))
    set_session(db, idle, last_seen_at=now - timedelta(days=14, seconds=1))
    set_session(db, recent, last_seen_at=now - timedelta(days=13))
    purged = purge(db, now)
    assert purged.sessions == 2 and count(db, LoginSession) == 2
    assert session_account(db, live) is not None and session_account(db, recent) is not None
    assert purge(db, now).sessions == 0  # nothing left to do: a second run is harmless


def test_purge_forgets_client_event_ids_after_the_retention_period_and_then_the_id_may_be_reused(db: Database) -> None:
    assert CLIENT_EVENT_RETENTION.days == 30  # what the README promises
    enroll_course(db, ALICE, "ac-course")
    apply_events(db, ALICE, [viewed("old"), viewed("kept")])
    set_event_age(db, "old", 30.01)
    set_event_age(db, "kept", 29.9)
    assert purge(db, utcnow()).client_events == 1
    with db.snapshot() as conn:
        assert list(conn.execute(select(col(ClientEvent.event_id))).scalars()) == ["kept"]
    # The id "old" is free again: another body is applied, not a conflict; "kept" still guards its body.
    [outcome] = apply_events(db, ALICE, [viewed("old", seconds=90)])
    assert outcome.status == "applied"
    [resend] = apply_events(db, ALICE, [viewed("kept")])
    assert resend.status == "duplicate"


def test_the_housekeeping_command_purges_and_says_what(cli_db: Database) -> None:
    ended, live = start_session(cli_db, ALICE), start_session(cli_db, ALICE)
    set_session(cli_db, ended, last_seen_at=utcnow() - timedelta(days=40))
    result = CliRunner().invoke(main, ["housekeeping"])
    assert result.exit_code == 0, result.output
    assert "purged 1 ended session(s) and 0 client event id(s) older than 30 days" in result.output
    assert count(cli_db, LoginSession) == 1 and session_account(cli_db, live) is not None


def test_the_app_worker_purges_as_soon_as_it_starts(cli_db: Database) -> None:
    ended = start_session(cli_db, BOB)
    set_session(cli_db, ended, expires_at=utcnow() - timedelta(minutes=1))

    async def run_a_moment() -> None:
        worker = asyncio.create_task(housekeeping_worker())
        for _ in range(100):
            await asyncio.sleep(0.05)
            if count(cli_db, LoginSession) == 0:
                break
        worker.cancel()

    asyncio.run(run_a_moment())
    assert count(cli_db, LoginSession) == 0

"""The "progress changed" event: each unit of work publishes its learner's progress read in its own transaction, with
the sessions allowed to see it, so that the tabs it reaches read nothing more."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from learnapp.persistence.db import Database
from learnapp.persistence.outbox import progress_version
from learnapp.services.accounts.sessions import end_session, session_digest, start_session
from learnapp.services.engine import live
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.live import ProgressChanged, Scope
from learnapp.services.notices.bell import read_all
from tests.conftest import ALICE, BOB


def from_tab(
    db: Database, write: Callable[..., object], *args: object, scope: Scope = Scope.PROGRESS
) -> list[ProgressChanged]:
    """What a change made from a tab publishes (learnapp/ui/live/channel.py makes it this way)."""
    with live.writing_from("tab", scope) as writing:
        write(db, *args)
    return writing.heard


def version(db: Database, learner_id: int = ALICE) -> int:
    with db.snapshot() as conn:
        return progress_version(conn, learner_id)


def test_a_change_carries_its_outcome_read_at_its_own_version_and_the_live_sessions(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    laptop, ended = start_session(db, ALICE), start_session(db, ALICE)
    start_session(db, BOB)
    end_session(db, ended)
    [change] = from_tab(db, record_completion, ALICE, "b1")
    assert change.learner_id == ALICE and change.origin == "tab" and change.read is not None
    assert change.read.version == version(db)
    assert change.read.snapshot.done == {"b1": True}
    assert change.read.snapshot.courses["ac-course"]["completed"] == 1
    assert change.sessions == {session_digest(laptop)}  # not the ended one, not Bob's


def test_a_change_that_announced_nothing_reads_only_checkmarks_and_counts(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    [quiet] = from_tab(db, record_completion, ALICE, "b1")  # 1 of 10: no milestone
    [undone] = from_tab(db, revoke_completion, ALICE, "b1")
    assert quiet.read is not None and quiet.read.scope is Scope.PROGRESS
    assert undone.read is not None and undone.read.scope is Scope.PROGRESS


def test_news_is_read_with_a_change_that_may_have_made_some(db: Database) -> None:
    [enrolled] = from_tab(db, enroll_course, ALICE, "course-b")
    [milestone] = from_tab(db, record_completion, ALICE, "s1")  # 1 of 2: the 25% and 50% notices
    [bell] = from_tab(db, read_all, ALICE)  # no event at all: the bell's count changed
    for change in (enrolled, milestone, bell):
        assert change.read is not None and change.read.scope is Scope.ALL
    assert milestone.read is not None and milestone.read.snapshot.unread > 0
    assert bell.read is not None and bell.read.snapshot.unread == 0


def test_a_tab_new_to_its_socket_gets_everything_with_its_click(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    [change] = from_tab(db, record_completion, ALICE, "b1", scope=Scope.ALL)
    assert change.read is not None and change.read.scope is Scope.ALL


def test_a_repeat_changes_nothing_and_publishes_nothing(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    assert from_tab(db, record_completion, ALICE, "b1") == []


def test_a_unit_that_changed_many_learners_publishes_them_unread_and_a_listener_reads_each_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    enroll_course(db, ALICE, "ac-course")
    session = start_session(db, ALICE)
    monkeypatch.setattr("learnapp.services.engine.unit_of_work.LIVE_READ_LIMIT", 0)
    [change] = from_tab(db, record_completion, ALICE, "b1")
    assert change.read is None and change.sessions == frozenset()
    read = live.read_change(db, change)
    assert read.read is not None and read.read.version == version(db) and read.read.scope is Scope.ALL
    assert read.sessions == {session_digest(session)} and read.origin == "tab"

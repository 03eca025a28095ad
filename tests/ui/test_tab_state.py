"""A tab shows the newest read of each part of the learner's progress, whichever order the reads arrive in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from reflex.state import State

from learnapp.persistence.notices import Notice
from learnapp.services.engine.live import ProgressRead, Scope
from learnapp.services.learning.snapshot import LearnerSnapshot
from learnapp.ui.live.tab_state import LearnerSync
from tests.conftest import ALICE, BOB

NOTICE = Notice(1, "You reached 50%", "/courses/course-b", datetime(2026, 11, 30, tzinfo=UTC), False)


def tab() -> LearnerSync:
    async def state() -> LearnerSync:
        return await State(_reflex_internal_init=True).get_state(LearnerSync)

    return asyncio.run(state())


def read(version: int, done: list[str], scope: Scope = Scope.ALL, unread: int = 0) -> ProgressRead:
    notices = (NOTICE,) * unread
    snapshot = LearnerSnapshot({slug: True for slug in done}, unread=unread, notices=notices, version=version)
    return ProgressRead(snapshot, scope)


def test_a_read_older_than_the_one_shown_changes_nothing() -> None:
    sync = tab()
    sync._show(ALICE, read(6, ["b1", "b2"], unread=1))
    sync._show(ALICE, read(5, ["b1"]))
    assert sync.done == {"b1": True, "b2": True} and sync.unread == 1


def test_news_from_an_older_read_still_shows_beside_newer_checkmarks() -> None:
    """Click 6 (announced nothing) is shown before the push of change 5 (a milestone notice) arrives."""
    sync = tab()
    sync._show(ALICE, read(4, []))
    sync._show(ALICE, read(6, ["b1", "s1"], Scope.PROGRESS))
    sync._show(ALICE, read(5, ["s1"], unread=1))
    assert sync.done == {"b1": True, "s1": True}  # the newer checkmarks stay
    assert sync.unread == 1 and sync.notices[0]["title"] == NOTICE.title  # the notice arrives


def test_another_learners_read_replaces_everything_shown() -> None:
    sync = tab()
    sync._show(ALICE, read(9, ["b1"], unread=1))
    sync._show(BOB, read(2, ["s1"], Scope.PROGRESS))
    assert sync.done == {"s1": True} and sync.unread == 0 and sync.notices == []

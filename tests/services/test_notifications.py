"""Notifications: milestones at 25/50/75%, completion, each at most once; unread count and read."""

from __future__ import annotations

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.notices.bell import notifications, read_all
from tests.conftest import ALICE, BOB

AC = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]


def titles(db: Database, learner: int) -> list[str]:
    return [n.title for n in reversed(notifications(db, learner)[1])]


def test_milestones_and_completion_are_notified_in_order(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for slug in AC:
        record_completion(db, ALICE, slug)
    assert titles(db, ALICE) == [
        "You reached 25% of Three modules",
        "You reached 50% of Three modules",
        "You reached 75% of Three modules",
        "You completed Three modules",
    ]


def test_a_milestone_is_notified_once_even_when_unmarked_and_remarked(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for slug in AC[:5]:
        record_completion(db, ALICE, slug)
    for _ in range(3):
        revoke_completion(db, ALICE, AC[4])
        record_completion(db, ALICE, AC[4])
    assert titles(db, ALICE) == ["You reached 25% of Three modules", "You reached 50% of Three modules"]


def test_unread_count_and_mark_all_read_are_per_learner(db: Database) -> None:
    for learner in (ALICE, BOB):
        enroll_course(db, learner, "course-b")
        record_completion(db, learner, "s1")
    assert notifications(db, ALICE)[0] == 1  # 50% of course-b
    read_all(db, ALICE)
    assert notifications(db, ALICE)[0] == 0
    assert notifications(db, BOB)[0] == 1

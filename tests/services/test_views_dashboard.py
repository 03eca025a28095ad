"""My Learning's read: pathway enrollments with their certificates, completion dates on the learner's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.learning.dashboard import dashboard
from learnapp.services.notices.certificates import issue_due
from tests.conftest import ADMIN, ALICE, BOB

PATH_LESSONS = ("b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2", "s1", "s2", "e1")
# 23:30 in London's winter is already the next day in Paris (Alice's zone).
LATE_EVENING_UTC = datetime(2025, 1, 14, 23, 30, tzinfo=UTC)


def test_my_learning_lists_pathways_with_progress_and_where_to_continue(db: Database) -> None:
    enroll_pathway(db, BOB, "path")
    record_completion(db, BOB, "s1")
    [card] = dashboard(db, BOB).pathways
    assert (card.slug, card.title, card.completed, card.complete) == ("path", "The path", 1, False)
    assert (card.courses_completed, card.courses_total) == (0, 3)
    assert (card.next_course, card.next_lesson) == ("ac-course", "b1") and card.completed_on is None


def test_a_completed_pathway_shows_its_local_completion_date(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    for lesson in PATH_LESSONS:
        record_completion(db, ALICE, lesson, completed_at=LATE_EVENING_UTC, actor_id=ADMIN)
    board = dashboard(db, ALICE)
    [card] = board.pathways
    assert card.complete and card.percent == 100
    assert card.completed_on == date(2025, 1, 15)  # Paris, not the UTC 14th
    courses = {c.slug: c.completed_on for c in board.cards}
    assert courses == {"ac-course": date(2025, 1, 15), "course-a": date(2025, 1, 15), "course-b": date(2025, 1, 15)}


def test_a_learner_in_utc_sees_the_utc_date(db: Database) -> None:
    enroll_course(db, BOB, "course-b")
    for lesson in ("s1", "s2"):
        record_completion(db, BOB, lesson, completed_at=LATE_EVENING_UTC, actor_id=ADMIN)
    [card] = dashboard(db, BOB).cards
    assert card.completed_on == date(2025, 1, 14)


def test_the_pathway_certificate_counts_among_the_earned(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    for lesson in PATH_LESSONS:
        record_completion(db, ALICE, lesson)
    issue_due(db, render=lambda text: b"%PDF-fake")
    board = dashboard(db, ALICE)
    assert board.certificates_earned == 4  # three courses and the pathway

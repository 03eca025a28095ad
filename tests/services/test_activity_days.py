"""Streaks and weekly activity come from activity days, kept as their own fact: an undo or Start over keeps the past."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text

from learnapp.persistence.db import Database
from learnapp.persistence.migrate import upgrade
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.learning.my_stats import learner_stats
from tests.conftest import ADMIN, ALICE, BOB

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday: its week starts Monday 16 Nov


def _three_days(db: Database, learner: int) -> None:
    """b1, b2, b3 completed on the three days before NOW (imported facts with their own times)."""
    enroll_course(db, learner, "ac-course")
    for slug, days_ago in (("b1", 3), ("b2", 2), ("b3", 1)):
        record_completion(db, learner, slug, source="import", completed_at=NOW - timedelta(days=days_ago))


def test_undoing_every_completion_keeps_the_streak_and_the_weekly_activity(db: Database) -> None:
    _three_days(db, BOB)
    before = learner_stats(db, BOB, NOW)
    assert (before.current_streak, before.longest_streak, before.lessons_completed) == (3, 3, 3)
    for slug in ("b1", "b2", "b3"):
        revoke_completion(db, BOB, slug)
    after = learner_stats(db, BOB, NOW)
    assert after.lessons_completed == 0  # what is complete now
    assert (after.current_streak, after.longest_streak) == (3, 3)  # what happened stays
    assert after.days_active == (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19))
    assert after.weekly == before.weekly and sum(n for _week, n in after.weekly) == 3


def test_start_over_keeps_the_streak(db: Database) -> None:
    _three_days(db, BOB)
    reset_course(db, BOB, "ac-course")
    stats = learner_stats(db, BOB, NOW)
    assert (stats.lessons_completed, stats.current_streak, stats.longest_streak) == (0, 3, 3)
    assert [n for _week, n in stats.weekly[-2:]] == [0, 3]


def test_an_admins_completions_count_in_the_learners_own_zone(db: Database) -> None:
    # Alice lives in Paris: 23:30 UTC on 17 Nov is already 18 Nov there, and stays so after an undo.
    enroll_course(db, ALICE, "ac-course")
    for slug, moment in (
        ("b1", datetime(2026, 11, 17, 12, 0, tzinfo=UTC)),
        ("b2", datetime(2026, 11, 17, 23, 30, tzinfo=UTC)),
    ):
        record_completion(db, ALICE, slug, source="admin", completed_at=moment, actor_id=ADMIN)
    reset_course(db, ALICE, "ac-course")
    assert learner_stats(db, ALICE, NOW).days_active == (date(2026, 11, 17), date(2026, 11, 18))


def test_redoing_a_lesson_the_same_day_counts_it_once_another_day_again(db: Database) -> None:
    enroll_course(db, BOB, "ac-course")
    day = NOW - timedelta(days=2)
    record_completion(db, BOB, "b1", source="import", completed_at=day)
    revoke_completion(db, BOB, "b1")
    record_completion(db, BOB, "b1", source="import", completed_at=day + timedelta(hours=1))
    assert sum(n for _week, n in learner_stats(db, BOB, NOW).weekly) == 1
    revoke_completion(db, BOB, "b1")
    record_completion(db, BOB, "b1", source="import", completed_at=NOW)
    stats = learner_stats(db, BOB, NOW)
    assert sum(n for _week, n in stats.weekly) == 2 and stats.lessons_completed == 1
    assert (stats.current_streak, stats.longest_streak) == (1, 1)


def test_the_migration_keeps_the_days_of_completions_held_and_of_clicks_undone_since(empty_url: str) -> None:
    upgrade(empty_url, "c0a1e5e0b13a")
    engine = create_engine(empty_url)
    stamp = "%Y-%m-%d %H:%M:%S.%f+00:00"  # UTC, whatever the session zone
    held, undone, backdated = datetime(2026, 11, 17, 23, 30), datetime(2026, 11, 16, 9), datetime(2026, 11, 19, 9)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO learner (id, email, name, password_hash, role, time_zone, created_at) VALUES "
                    "(1, 'a@example.com', 'A', 'x', 'learner', 'Europe/Paris', '2026-01-01 00:00:00+00:00')"
                )
            )
            conn.execute(
                text("INSERT INTO module (id, slug, title, description, retired) VALUES (1, 'm', 'M', '', false)")
            )
            for lesson in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO lesson (id, module_id, slug, title, position, description, kind, body, minutes, "
                        "preview, retired) VALUES (:id, 1, :slug, 'L', :id, '', 'article', '', 5, false, false)"
                    ),
                    {"id": lesson, "slug": f"l{lesson}"},
                )
            conn.execute(
                text(
                    "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source) "
                    "VALUES (1, 1, :t, 'import')"
                ),
                {"t": held.strftime(stamp)},
            )
            history = (
                "INSERT INTO progress_history (at, learner_id, actor_id, action, source, lesson_id, detail) "
                "VALUES (:t, 1, 1, :action, :source, :lesson, '')"
            )
            for at, action, source, lesson in (
                (undone, "completed", "ui", 2),  # clicked, then undone: its day stays
                (undone + timedelta(hours=1), "uncompleted", "ui", 2),
                (backdated, "completed", "import", 3),  # an import's `at` is when it ran, not the study day
            ):
                conn.execute(
                    text(history), {"t": at.strftime(stamp), "action": action, "source": source, "lesson": lesson}
                )
        upgrade(empty_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT learner_id, day, lesson_id FROM activity_day ORDER BY day")).all()
    finally:
        engine.dispose()
    days = [(learner, str(day)[:10], lesson) for learner, day, lesson in rows]
    assert days == [(1, "2026-11-16", 2), (1, "2026-11-18", 1)]  # 23:30 UTC is the next day in Paris

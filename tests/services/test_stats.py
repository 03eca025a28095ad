"""A learner's statistics: counts, average, streaks in the learner's time zone, time spent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.learning.my_stats import learner_stats
from tests.conftest import ALICE, BOB

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_stats_count_courses_lessons_and_average(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    enroll_course(db, ALICE, "course-b")
    enroll_course(db, ALICE, "course-a")
    for slug in ("s1", "s2", "b1"):
        record_completion(db, ALICE, slug)
    stats = learner_stats(db, ALICE, NOW)
    # course-b complete (100), course-a 2/3 (66), ac-course 1/10 (10)
    assert (stats.courses_enrolled, stats.courses_completed, stats.courses_in_progress) == (3, 1, 2)
    assert (stats.lessons_completed, stats.average_percent) == (3, (100 + 66 + 10) // 3)


def test_streak_days_are_counted_in_the_learners_time_zone(db: Database) -> None:
    # Alice lives in Europe/Paris (UTC+1 in November): 23:30 UTC is already the next day there.
    enroll_course(db, ALICE, "ac-course")
    moments = [
        datetime(2026, 11, 17, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 17, 23, 30, tzinfo=UTC),  # 18 Nov in Paris
        datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
    ]
    for slug, moment in zip(("b1", "b2", "b3", "c1"), moments, strict=True):
        record_completion(db, ALICE, slug, source="import", completed_at=moment)
    stats = learner_stats(db, ALICE, NOW)
    assert (stats.current_streak, stats.longest_streak) == (4, 4)


def test_streak_is_broken_by_a_missed_day_and_no_activity_means_zero(db: Database) -> None:
    assert learner_stats(db, BOB, NOW).current_streak == 0
    enroll_course(db, BOB, "ac-course")
    for slug, days_ago in (("b1", 6), ("b2", 5), ("b3", 4), ("c1", 1)):
        record_completion(db, BOB, slug, source="import", completed_at=NOW - timedelta(days=days_ago))
    stats = learner_stats(db, BOB, NOW)
    assert (stats.current_streak, stats.longest_streak) == (1, 3)


def test_time_spent_adds_up_and_one_report_is_capped(db: Database) -> None:
    from learnapp.services.learning.progress import MAX_SECONDS_PER_REPORT, record_time_spent

    enroll_course(db, ALICE, "ac-course")  # time counts for enrolled learners only
    assert record_time_spent(db, ALICE, "b1", 90) == 90
    assert record_time_spent(db, ALICE, "b1", 30) == 30
    assert record_time_spent(db, ALICE, "b3", 10**6) == MAX_SECONDS_PER_REPORT
    assert record_time_spent(db, ALICE, "b2", -5) == 0
    assert learner_stats(db, ALICE, NOW).seconds_spent == 120 + MAX_SECONDS_PER_REPORT
    assert learner_stats(db, BOB, NOW).seconds_spent == 0


def test_weekly_activity_counts_completions_per_local_week_including_empty_weeks(db: Database) -> None:
    enroll_course(db, BOB, "ac-course")
    # NOW is Friday 20 Nov 2026; its week starts Monday 16 Nov.
    for slug, days_ago in (("b1", 0), ("b2", 4), ("b3", 5), ("c1", 14)):
        record_completion(db, BOB, slug, source="import", completed_at=NOW - timedelta(days=days_ago))
    weekly = learner_stats(db, BOB, NOW).weekly
    assert len(weekly) == 12 and weekly[-1][0].isoformat() == "2026-11-16"
    assert [count for _start, count in weekly[-3:]] == [1, 1, 2]
    assert sum(count for _start, count in weekly) == 4


def test_achievements_follow_the_stats(db: Database) -> None:
    from learnapp.services.learning.my_stats import achievements

    enroll_course(db, BOB, "course-b")
    assert not any(a.earned for a in achievements(learner_stats(db, BOB, NOW)))
    for slug, days_ago in (("s1", 2), ("s2", 1)):
        record_completion(db, BOB, slug, source="import", completed_at=NOW - timedelta(days=days_ago))
    earned = {a.key for a in achievements(learner_stats(db, BOB, NOW)) if a.earned}
    assert earned == {"first-lesson", "first-course"}

"""Admin completions per day on the admin's own calendar: whole-hour, quarter-hour and daylight-saving zones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from learnapp.persistence.db import Database
from learnapp.persistence.stats_reads import offset_spans
from learnapp.services.admin.stats import course_stats, overview, pathway_stats
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from tests.conftest import BOB
from tests.services.test_admin_stats import NOW, fixture  # noqa: F401  (the hand-computed fixture)

# In the fixture, ac-course is first completed by Carol on 3 Nov 10:00 UTC and by Alice on 4 Nov 01:00 UTC.


def days(stats_days: tuple[tuple[date, int], ...]) -> dict[date, int]:
    return {day: n for day, n in stats_days if n}


def test_utc_stays_the_default(fixture: tuple[Database, int, int]) -> None:  # noqa: F811
    assert days(course_stats(fixture[0], "ac-course", NOW).per_day) == {date(2026, 11, 3): 1, date(2026, 11, 4): 1}


def test_new_york_counts_both_on_the_3rd_across_the_daylight_saving_change(
    fixture: tuple[Database, int, int],  # noqa: F811
) -> None:
    zone = ZoneInfo("America/New_York")  # UTC-4 until 1 Nov 2026 06:00 UTC, then UTC-5: inside the 90 days
    stats = course_stats(fixture[0], "ac-course", NOW, zone)
    assert days(stats.per_day) == {date(2026, 11, 3): 2}  # 05:00 and 20:00 local
    assert stats.per_day[-1][0] == date(2026, 11, 20) and len(stats.per_day) == 90


def test_the_last_day_is_the_viewers_today_and_the_overview_follows_the_zone(
    fixture: tuple[Database, int, int],  # noqa: F811
) -> None:
    chatham = course_stats(fixture[0], "ac-course", NOW, ZoneInfo("Pacific/Chatham"))  # UTC+13:45 in November
    assert chatham.per_day[-1][0] == date(2026, 11, 21)  # NOW is 20 Nov 12:00 UTC, already the 21st there
    assert days(chatham.per_day) == {date(2026, 11, 3): 1, date(2026, 11, 4): 1}  # 23:45 on the 3rd, 14:45
    # course-b was first completed on 6 Nov 02:00 UTC: 21:00 on the 5th in New York.
    new_york = overview(fixture[0], NOW, ZoneInfo("America/New_York")).per_day
    assert days(new_york) == {date(2026, 11, 3): 2, date(2026, 11, 5): 1}


def test_quarter_hours_near_midnight(db: Database) -> None:
    enroll_course(db, BOB, "course-b")
    # 10 Nov 18:20 UTC is 23:50 in Kolkata (UTC+5:30) but 00:05 on the 11th in Kathmandu (UTC+5:45).
    for lesson in ("s1", "s2"):
        record_completion(db, BOB, lesson, source="import", completed_at=datetime(2026, 11, 10, 18, 20, tzinfo=UTC))
    assert days(course_stats(db, "course-b", NOW, ZoneInfo("Asia/Kolkata")).per_day) == {date(2026, 11, 10): 1}
    assert days(course_stats(db, "course-b", NOW, ZoneInfo("Asia/Kathmandu")).per_day) == {date(2026, 11, 11): 1}
    assert days(pathway_stats(db, "path", NOW, ZoneInfo("Asia/Kathmandu")).per_day) == {}  # no pathway enrollment


def test_a_completion_before_the_change_uses_the_summer_offset(db: Database) -> None:
    enroll_course(db, BOB, "course-b")
    # 31 Oct 2026 23:30 UTC: New York is still on summer time (UTC-4), 19:30 on the 31st; Paris left summer
    # time on 25 Oct (UTC+1), 00:30 on 1 Nov.
    for lesson in ("s1", "s2"):
        record_completion(db, BOB, lesson, source="import", completed_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert days(course_stats(db, "course-b", NOW, ZoneInfo("Europe/Paris")).per_day) == {date(2026, 11, 1): 1}
    assert days(course_stats(db, "course-b", NOW, ZoneInfo("America/New_York")).per_day) == {date(2026, 10, 31): 1}


def test_offset_spans_find_each_change_to_the_quarter_hour() -> None:
    since, until = datetime(2026, 8, 23, 4, tzinfo=UTC), datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert offset_spans(ZoneInfo("America/New_York"), since, until) == [
        (since, -240),
        (datetime(2026, 11, 1, 6, tzinfo=UTC), -300),
    ]
    assert offset_spans(ZoneInfo("Asia/Kolkata"), since, until) == [(since, 330)]
    lord_howe = offset_spans(ZoneInfo("Australia/Lord_Howe"), since, until)  # a half-hour daylight-saving step
    assert [m for _, m in lord_howe] == [630, 660] and lord_howe[1][0] == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)

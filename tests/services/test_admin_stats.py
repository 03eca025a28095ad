"""Admin statistics: every figure checked against a small fixture computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from learnapp.persistence import stats_reads as admin_sql
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats import course_stats, overview, pathway_stats
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.errors import NotFound
from tests.conftest import ADMIN, ALICE, BOB
from tests.services.helpers import moment_text

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AC = ["b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2"]
HOUR = 3600
MOVE = (
    "UPDATE enrollment SET enrolled_at = :t"
    " WHERE learner_id = :l AND course_id = (SELECT id FROM course WHERE slug = :c)"
)


def at(day: int, hours: float = 0) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hours)


def enroll(db: Database, learner: int, course: str, when: datetime) -> None:
    """Enroll, then move the enrollment time into the past (the service stamps 'now': our clock is fixed)."""
    enroll_course(db, learner, course)
    with db.transaction() as conn:
        params = {"t": when, "l": learner, "c": course}
        conn.execute(moment_text(MOVE, params), params)


def complete(db: Database, learner: int, lessons: list[str], start: datetime, step_hours: float) -> None:
    for i, slug in enumerate(lessons):
        record_completion(db, learner, slug, source="import", completed_at=start + timedelta(hours=step_hours * i))


@pytest.fixture
def fixture(db: Database) -> tuple[Database, int, int]:
    """ac-course (10 lessons), 5 enrolled:
    Alice  all 10, enrolled 1 Nov 00:00, lessons from +1 h every 8 h  -> done 4 Nov 01:00 (73 h)   100%
    Bob    b1-b3                                                                                    30%
    Carol  all 10, enrolled 3 Nov 00:00, lessons from +1 h every hour -> done 3 Nov 10:00 (10 h)  100%
    Dan    nothing                                                                                   0%
    Admin  the first 9 (not w2)                                                                     90%
    course-a (s1 s2 e1): Bob s1 (33%), Dan nothing; Alice is not enrolled but has s1 s2 (via course-b).
    course-b (s1 s2): Alice, complete on 6 Nov 02:00.
    """
    carol = create_learner(db, "carol@example.com", "Carol", "carol-password").id
    dan = create_learner(db, "dan@example.com", "=Dan", "dan-password").id
    for learner, day in ((ALICE, 1), (BOB, 2), (carol, 3), (dan, 4), (ADMIN, 5)):
        enroll(db, learner, "ac-course", at(day))
    complete(db, ALICE, AC, at(1, 1), 8)
    complete(db, BOB, AC[:3], at(2, 1), 1)
    complete(db, carol, AC, at(3, 1), 1)
    complete(db, ADMIN, AC[:9], at(5, 1), 1)
    enroll(db, BOB, "course-a", at(6))
    enroll(db, dan, "course-a", at(6))
    complete(db, BOB, ["s1"], at(6, 1), 1)
    enroll(db, ALICE, "course-b", at(6))
    complete(db, ALICE, ["s1", "s2"], at(6, 1), 1)
    return db, carol, dan


def test_course_counts_rate_and_average(fixture: tuple[Database, int, int]) -> None:
    stats = course_stats(fixture[0], "ac-course", NOW)
    s = stats.summary
    assert (stats.title, stats.lessons) == ("Three modules", 10)
    assert (s.enrolled, s.started, s.completed) == (5, 4, 2)
    assert s.completion_rate == 40.0  # 2 of 5
    assert s.average_percent == 64.0  # (100 + 30 + 100 + 0 + 90) / 5
    assert stats.as_of == NOW


def test_progress_histogram_puts_each_learner_in_one_bucket(fixture: tuple[Database, int, int]) -> None:
    histogram = {b.label: b.count for b in course_stats(fixture[0], "ac-course", NOW).progress_histogram}
    assert list(histogram) == [
        "0%",
        "1–9%",
        "10–19%",
        "20–29%",
        "30–39%",
        "40–49%",
        "50–59%",
        "60–69%",
        "70–79%",
        "80–89%",
        "90–99%",
        "100%",
    ]
    assert {k: v for k, v in histogram.items() if v} == {"0%": 1, "30–39%": 1, "90–99%": 1, "100%": 2}


def test_median_and_histogram_of_time_to_complete(fixture: tuple[Database, int, int]) -> None:
    stats = course_stats(fixture[0], "ac-course", NOW)
    assert stats.median_seconds == pytest.approx((73 * HOUR + 10 * HOUR) / 2, abs=1)  # two finishers: the mean
    counts = {b.label: b.count for b in stats.time_histogram}
    assert {k: v for k, v in counts.items() if v} == {"< 1 day": 1, "3–6 days": 1}
    assert len(counts) == 8


def test_funnel_is_the_share_of_enrolled_learners_per_lesson_in_order(fixture: tuple[Database, int, int]) -> None:
    funnel = course_stats(fixture[0], "ac-course", NOW).funnel
    assert [step.slug for step in funnel] == AC  # countable lessons only (the preview is left out), in order
    assert [step.completed for step in funnel] == [4, 4, 4, 3, 3, 3, 3, 3, 3, 2]
    assert [step.percent for step in funnel] == [80.0, 80.0, 80.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 40.0]
    assert (funnel[0].position, funnel[0].group, funnel[-1].group) == (1, "Basics", "Wrap-up")


def test_completions_per_day_cover_90_days_with_empty_days(fixture: tuple[Database, int, int]) -> None:
    days = course_stats(fixture[0], "ac-course", NOW).per_day
    assert len(days) == 90 and days[-1][0] == date(2026, 11, 20) and days[0][0] == date(2026, 8, 23)
    assert {day: n for day, n in days if n} == {date(2026, 11, 3): 1, date(2026, 11, 4): 1}


def test_a_course_nobody_finished_has_no_median_and_counts_only_its_enrolled(
    fixture: tuple[Database, int, int],
) -> None:
    stats = course_stats(fixture[0], "course-a", NOW)
    s = stats.summary
    assert (s.enrolled, s.started, s.completed, s.completion_rate, s.average_percent) == (2, 1, 0, 0.0, 16.5)
    assert stats.median_seconds is None
    assert sum(b.count for b in stats.time_histogram) == 0 and sum(n for _, n in stats.per_day) == 0
    # Alice completed s1 and s2 through course-b, but she is not enrolled here: she is not in this funnel.
    assert [(f.slug, f.completed, f.percent) for f in stats.funnel] == [("s1", 1, 50.0), ("s2", 0, 0.0), ("e1", 0, 0.0)]


@pytest.mark.parametrize("course", ["ac-course", "course-a", "course-b"])
def test_both_funnel_plans_count_the_same(fixture: tuple[Database, int, int], course: str) -> None:
    db = fixture[0]
    with db.snapshot() as conn:
        found = current_catalog(conn).course(course)
        assert found is not None
        ids, where = sorted(found.countable_ids), ENROLLMENT.c.course_id == found.id
        walked = admin_sql.lesson_counts(conn, ENROLLMENT, where, ids, 9, walk=True)
        counted = admin_sql.lesson_counts(conn, ENROLLMENT, where, ids, 9, walk=False)
    assert walked == counted and walked


def test_an_empty_course_reads_zero_everywhere(db: Database) -> None:
    stats = course_stats(db, "course-b", NOW)
    s = stats.summary
    assert (s.enrolled, s.started, s.completed, s.completion_rate, s.average_percent) == (0, 0, 0, 0.0, 0.0)
    assert stats.median_seconds is None
    assert all(b.count == 0 for b in (*stats.progress_histogram, *stats.time_histogram))
    assert [(f.slug, f.completed, f.percent) for f in stats.funnel] == [("s1", 0, 0.0), ("s2", 0, 0.0)]
    assert len(stats.per_day) == 90 and not any(n for _, n in stats.per_day)


def test_unknown_course_or_pathway_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        course_stats(db, "nope")
    with pytest.raises(NotFound):
        pathway_stats(db, "nope")


def test_pathway_stats_with_course_funnel(db: Database) -> None:
    """Alice finishes the whole path (13 distinct lessons) 2 days after enrolling; Bob finishes course-b only."""
    enroll_pathway(db, ALICE, "path")
    enroll_pathway(db, BOB, "path")
    with db.transaction() as conn:
        first = {"t": at(1)}
        conn.execute(moment_text("UPDATE pathway_enrollment SET enrolled_at = :t", first), first)
    complete(db, ALICE, [*AC, "s1", "s2", "e1"], at(1, 1), 3.5)  # last of 13 at +43 h
    complete(db, BOB, ["s1", "s2"], at(2), 1)
    stats = pathway_stats(db, "path", NOW)
    s = stats.summary
    assert (s.enrolled, s.started, s.completed, s.completion_rate) == (2, 2, 1, 50.0)
    assert s.average_percent == 57.5  # (100 + floor(100 * 2 / 13) = 15) / 2
    assert stats.lessons == 13 and stats.median_seconds == pytest.approx(43 * HOUR, abs=1)
    assert [(f.slug, f.completed, f.percent) for f in stats.course_funnel] == [
        ("ac-course", 1, 50.0),
        ("course-a", 1, 50.0),
        ("course-b", 2, 100.0),
    ]
    assert [f.slug for f in stats.funnel] == [*AC, "s1", "s2", "e1"]  # the shared module counts once
    assert [f.completed for f in stats.funnel] == [1] * 10 + [2, 2, 1]
    assert (stats.funnel[10].group, stats.funnel[12].group) == ("Course A", "Course A")
    assert {day: n for day, n in stats.per_day if n} == {date(2026, 11, 2): 1}


def test_overview_ranks_by_completion_rate_then_enrollments(fixture: tuple[Database, int, int]) -> None:
    view = overview(fixture[0], NOW)
    assert [(c.slug, c.summary.completion_rate, c.summary.enrolled) for c in view.courses] == [
        ("course-b", 100.0, 1),
        ("ac-course", 40.0, 5),
        ("course-a", 0.0, 2),
    ]
    assert [(p.slug, p.summary.enrolled) for p in view.pathways] == [("path", 0)]
    assert (view.learners, view.active_7d, view.completions_30d) == (4, 0, 3)  # the admin is not a learner
    assert sum(n for _, n in view.per_day) == 3

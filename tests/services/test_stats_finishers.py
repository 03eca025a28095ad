"""Finisher counters: the admin's median, time histogram and days per zone equal their recount from the rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, text

from learnapp.persistence import stats_counters
from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence import stats_reads as admin_sql
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT, LEARNER
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats import course_stats, overview
from learnapp.services.admin.stats_verify import verify
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.ui.pages.admin_common import duration
from tests.conftest import ALICE, BOB, backend

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=60 if backend() == "sqlite" else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
EDGES = [float(e) for e in finishers.TIME_EDGES]
# Durations in seconds: anything, and values on and a millisecond around the fine buckets' edges and the page's
# rounding steps (30 s, 3 min, 2.4 h), where a bucketed median would slip.
SECONDS = st.one_of(
    st.floats(-86_400, 400 * 86_400, allow_nan=False),
    st.sampled_from(EDGES).flatmap(lambda e: st.sampled_from([e - 0.001, e, e + 0.001])),
    st.integers(0, 2_000).map(lambda k: 30.0 * k),
    st.integers(0, 2_000).map(lambda k: 180.0 * k + 0.001),
)


def _course_id(db: Database, slug: str) -> int:
    with db.snapshot() as conn:
        course = current_catalog(conn).course(slug)
        assert course is not None
        return course.id


def _finishers(db: Database, course_id: int, rows: list[tuple[datetime, datetime]]) -> None:
    """Replace the course's enrollments by these (enrolled, first completed) rows, written outside the engine, with
    the course's counters recounted (as a backfill would); one learner per row."""
    with db.transaction() as conn:
        conn.execute(delete(ENROLLMENT).where(ENROLLMENT.c.course_id == course_id))
        have = list(conn.execute(select(LEARNER.c.id).order_by(LEARNER.c.id)).scalars())
        for i in range(len(have), len(rows)):
            conn.execute(insert(LEARNER).values(email=f"f{i}@example.com", name="F", password_hash="x"))
        ids = list(conn.execute(select(LEARNER.c.id).order_by(LEARNER.c.id)).scalars())
        if rows:
            values = [
                {"learner_id": i, "course_id": course_id, "enrolled_at": e, "first_completed_at": f, "percent": 100}
                for i, (e, f) in zip(ids, rows, strict=False)
            ]
            conn.execute(insert(ENROLLMENT), values)
        catalog = current_catalog(conn)
        stats_counters.lock_for_recount(conn)
        stats_counters.rewrite(conn, catalog, [("course", course_id)])


def _recounted_median(db: Database, course_id: int) -> float | None:
    """The median as a query over every finisher computes it (the admin page's former query)."""
    with db.snapshot() as conn:
        where = (ENROLLMENT.c.course_id == course_id, ENROLLMENT.c.first_completed_at.is_not(None))
        seconds = admin_sql.seconds_between(conn, ENROLLMENT.c.enrolled_at, ENROLLMENT.c.first_completed_at)
        count = conn.execute(select(func.count()).where(*where)).scalar() or 0
        return admin_sql.median(conn, select(seconds).where(*where), int(count))


@given(st.lists(SECONDS, max_size=25))
@EXAMPLES
def test_the_median_and_time_histogram_equal_their_recount(db: Database, durations: list[float]) -> None:
    course = _course_id(db, "course-b")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [(start, start + timedelta(seconds=s)) for s in durations]
    _finishers(db, course, rows)
    stats = course_stats(db, "course-b", NOW)
    expected = _recounted_median(db, course)
    assert stats.median_seconds == expected  # the same number, not merely close
    assert duration(stats.median_seconds) == duration(expected)  # so the page shows what a recount shows
    exact = sorted(max(s, 0.0) for s in durations)
    if exact:  # and within the stored times' precision (SQLite's julianday keeps milliseconds) of the true median
        middle = (exact[(len(exact) - 1) // 2] + exact[len(exact) // 2]) / 2
        assert stats.median_seconds == pytest.approx(middle, abs=0.01)
    with db.snapshot() as conn:
        seconds = admin_sql.seconds_between(conn, ENROLLMENT.c.enrolled_at, ENROLLMENT.c.first_completed_at)
        bucket = admin_sql.time_bucket(seconds)
        where = (ENROLLMENT.c.course_id == course, ENROLLMENT.c.first_completed_at.is_not(None))
        counted = admin_sql.counts_by(conn, bucket, ENROLLMENT, *where)
    assert [b.count for b in stats.time_histogram] == [counted.get(i, 0) for i in range(len(admin_sql.TIME_LABELS))]


ZONES = ["UTC", "America/New_York", "Pacific/Chatham", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns"]


@given(
    st.lists(st.integers(-100 * 86_400, 86_400), max_size=30),
    st.sampled_from(ZONES),
    st.integers(0, 95).map(lambda q: timedelta(minutes=15 * q)),
)
@EXAMPLES
def test_first_completions_per_day_in_any_zone_equal_their_recount(
    db: Database, offsets: list[int], zone_name: str, shift: timedelta
) -> None:
    """Moments within 100 days before now (some after it), on and off quarter hours, and now anywhere in its day."""
    course, now, zone = _course_id(db, "course-b"), NOW + shift, ZoneInfo(zone_name)
    moments = [now + timedelta(seconds=s) for s in offsets]
    _finishers(db, course, [(m - timedelta(days=1), m) for m in moments])
    days = course_stats(db, "course-b", now, zone).per_day
    first = days[0][0]
    expected: dict[date, int] = {}
    for m in moments:
        local = m.astimezone(zone).date()
        if first <= local <= days[-1][0]:
            expected[local] = expected.get(local, 0) + 1
    assert {d: n for d, n in days if n} == expected
    assert len(days) == 90 and days[-1][0] == now.astimezone(zone).date()


def test_the_overview_counts_learners_active_learners_and_recent_completions(db: Database) -> None:
    before = overview(db, NOW).learners
    carol = create_learner(db, "carol@example.com", "Carol", "carol-password").id
    create_learner(db, "boss@example.com", "Boss", "boss-password", role="admin")
    assert overview(db, NOW).learners == before + 1  # admins are not learners
    enroll_course(db, ALICE, "course-b")
    enroll_course(db, BOB, "course-b")
    for lesson in ("s1", "s2"):  # Alice finishes 2 days ago, Bob 40 days ago (outside the week and the month)
        record_completion(db, ALICE, lesson, source="import", completed_at=NOW - timedelta(days=2))
        record_completion(db, BOB, lesson, source="import", completed_at=NOW - timedelta(days=40))
    enroll_course(db, carol, "course-a")
    record_completion(db, carol, "s1", source="import", completed_at=NOW - timedelta(days=6, hours=11))
    view = overview(db, NOW)
    assert (view.active_7d, view.completions_30d) == (2, 1)  # Alice and Carol (on the 14th); Alice's course
    assert sum(n for _d, n in view.per_day) == 2  # Alice's and Bob's; Carol has not finished course-a


def test_the_learner_count_follows_every_way_an_account_is_written(db: Database) -> None:
    """Sign-up counts through the service; a row inserted, a role changed or a row deleted by hand counts too."""
    start = overview(db, NOW).learners
    with db.transaction() as conn:
        rows = [{"email": f"bulk{i}@example.com", "name": "B", "password_hash": "x"} for i in range(5)]
        conn.execute(insert(LEARNER), rows)
    assert overview(db, NOW).learners == start + 5
    with db.transaction() as conn:
        both = "('bulk0@example.com', 'bulk1@example.com')"
        conn.execute(text(f"UPDATE learner SET role = 'admin' WHERE email IN {both}"))
        conn.execute(text("DELETE FROM learner WHERE email = 'bulk2@example.com'"))
        conn.execute(text("UPDATE learner SET role = 'admin' WHERE email = 'bulk1@example.com'"))  # no change
    assert overview(db, NOW).learners == start + 2
    assert verify(db)[1] == []

"""Statistics counters: after random sequences of engine operations every counter equals its recount."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test
from sqlalchemy import Table, func, select

from learnapp.persistence import stats_counters
from learnapp.persistence import stats_reads as admin_sql
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT
from learnapp.persistence.handles import ACTIVITY
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats import NodeStats, course_stats, overview, pathway_stats
from learnapp.services.admin.stats_verify import verify
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.operations.population import generate_population
from learnapp.services.operations.recalc_rollback import rollback_recalculate
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ALICE, BOB, backend
from tests.services.test_engine_stateful import COURSES, LEARNERS, LESSONS, Example, ProgressEngine
from tests.services.test_engine_stateful import example as example  # noqa: F401 - the fixture, shared

# Bounded for make test (a database per example): the engine's own test covers many more sequences.
SETTINGS = settings(max_examples=40 if backend() == "sqlite" else 25, stateful_step_count=20, deadline=None)


ZONES = (UTC, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Chatham"))  # DST in the window; a +13:45 offset
_emails, _turns = count(), count()


class CountedEngine(ProgressEngine):
    """The engine's every write path (clicks, undo, event batches, enroll, Start over, admin reset, content
    import adding, moving and removing lessons, legacy import and rollback, recalculate), sign-ups and backdated
    imports (first completions on many days, some before the enrollment), counters checked; and every admin
    figure they feed equal to its recount from the rows (the overview's active learners too: completions on many
    days, in three zones, some an hour ahead)."""

    @rule(learner=st.sampled_from(list(LEARNERS)), lesson=st.sampled_from(LESSONS), ago=st.integers(-3600, 120 * 86400))
    def backdated_import(self, learner: int, lesson: str, ago: int) -> None:
        when = datetime.now(UTC) - timedelta(seconds=ago)
        self._try("backdated import", lambda: record_completion(self.db, learner, lesson, "import", when))

    @rule(role=st.sampled_from(["learner", "admin"]))
    def sign_up(self, role: str) -> None:
        create_learner(self.db, f"new{next(_emails)}@example.com", "New", "new-password", role=role)

    @rule(
        course=st.sampled_from(COURSES),
        enrolled_ago=st.integers(0, 200 * 86400),
        done_ago=st.integers(0, 200 * 86400),
        zone=st.sampled_from(["UTC", "Asia/Kathmandu"]),
    )
    def newcomer_finishes(self, course: str, enrolled_ago: int, done_ago: int, zone: str) -> None:
        """A new learner, enrolled some time ago, finishes the course (its lessons imported at one moment, maybe
        before the enrollment): finishers of many durations and days, even and odd counts of them."""
        with self.db.transaction() as conn:  # an account as a bulk load writes it (no password hashing: quick)
            row = {"email": f"new{next(_emails)}@example.com", "name": "New", "password_hash": "-", "time_zone": zone}
            learner = conn.execute(LEARNER.insert().values(row).returning(LEARNER.c.id)).scalar_one()
        enroll_course(self.db, learner, course)
        now = datetime.now(UTC)
        with self.db.transaction() as conn:  # before any completion: no counter reads the enrollment time yet
            moved = ENROLLMENT.update().where(ENROLLMENT.c.learner_id == learner)
            conn.execute(moved.values(enrolled_at=now - timedelta(seconds=enrolled_ago)))
            found = current_catalog(conn).course(course)
        when = now - timedelta(seconds=done_ago)
        for lesson in found.lessons if found else ():
            if lesson.countable:
                self._try("newcomer", lambda x=lesson.slug: record_completion(self.db, learner, x, "import", when))

    @invariant()
    def counters_equal_their_recount(self) -> None:
        checked, differences = verify(self.db)
        assert checked > 0
        assert not differences, "\n".join(map(str, differences))

    @invariant()
    def admin_figures_equal_their_recount(self) -> None:
        """Median, time histogram and days of every node, learners and days of the overview, against the rows."""
        turn = next(_turns)
        if turn % 2:  # every other step (the state builds up: later checks still see each change), in turn a zone
            return
        zone, now = ZONES[turn // 2 % len(ZONES)], datetime.now(UTC)
        with self.db.snapshot() as conn:
            catalog = current_catalog(conn)
            learners = conn.execute(select(func.count()).where(LEARNER.c.role == "learner")).scalar()
        for course in catalog.courses:
            stats = course_stats(self.db, course.slug, now, zone)
            _check(stats, self.db, ENROLLMENT.c.course_id, course.id, zone)
        for pathway in catalog.pathways:
            stats = pathway_stats(self.db, pathway.slug, now, zone)
            _check(stats, self.db, PATHWAY_ENROLLMENT.c.pathway_id, pathway.id, zone)
        view = overview(self.db, now, zone)
        assert view.learners == learners
        with self.db.snapshot() as conn:  # active: a kept day in the admin's last 7 (or after), as rows count them
            first = now.astimezone(zone).date() - timedelta(days=6)
            days = select(ACTIVITY.c.learner_id, func.max(ACTIVITY.c.day)).group_by(ACTIVITY.c.learner_id)
            latest = [admin_sql.as_date(day) for _learner, day in conn.execute(days)]
        assert view.active_7d == sum(day >= first for day in latest)
        event(f"learners' latest activity days: {min(len(set(latest)), 3)}{'+' if len(set(latest)) >= 3 else ''}")
        with self.db.snapshot() as conn:
            every = conn.execute(select(ENROLLMENT.c.first_completed_at).where(_finished(ENROLLMENT))).scalars()
            assert dict(view.per_day) == _days(list(every), view.per_day, zone)


def _finished(table: Table) -> Any:
    return table.c.first_completed_at.is_not(None)


def _days(moments: list[datetime], shown: tuple[tuple[date, int], ...], zone: Any) -> dict[date, int]:
    """First completions per local day over the days shown, counted one by one."""
    found = {day: 0 for day, _n in shown}
    for moment in moments:
        day = moment.astimezone(zone).date()
        if day in found:
            found[day] += 1
    return found


def _check(stats: NodeStats, db: Database, node: Any, node_id: int, zone: Any) -> None:
    """A node's median, time histogram and days as the former queries over its finishers count them."""
    table = node.table
    with db.snapshot() as conn:
        where = (node == node_id, _finished(table))
        seconds = admin_sql.seconds_between(conn, table.c.enrolled_at, table.c.first_completed_at)
        finishers = int(conn.execute(select(func.count()).where(*where)).scalar() or 0)
        median = admin_sql.median(conn, select(seconds).where(*where), finishers)
        times = admin_sql.counts_by(conn, admin_sql.time_bucket(seconds), table, *where)
        moments = list(conn.execute(select(table.c.first_completed_at).where(*where)).scalars())
    where_shown = f"{stats.kind} {stats.slug}"
    assert stats.median_seconds == median, where_shown
    assert [b.count for b in stats.time_histogram] == [times.get(i, 0) for i in range(8)], where_shown
    assert dict(stats.per_day) == _days(moments, stats.per_day, zone), where_shown


@pytest.mark.slow  # a stateful machine over every write path: make test runs it, test-fast does not
def test_every_counter_equals_its_recount_after_any_sequence(example: Example) -> None:  # noqa: F811
    CountedEngine.example = example
    run_state_machine_as_test(CountedEngine, settings=SETTINGS)


def _counters(db: Database, slug: str) -> dict[str, int]:
    with db.snapshot() as conn:
        course = current_catalog(conn).course(slug)
        assert course is not None
        return stats_counters.totals(conn, [("course", course.id)])[("course", course.id)]


def test_a_click_moves_its_counters_and_an_undo_moves_them_back(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    before = _counters(db, "course-a")
    record_completion(db, ALICE, "s1")
    after = _counters(db, "course-a")
    assert after != before
    assert after.get("started", 0) == before.get("started", 0) + 1
    assert verify(db)[1] == []
    revoke_completion(db, ALICE, "s1")
    assert _counters(db, "course-a") == before


def test_verify_reports_a_counter_that_drifted_and_recalculate_repairs_it(db: Database, tmp_path: Path) -> None:
    enroll_pathway(db, BOB, "path")
    record_completion(db, BOB, "s1")
    assert verify(db)[1] == []
    with db.transaction() as conn:  # a counter that went wrong (a bug, a hand edit): verify must see it
        course = current_catalog(conn).course("course-a")
        assert course is not None
        stats_counters.add(conn, {("course", course.id, "started", 3): 5})
    checked, differences = verify(db)
    assert [(d.slug, d.counter, d.stored - d.recounted) for d in differences] == [("course-a", "started", 5)]
    recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert verify(db)[1] == []


def test_start_over_takes_the_learners_lessons_out_of_the_funnel(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    record_completion(db, ALICE, "s1")
    reset_course(db, ALICE, "course-a")
    counters = _counters(db, "course-a")
    assert not any(name.startswith("l") and n for name, n in counters.items())
    assert verify(db)[1] == []


def test_recalculate_and_its_rollback_leave_counters_equal_to_the_rows(db: Database, tmp_path: Path) -> None:
    """Rows written wrong outside the engine: recalculate repairs them and the counters; its rollback puts the
    rows back, and the counters follow them (the rollback recounts what it restores)."""
    enroll_pathway(db, ALICE, "path")
    for lesson in ("s1", "s2", "e1"):
        record_completion(db, ALICE, lesson)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE enrollment SET completed = 0, percent = 0, is_complete = false")
    assert verify(db)[1]  # the counters still count what the engine wrote
    report = recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert verify(db)[1] == []
    rollback_recalculate(db, report.run_id, "ops")
    assert _counters(db, "course-a").get("complete", 0) == 0  # the rows as they were put back
    assert verify(db)[1] == []


def test_a_generated_population_leaves_every_counter_equal_to_its_recount(db: Database) -> None:
    generate_population(db, 40, seed=3, enrollments=3, now=datetime(2026, 11, 20, tzinfo=UTC), batch=15)
    checked, differences = verify(db)
    assert checked > 0 and not differences, "\n".join(map(str, differences))

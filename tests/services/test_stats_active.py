"""The overview's active learners (a lesson completed on one of their last 7 days) are the site's counters of
learners by latest activity day: every way a completion is recorded moves them, and verify recounts them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from learnapp.persistence import stats_counters
from learnapp.persistence.db import Database
from learnapp.persistence.handles import ACTIVITY
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats import overview
from learnapp.services.admin.stats_verify import repair, verify
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.events import ClientEventIn, apply_events
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ADMIN, ALICE, BOB

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # in UTC the week is Nov 14..20
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: there it is Nov 21, the week Nov 15..21


def _active(db: Database, zone: ZoneInfo | None = None) -> int:
    """The overview's figure, checked against the rows as the former query counted them (distinct learners)."""
    shown = overview(db, NOW, zone).active_7d
    first = NOW.astimezone(zone or UTC).date() - timedelta(days=6)
    with db.snapshot() as conn:
        query = select(func.count(ACTIVITY.c.learner_id.distinct())).where(ACTIVITY.c.day >= first)
        assert shown == conn.execute(query).scalar()
    return shown


def test_every_way_of_completing_moves_the_active_learners_by_their_latest_day(db: Database) -> None:
    carol = create_learner(db, "carol@example.com", "Carol", "carol-password", time_zone="Pacific/Kiritimati").id
    dan = create_learner(db, "dan@example.com", "Dan", "dan-password").id
    for learner in (ALICE, BOB, carol, dan):
        enroll_course(db, learner, "course-a")
    assert _active(db) == 0
    # Alice (Paris): a backdated import a month ago is not this week; an admin completing for her 3 days ago is.
    record_completion(db, ALICE, "s1", "import", NOW - timedelta(days=30))
    assert _active(db) == 0
    record_completion(db, ALICE, "s2", "admin", NOW - timedelta(days=3), actor_id=ADMIN)
    assert _active(db) == 1
    record_completion(db, ALICE, "e1", "import", NOW - timedelta(days=3, hours=-1))  # a second lesson that day
    assert _active(db) == 1
    # Bob (UTC): an API event batch with completion times, the later one on the week's first day.
    batch = [
        ClientEventIn("b-1", "lesson_completed", "s1", occurred_at=NOW - timedelta(days=10)),
        ClientEventIn("b-2", "lesson_completed", "s2", occurred_at=NOW - timedelta(days=6)),
    ]
    apply_events(db, BOB, batch, actor_id=ADMIN)
    assert _active(db) == 2
    # Carol (UTC+14): Nov 13 at 11:00 UTC is Nov 14 on her calendar, her own week's day.
    record_completion(db, carol, "s1", "import", datetime(2026, 11, 13, 11, tzinfo=UTC))
    assert _active(db) == 3
    # Dan: 8 days ago, undone and done again on that day (the kept day does not move), then yesterday.
    record_completion(db, dan, "s1", "import", NOW - timedelta(days=8))
    revoke_completion(db, dan, "s1")
    record_completion(db, dan, "s1", "import", NOW - timedelta(days=8, hours=1))
    assert _active(db) == 3
    record_completion(db, dan, "e1", "import", NOW - timedelta(days=1))
    assert _active(db) == 4
    record_completion(db, dan, "s2", "import", NOW - timedelta(days=50))  # older than his latest day: no move
    assert _active(db) == 4
    # An admin at UTC+14 sees Nov 15..21: Bob's Nov 14 and Carol's Nov 14 are out.
    assert _active(db, KIRITIMATI) == 2
    assert verify(db)[1] == []
    with db.snapshot() as conn:
        site = stats_counters.totals(conn, [stats_counters.SITE])[stats_counters.SITE]
    latest = {name: n for name, n in site.items() if name.startswith("a")}
    assert latest == {"a20261117": 1, "a20261114": 2, "a20261119": 1}  # Alice; Bob and Carol; Dan


def test_a_completion_time_ahead_of_the_admin_counts_as_the_rows_do(db: Database) -> None:
    """A learner whose latest day is after the admin's today (zones ahead, a clock ahead) is active."""
    enroll_course(db, BOB, "course-a")
    record_completion(db, BOB, "s1", "import", NOW + timedelta(days=2))
    assert _active(db) == 1 and _active(db, KIRITIMATI) == 1
    assert verify(db)[1] == []


def test_verify_sees_an_activity_day_written_by_hand_and_repair_recounts_it(db: Database) -> None:
    enroll_course(db, BOB, "course-a")
    record_completion(db, BOB, "s1", "import", NOW - timedelta(days=20))
    with db.transaction() as conn:  # outside the engine: no counter moves
        lesson = conn.execute(text("SELECT id FROM lesson WHERE slug = 's2'")).scalar_one()
        conn.execute(ACTIVITY.insert().values(learner_id=BOB, day=date(2026, 11, 18), lesson_id=lesson))
    differences = [(d.kind, d.counter, d.stored, d.recounted) for d in verify(db)[1]]
    assert differences == [("site", "a20261031", 1, 0), ("site", "a20261118", 0, 1)]
    assert overview(db, NOW).active_7d == 0  # the counters, until repaired
    repair(db, [stats_counters.SITE])
    assert verify(db)[1] == []
    assert _active(db) == 1


def test_a_whole_recalculate_repairs_the_site_counters_and_one_of_a_course_leaves_them(
    db: Database, tmp_path: Path
) -> None:
    """`learnapp recalculate` repairs every counter as it repairs stored progress: the site's too, when it covers the
    whole site. One course's (or learner's) run is not about the site's counters: they stay as they are."""
    enroll_course(db, BOB, "course-a")
    record_completion(db, BOB, "s1", "import", NOW - timedelta(days=20))
    with db.transaction() as conn:  # outside the engine: no counter moves
        lesson = conn.execute(text("SELECT id FROM lesson WHERE slug = 's2'")).scalar_one()
        conn.execute(ACTIVITY.insert().values(learner_id=BOB, day=date(2026, 11, 18), lesson_id=lesson))
    drifted = [(d.kind, d.counter) for d in verify(db)[1]]
    assert drifted == [("site", "a20261031"), ("site", "a20261118")]
    recalculate(db, RecalcOptions(course="course-a"), tmp_path / "runs", "ops")
    assert [(d.kind, d.counter) for d in verify(db)[1]] == drifted
    recalculate(db, RecalcOptions(learner_id=BOB), tmp_path / "runs", "ops")
    assert [(d.kind, d.counter) for d in verify(db)[1]] == drifted
    recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert verify(db)[1] == []
    assert _active(db) == 1

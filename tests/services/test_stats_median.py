"""The median's finer buckets: the walk starts at the part the counters name, exact on every part's edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import text

from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT
from learnapp.services.admin.stats import course_stats
from learnapp.services.admin.stats_verify import repair, verify
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.events import ClientEventIn, apply_events
from tests.conftest import ALICE
from tests.services.test_stats_finishers import EXAMPLES, NOW, _course_id, _finishers, _recounted_median

START = datetime(2026, 1, 1, tzinfo=UTC)
LOWERS = (0, *finishers.TIME_EDGES[:-1])


def part_edge(bucket: int, part: int) -> float:
    """Where part `part` of fine bucket `bucket` begins, in seconds."""
    lower, upper = LOWERS[bucket], finishers.TIME_EDGES[bucket]
    return lower + (upper - lower) * part / finishers.PARTS


# Times on and a millisecond around the parts' edges (where the walk's seek and the counters must agree), and
# within one bucket, so that the middle finisher's part is seldom the bucket's first.
ON_EDGES = st.tuples(
    st.integers(0, len(finishers.TIME_EDGES) - 1), st.integers(0, finishers.PARTS - 1), st.sampled_from([-1, 0, 1])
).map(lambda t: max(part_edge(t[0], t[1]) + t[2] * 0.001, 0.0))
IN_ONE_BUCKET = st.lists(st.floats(3 * 86_400, 4 * 86_400, allow_nan=False), min_size=1, max_size=25)


@given(st.one_of(st.lists(ON_EDGES, max_size=25), IN_ONE_BUCKET))
@EXAMPLES
def test_the_median_from_a_part_equals_the_median_of_every_finisher(db: Database, durations: list[float]) -> None:
    course = _course_id(db, "course-b")
    _finishers(db, course, [(START, START + timedelta(seconds=s)) for s in durations])
    expected = _recounted_median(db, course)
    event(f"middle in part {_middle_part(durations)}")
    assert course_stats(db, "course-b", NOW).median_seconds == expected


def _middle_part(durations: list[float]) -> str:
    if not durations:
        return "none"
    middle = sorted(durations)[(len(durations) - 1) // 2]
    bucket = sum(1 for edge in finishers.TIME_EDGES if edge <= middle)
    if bucket >= len(finishers.TIME_EDGES):
        return "last bucket"
    return "0" if middle < part_edge(bucket, 1) else "1+"


def test_the_walk_starts_where_the_part_counters_say_and_verify_checks_them(db: Database) -> None:
    """Nine finishers in one fine bucket, one per part 0..8: the median is the fifth. Moved between two parts (the
    bucket's sum unchanged), the counters send the walk elsewhere: so it reads from the part, not the bucket's
    start; verify names the two counters and a repair puts the median back."""
    course = _course_id(db, "course-b")
    bucket = sum(1 for edge in finishers.TIME_EDGES if edge <= 3 * 86_400)  # the bucket [3 days, 4 days)
    times = [part_edge(bucket, p) + 60 for p in range(9)]
    _finishers(db, course, [(START, START + timedelta(seconds=s)) for s in times])
    assert course_stats(db, "course-b", NOW).median_seconds == _recounted_median(db, course)
    assert abs(course_stats(db, "course-b", NOW).median_seconds - times[4]) < 0.01  # type: ignore[operator]
    with db.transaction() as conn:  # part 1's finisher said to be in part 9: the middle (rank 4) is now part 5's
        shift = "UPDATE stat_counter SET name = :to WHERE node_kind = 'course' AND node_id = :id AND name = :of"
        conn.execute(text(shift), {"to": f"m{bucket}.9", "id": course, "of": f"m{bucket}.1"})
    moved = course_stats(db, "course-b", NOW).median_seconds
    assert moved is not None and abs(moved - times[5]) < 0.01  # the walk began at part 5: the sixth time
    differences = {d.counter for d in verify(db)[1]}
    assert differences == {f"m{bucket}.1", f"m{bucket}.9"}
    repair(db, [("course", course)])
    assert course_stats(db, "course-b", NOW).median_seconds == _recounted_median(db, course)


def test_parts_that_do_not_add_up_to_their_bucket_walk_the_whole_bucket(db: Database) -> None:
    """Counters from before the parts (an old backfill) or a part lost: the bucket's walk, still exact."""
    course = _course_id(db, "course-b")
    times = [3 * 86_400 + 3_000 * k for k in range(7)]
    _finishers(db, course, [(START, START + timedelta(seconds=s)) for s in times])
    with db.transaction() as conn:
        conn.execute(text("DELETE FROM stat_counter WHERE name LIKE 'm%'"))
    assert course_stats(db, "course-b", NOW).median_seconds == _recounted_median(db, course)


def test_a_claim_that_moves_the_first_completion_moves_its_finisher_counters(db: Database) -> None:
    """Finished 4 min 59 s after enrolling (the first fine bucket), then a claim 2 minutes later is kept as the
    first completion time: the finisher is now in the second bucket, another part and maybe another quarter hour.
    The claim used to rewrite the time and leave the counters where the click had put them."""
    now = datetime.now(UTC).replace(microsecond=0)
    enrolled = now - timedelta(minutes=10)
    enroll_course(db, ALICE, "course-b")
    with db.transaction() as conn:  # before any completion, as a bulk load would have written it
        conn.execute(ENROLLMENT.update().where(ENROLLMENT.c.learner_id == ALICE).values(enrolled_at=enrolled))
        course = current_catalog(conn).course("course-b")
    assert course is not None
    done = enrolled + timedelta(minutes=4, seconds=59)
    for lesson in (x.slug for x in course.lessons if x.countable):
        record_completion(db, ALICE, lesson, "import", done)
    assert verify(db)[1] == []
    claimed = done + timedelta(minutes=2)
    apply_events(db, ALICE, [ClientEventIn("claim-1", "course_completed", "course-b", occurred_at=claimed)])
    assert verify(db)[1] == []
    stats = course_stats(db, "course-b", NOW)
    assert stats.median_seconds == pytest.approx(7 * 60 - 1, abs=0.01)  # from enrolling to the claimed time

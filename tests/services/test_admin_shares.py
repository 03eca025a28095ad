"""Admin rates, averages and funnel shares are floored to one decimal: 100.0% only when every learner is complete."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from learnapp.persistence import stats_counters
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.certs import COURSE, PATHWAY
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT
from learnapp.services.admin.stats import course_stats, floored_share, overview, pathway_stats


@pytest.mark.parametrize(
    ("part", "whole", "share"),
    [
        (9_999, 10_000, 99.9),
        (1, 3, 33.3),
        (2, 3, 66.6),
        (10_000, 10_000, 100.0),
        (0, 0, 0.0),
        (0, 7, 0.0),
        (1, 10_000, 0.0),
        (999_999, 1_000_000, 99.9),
        (1, 8, 12.5),
    ],
)
def test_a_share_is_floored_to_one_decimal(part: int, whole: int, share: float) -> None:
    assert floored_share(part, whole) == share


def test_only_every_learner_complete_reads_100() -> None:
    assert all(floored_share(n - 1, n) < 100.0 for n in range(1, 20_001, 7))


def _learners(db: Database, complete: int, open_percent: int | None) -> None:
    """`complete` learners who finished course-b (and are in the pathway), plus one at `open_percent` if given."""
    with db.transaction() as conn:
        course = conn.execute(select(COURSE.c.id).where(COURSE.c.slug == "course-b")).scalar_one()
        pathway = conn.execute(select(PATHWAY.c.id).where(PATHWAY.c.slug == "path")).scalar_one()
        total = complete + (open_percent is not None)
        people = [
            {"email": f"share-{i}@example.com", "name": f"Learner {i}", "password_hash": "x"} for i in range(total)
        ]
        conn.execute(insert(LEARNER), people)
        found = conn.execute(select(LEARNER.c.id).where(LEARNER.c.email.like("share-%")).order_by(LEARNER.c.id))
        ids = [row[0] for row in found]
        rows = [
            {
                "learner_id": learner,
                "course_id": course,
                "completed": 2,
                "total": 2,
                "percent": 100,
                "is_complete": True,
            }
            for learner in ids[:complete]
        ]
        if open_percent is not None:
            rows.append(
                {
                    "learner_id": ids[-1],
                    "course_id": course,
                    "completed": 1,
                    "total": 2,
                    "percent": open_percent,
                    "is_complete": False,
                }
            )
        conn.execute(insert(ENROLLMENT), rows)
        conn.execute(insert(PATHWAY_ENROLLMENT), [{"learner_id": learner, "pathway_id": pathway} for learner in ids])
        # Rows written directly, outside the engine: the statistics counters are recounted as a backfill would.
        stats_counters.rewrite(conn, current_catalog(conn), stats_counters.every_node(current_catalog(conn)))


def test_9999_of_10000_complete_is_99_9_everywhere_on_a_real_database(db: Database) -> None:
    _learners(db, 9_999, 50)
    summary = course_stats(db, "course-b").summary
    assert (summary.enrolled, summary.completed) == (10_000, 9_999)
    assert summary.completion_rate == 99.9  # round() said 100.0
    assert summary.average_percent == 99.9  # 99.995: round() said 100.0
    ranked = {n.slug: n.summary for n in overview(db).courses}
    assert ranked["course-b"].completion_rate == 99.9
    funnel = {step.slug: step.percent for step in pathway_stats(db, "path").course_funnel}
    assert funnel["course-b"] == 99.9


def test_every_learner_complete_is_100_0(db: Database) -> None:
    _learners(db, 3, None)
    summary = course_stats(db, "course-b").summary
    assert (summary.completion_rate, summary.average_percent) == (100.0, 100.0)
    assert {step.slug: step.percent for step in pathway_stats(db, "path").course_funnel}["course-b"] == 100.0


def test_two_of_three_is_66_6_not_66_7(db: Database) -> None:
    _learners(db, 2, 0)
    summary = course_stats(db, "course-b").summary
    assert (summary.completion_rate, summary.average_percent) == (66.6, 66.6)

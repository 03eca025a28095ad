"""The bulk population: each batch reaches only its own learners' rows, writes the engine's history, and no events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from learnapp.persistence.db import Database
from learnapp.services.operations.population import generate_population
from tests.persistence.test_query_plans import captured, problems_of

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_batch_reaches_learner_tables_only_through_its_own_learners(db: Database) -> None:
    """Linear at a million: no statement of a batch reads a table by course or in full (a batch would cost more as
    the tables grow; the course index once made each batch reread every enrollment of the course)."""
    generate_population(db, 20, seed=1, now=NOW, batch=10)  # rows already there, as in any later batch
    statements = captured(db, lambda: generate_population(db, 20, seed=2, now=NOW, batch=10))
    # SQLite reads back the facts it wrote; PostgreSQL COPYs them, and reads back only the finishers' rows.
    assert any("FROM enrollment" in statement for statement, _ in statements)
    problems = problems_of(db, statements)
    assert not problems, "\n".join(problems)


def _one(db: Database, sql: str) -> object:
    with db.snapshot() as conn:
        return conn.execute(text(sql)).scalar()


def test_every_enrollment_and_fact_has_its_history_row_and_no_event_is_written(db: Database) -> None:
    report = generate_population(db, 60, seed=8, now=NOW, batch=25)
    ids = f"BETWEEN {report.first_learner_id} AND {report.last_learner_id}"
    mine = f"learner_id {ids}"
    enrolled = f"SELECT count(*) FROM progress_history WHERE {mine} AND action = 'enrolled'"
    assert _one(db, f"{enrolled} AND course_id IS NOT NULL") == report.enrollments
    assert _one(db, f"{enrolled} AND pathway_id IS NOT NULL") == report.pathway_enrollments > 0
    # Each completion's history row carries its lesson and the very moment stored with the fact.
    matched = _one(
        db,
        "SELECT count(*) FROM progress_history h JOIN lesson_completion f ON f.learner_id = h.learner_id"
        f" AND f.lesson_id = h.lesson_id AND f.completed_at = h.at WHERE h.action = 'completed' AND h.{mine}",
    )
    assert (
        matched
        == report.completions
        == _one(db, f"SELECT count(*) FROM progress_history WHERE {mine} AND action = 'completed'")
    )
    assert _one(db, "SELECT count(*) FROM outbox_event") == 0
    assert _one(db, f"SELECT max(progress_version) FROM learner WHERE id {ids}") == 0


def test_each_learners_history_is_numbered_in_the_order_of_its_moments(db: Database) -> None:
    """Written in its key's order (learner, at, id): the history index fills its pages instead of splitting them,
    and ties between an enrollment and a completion at one moment read in that order."""
    report = generate_population(db, 40, seed=5, now=NOW, batch=15)
    mine = f"learner_id BETWEEN {report.first_learner_id} AND {report.last_learner_id}"
    earlier = (
        "SELECT count(*) FROM (SELECT at, lag(at) OVER (PARTITION BY learner_id ORDER BY id) AS before"
        f" FROM progress_history WHERE {mine}) AS entries WHERE before > at"
    )
    assert _one(db, f"SELECT count(*) FROM progress_history WHERE {mine}") > 40
    assert _one(db, earlier) == 0


def test_a_learner_is_the_same_whatever_the_size_of_the_population(db: Database, other_db: Database) -> None:
    """Each learner draws from their own seed: the first 15 of 40 are the 15 of a population of 15."""
    generate_population(db, 15, seed=3, now=NOW, batch=4)
    generate_population(other_db, 40, seed=3, now=NOW, batch=40)
    sql = (
        "SELECT l.email, l.name, l.created_at, f.lesson_id, f.completed_at FROM lesson_completion f"
        " JOIN learner l ON l.id = f.learner_id WHERE l.email < 'learner000015' AND l.email LIKE '%population%'"
        " ORDER BY l.email, f.lesson_id"
    )
    with db.snapshot() as small, other_db.snapshot() as large:
        assert list(small.execute(text(sql))) == list(large.execute(text(sql)))

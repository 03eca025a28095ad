"""Demo population: deterministic, consistent with the rules, spread over time, dropping off along the course."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from learnapp.persistence.db import Database
from learnapp.persistence.handles import COMPLETION
from learnapp.services.admin.stats import course_stats
from learnapp.services.errors import Conflict
from learnapp.services.operations import population
from learnapp.services.operations.population import generate_population
from tests.services.helpers import assert_stored_equals_recomputed

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def facts(db: Database) -> list[tuple[str, str, str]]:
    with db.snapshot() as conn:
        rows = conn.execute(
            text(
                "SELECT l.email, f.lesson_id, f.completed_at FROM lesson_completion f"
                " JOIN learner l ON l.id = f.learner_id ORDER BY l.email, f.lesson_id"
            )
        )
        return [tuple(map(str, row)) for row in rows]  # type: ignore[misc]


def test_stored_progress_of_a_population_equals_the_rules(db: Database) -> None:
    report = generate_population(db, 120, seed=3, enrollments=2, now=NOW, batch=50)
    assert (report.learners, report.enrollments) == (120, 240)
    assert report.completions > 0 and report.last_learner_id - report.first_learner_id == 119
    assert_stored_equals_recomputed(db)
    with db.snapshot() as conn:
        first_done = conn.execute(
            text("SELECT count(*) FROM enrollment WHERE is_complete AND first_completed_at = completed_at")
        ).scalar()
        complete = conn.execute(text("SELECT count(*) FROM enrollment WHERE is_complete")).scalar()
    assert complete and first_done == complete


def test_same_seed_same_population(db: Database, other_db: Database) -> None:
    generate_population(db, 30, seed=9, now=NOW, batch=7)
    generate_population(other_db, 30, seed=9, now=NOW, batch=30)  # batch size does not matter
    assert facts(db) == facts(other_db)


def test_a_seed_loads_once_and_another_seed_adds_learners(db: Database) -> None:
    generate_population(db, 5, seed=4, now=NOW)
    with pytest.raises(Conflict):
        generate_population(db, 5, seed=4, now=NOW)
    assert generate_population(db, 5, seed=5, now=NOW).learners == 5


def test_completions_spread_over_the_window_and_drop_off_along_the_course(db: Database) -> None:
    generate_population(db, 300, seed=11, now=NOW)
    with db.snapshot() as conn:
        moments = list(conn.execute(select(COMPLETION.c.completed_at)).scalars())
    assert len({moment.date() for moment in moments}) > 60
    assert min(moments) > NOW - timedelta(days=91)
    stats = course_stats(db, "ac-course", NOW)
    shares = [step.completed for step in stats.funnel]
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1] > 0
    s = stats.summary
    assert 0 < s.completed < s.started < s.enrolled == 300  # some finish, some stop, some never start
    assert stats.median_seconds and sum(n for _, n in stats.per_day) > 0


def test_the_population_services_hold_no_sql() -> None:
    """Its statements live in persistence (population_*.py, stats_counters, activity): the services plan and count."""
    folder = Path(population.__file__).parent
    for module in sorted(folder.glob("population*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("sqlalchemy", "sqlmodel", "learnapp.persistence.tables")), (module, name)

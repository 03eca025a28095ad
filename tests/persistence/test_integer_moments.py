"""SQLite stores moments as integers of microseconds: exact both ways, and the migration that moved the text there
(and back) loses nothing, recounting the time-to-complete counters as the application counts them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from alembic import command
from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence.db import Database
from learnapp.persistence.handles import COMPLETION, ENROLLMENT, LEARNER
from learnapp.persistence.migrate import alembic_config, upgrade
from learnapp.persistence.tables import micros_of, moment_of
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats_verify import verify
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ALICE, BOB, backend
from tests.dbdump import dump
from tests.services.helpers import moment_text

BEFORE = "b8d0f2a4c6e8"  # the last revision that stored SQLite's moments as SQLAlchemy's text
# A start with a fraction of a second, and finishes exactly on edges of the time buckets or a microsecond below one
# (the last part of a bucket): where julianday's floats and the integers may round apart.
ENROLLED = datetime(2026, 11, 3, 7, 13, 29, 123457, tzinfo=UTC)
EDGES = (
    *(0, 1, 299.999999, 3599.999999, 86399.999999),
    *(*finishers.TIME_EDGES[:4], 3600, 86400, 86400 * 3 + 1, 86400 * 30, finishers.TIME_EDGES[-1] + 7),
)


@given(st.integers(min_value=-(10**15), max_value=4_102_444_800_000_000))  # 1938 to 2100, to the microsecond
def test_a_moment_and_its_microseconds_are_one(micros: int) -> None:
    moment = moment_of(micros)
    assert micros_of(moment) == micros
    assert moment == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def test_a_moment_written_into_sqlite_sql_is_its_integer() -> None:
    query = select(COMPLETION.c.lesson_id).where(COMPLETION.c.completed_at < ENROLLED)
    compiled = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert f"lesson_completion.completed_at < {micros_of(ENROLLED)}" in compiled


def finish_on_edges(db: Database) -> None:
    """A learner per edge enrolls at ENROLLED and finishes course-b (s1, s2) that many seconds later."""
    for i, seconds in enumerate(EDGES):
        learner = create_learner(db, f"edge{i}@example.com", f"Edge {i}", "edge-password").id
        enroll_course(db, learner, "course-b")
        moved = {"t": ENROLLED, "l": learner}
        with db.transaction() as conn:
            conn.execute(moment_text("UPDATE enrollment SET enrolled_at = :t WHERE learner_id = :l", moved), moved)
        for lesson, share in (("s1", 0.5), ("s2", 1.0)):
            at = ENROLLED + timedelta(seconds=seconds) * share
            record_completion(db, learner, lesson, source="import", completed_at=at)


@pytest.mark.slow  # migrations down and up
def test_moments_go_to_text_and_back_exactly_and_the_time_counters_are_recounted(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    if backend() != "sqlite":
        pytest.skip("PostgreSQL stores timestamptz: the migration leaves it alone")
    finish_on_edges(db)
    with db.transaction() as conn:  # a whole second, written below as another tool would (no fraction, 'T', a zone)
        whole = {"t": datetime(2026, 11, 3, 7, 13, 29, tzinfo=UTC)}
        conn.execute(moment_text(f"UPDATE learner SET created_at = :t WHERE id IN ({ALICE}, {BOB})", whole), whole)
    for _run in range(2):  # the second run keeps each learner's mark (the first run's moment) for a rollback
        recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert verify(db)[1] == []
    before = dump(db)
    with db.snapshot() as conn:
        stored = conn.execute(select(ENROLLMENT.c.enrolled_at).where(ENROLLMENT.c.enrolled_at == ENROLLED)).all()
        assert len(stored) == len(EDGES)
        raw = conn.exec_driver_sql("SELECT DISTINCT typeof(enrolled_at), enrolled_at FROM enrollment").all()
        assert ("integer", micros_of(ENROLLED)) in raw
    db.dispose()

    command.downgrade(alembic_config(db_url), BEFORE)
    with db.engine.begin() as conn:
        texts = conn.exec_driver_sql("SELECT DISTINCT typeof(completed_at) FROM lesson_completion").scalars().all()
        assert texts == ["text"]  # as the older revision stores them, to the microsecond
        marks = "SELECT json_type(\"before\", '$[0]') FROM recalc_undo WHERE node_kind = 'sync'"
        assert set(conn.exec_driver_sql(marks).scalars()) - {None} == {"text"}
        assert "2026-11-03 07:13:29.123457" in conn.exec_driver_sql("SELECT enrolled_at FROM enrollment").scalars()
        conn.execute(text(f"UPDATE learner SET created_at = '2026-11-03 07:13:29' WHERE id = {ALICE}"))
        conn.execute(text(f"UPDATE learner SET created_at = '2026-11-03T09:13:29.0+02:00' WHERE id = {BOB}"))
        # Counted differently by the older arithmetic, say: the upgrade recounts every one.
        conn.execute(text("DELETE FROM stat_counter WHERE name GLOB 't[0-9]*' OR name GLOB 'm[0-9]*.[0-9]*'"))
    db.dispose()

    upgrade(db_url)
    checked, differences = verify(db)
    assert checked > 0 and not differences, "\n".join(map(str, differences))
    assert dump(db) == before
    with db.snapshot() as conn:
        last = conn.execute(select(COMPLETION.c.completed_at).order_by(COMPLETION.c.completed_at.desc())).scalar()
        assert last == ENROLLED + timedelta(seconds=EDGES[-1])


@pytest.mark.slow  # migrations down and up
def test_a_moment_the_upgrade_cannot_read_stops_it_before_anything_changes(db: Database, db_url: str) -> None:
    if backend() != "sqlite":
        pytest.skip("PostgreSQL stores timestamptz: the migration leaves it alone")
    db.dispose()
    command.downgrade(alembic_config(db_url), BEFORE)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE learner SET created_at = 'last Tuesday' WHERE id = {BOB}"))
        kept = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master ORDER BY name").all()
        texts = conn.exec_driver_sql("SELECT id, created_at FROM learner ORDER BY id").all()
    db.dispose()
    with pytest.raises(RuntimeError, match="learner.created_at holds 'last Tuesday'"):
        upgrade(db_url)
    with db.engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == BEFORE
        assert conn.exec_driver_sql("SELECT name, sql FROM sqlite_master ORDER BY name").all() == kept
        assert conn.exec_driver_sql("SELECT id, created_at FROM learner ORDER BY id").all() == texts
        conn.execute(text(f"UPDATE learner SET created_at = '2026-11-03 07:13:29.000000' WHERE id = {BOB}"))
    db.dispose()
    upgrade(db_url)  # corrected, it goes through
    with db.snapshot() as conn:
        assert conn.execute(select(LEARNER.c.created_at).where(LEARNER.c.id == BOB)).scalar() == datetime(
            2026, 11, 3, 7, 13, 29, tzinfo=UTC
        )

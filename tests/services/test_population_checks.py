"""The bulk population's own reference checks (per-row foreign-key checks skipped) and its stored times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError

from learnapp.persistence.db import Database
from learnapp.persistence.population_checks import MissingParent, checked_per_batch, may_skip_row_checks
from learnapp.persistence.population_rows import stored_text
from learnapp.persistence.population_write import BULK_TABLES, batch_transaction
from learnapp.services.operations.population import generate_population
from tests.conftest import backend
from tests.services.helpers import assert_stored_equals_recomputed
from tests.services.test_population import facts

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Every reference the population writes, as (table, column, parent): each must find its parent row.
REFERENCES = (
    ("enrollment", "learner_id", "learner"),
    ("enrollment", "course_id", "course"),
    ("enrollment", "last_lesson_id", "lesson"),
    ("pathway_enrollment", "learner_id", "learner"),
    ("pathway_enrollment", "pathway_id", "pathway"),
    ("lesson_completion", "learner_id", "learner"),
    ("lesson_completion", "lesson_id", "lesson"),
    ("progress_history", "learner_id", "learner"),
    ("progress_history", "actor_id", "learner"),
    ("progress_history", "lesson_id", "lesson"),
    ("progress_history", "course_id", "course"),
)
postgres_only = pytest.mark.skipif(
    backend() != "postgresql", reason="PostgreSQL's per-row foreign-key triggers; SQLite keeps its checks"
)


def orphans(db: Database) -> list[str]:
    found = []
    with db.snapshot() as conn:
        for table, column, parent in REFERENCES:
            # Names from REFERENCES above, no value spliced in.
            sql = (
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL"  # nosec B608
                f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = t.{column})"
            )
            if n := conn.execute(text(sql)).scalar():
                found.append(f"{n} {table}.{column} without their {parent}")
    return found


@given(st.integers(min_value=0, max_value=4_102_444_800_000_000))  # 1970 to 2100, to the microsecond
def test_a_moment_is_stored_as_sqlalchemy_stores_it(micros: int) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    assert stored_text(micros) == moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def test_every_reference_of_a_population_finds_its_row(db: Database) -> None:
    generate_population(db, 60, seed=2, enrollments=3, now=NOW, batch=25)
    assert not orphans(db)
    assert_stored_equals_recomputed(db)


@postgres_only
def test_a_superuser_session_skips_the_row_triggers_of_tables_without_triggers_of_their_own(db: Database) -> None:
    with db.transaction() as conn:
        assert may_skip_row_checks(conn, BULK_TABLES)
        assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"  # only tried
    with db.transaction() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION audit_history() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_history AFTER INSERT ON progress_history"
            " FOR EACH ROW EXECUTE FUNCTION audit_history()"
        )
        assert not may_skip_row_checks(conn, BULK_TABLES)  # replica mode would silence this trigger too


def test_a_batch_referencing_a_missing_catalog_row_is_refused(db: Database) -> None:
    with batch_transaction(db, unchecked=True) as conn:
        lesson = conn.execute(text("SELECT min(id) FROM lesson")).scalar_one()
        with pytest.raises(MissingParent, match="lesson"), checked_per_batch(conn, {"lesson": [lesson, -1]}):
            pass
    with batch_transaction(db, unchecked=True) as conn, checked_per_batch(conn, {"lesson": [lesson]}):
        # Inside, the rows go in without their per-row checks; on PostgreSQL the parent is locked as they would lock it.
        if backend() == "postgresql":
            assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "replica"
        else:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's foreign-key checks are a setting of the connection")
def test_a_sqlite_connection_goes_back_to_the_pool_checking_foreign_keys(db: Database) -> None:
    generate_population(db, 12, seed=4, now=NOW, batch=5)
    with pytest.raises(ZeroDivisionError), batch_transaction(db, unchecked=True):
        raise ZeroDivisionError  # a batch that fails midway
    with db.engine.connect() as conn:  # the pool hands back the connection the batches used
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(IntegrityError), db.transaction() as conn:
        conn.execute(text("INSERT INTO activity_day (learner_id, day, lesson_id) VALUES (-1, '2026-01-01', -1)"))


@pytest.fixture
def plain_db(db: Database, postgres: str) -> Iterator[Database]:
    """The same database through a role that is not a superuser (may not set session_replication_role)."""
    with Database(postgres).engine.connect() as admin:
        admin.exec_driver_sql("DROP ROLE IF EXISTS population_plain")
        admin.exec_driver_sql("CREATE ROLE population_plain LOGIN")
        admin.commit()
    with db.transaction() as conn:
        for grant in ("ALL ON ALL TABLES", "ALL ON ALL SEQUENCES"):
            conn.exec_driver_sql(f"GRANT {grant} IN SCHEMA public TO population_plain")
    plain = Database(make_url(db.url).set(username="population_plain").render_as_string(hide_password=False))
    yield plain
    plain.dispose()
    db.engine.dispose()
    with Database(postgres).engine.connect() as admin:
        admin.exec_driver_sql(f'REASSIGN OWNED BY population_plain TO "{make_url(postgres).username}"')
        admin.commit()


@postgres_only
def test_without_the_privilege_the_row_triggers_check_and_the_population_is_the_same(
    plain_db: Database, other_db: Database
) -> None:
    with plain_db.transaction() as conn:
        assert not may_skip_row_checks(conn, BULK_TABLES)
    generate_population(plain_db, 30, seed=6, now=NOW, batch=12)
    generate_population(other_db, 30, seed=6, now=NOW, batch=30)  # the superuser's path
    assert facts(plain_db) == facts(other_db)
    assert not orphans(plain_db)

"""Alembic: upgrading an empty database (SQLite or PostgreSQL) reaches head; the models agree with the migrations."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from learnapp.persistence.migrate import upgrade


def test_upgrade_from_empty_reaches_head_with_every_table(empty_url: str) -> None:
    url = empty_url
    upgrade(url)
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() is not None
    finally:
        engine.dispose()


def test_models_and_migrations_agree(empty_url: str) -> None:
    url = empty_url
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(empty_url: str) -> None:
    url = empty_url
    upgrade(url)
    upgrade(url)


def test_lesson_completion_is_unique_per_learner_and_lesson_in_the_schema(empty_url: str) -> None:
    url = empty_url
    upgrade(url)
    engine = create_engine(url)
    try:
        # The key itself: a learner's facts are stored together, and no surrogate id lets a second row in.
        key = inspect(engine).get_pk_constraint("lesson_completion")
        assert key["constrained_columns"] == ["learner_id", "lesson_id"]
    finally:
        engine.dispose()


def test_upgrade_creates_the_database_folder_when_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'nested' / 'fresh.db'}"
    upgrade(url)
    assert (tmp_path / "var" / "nested" / "fresh.db").exists()

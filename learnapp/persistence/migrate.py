"""Persistence: run Alembic migrations programmatically for the CLI and the tests."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from alembic import command
from learnapp.persistence.db import ensure_sqlite_folder
from learnapp.settings import ROOT


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite"):
        ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)


def schema_problem(url: str) -> str | None:
    """Why this code must not run on the database: its schema is not the code's (None: it is). Run on another
    revision the code misreads the data (on SQLite, moments stored as text before c9e1f3a5b7d9, integers since)."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    if current == head:
        return None
    return f"the database's schema is {current or 'empty'}, this code's is {head}: run `learnapp db upgrade` first"

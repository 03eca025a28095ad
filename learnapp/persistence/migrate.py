"""Persistence: run Alembic migrations programmatically for the CLI and the tests."""

from __future__ import annotations

from alembic.config import Config

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

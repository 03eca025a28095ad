"""A whole-database dump for "nothing changed" checks, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from learnapp.persistence.db import Database


def dump(db: Database, skip: tuple[str, ...] = ()) -> list[str]:
    """Every row of every table (but `skip`), in a stable order: equal dumps mean an unchanged database."""
    lines: list[str] = []
    with db.engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            if table in skip:
                continue
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            lines.extend(f"{table}: {row!r}" for row in sorted(rows, key=repr))
    return lines

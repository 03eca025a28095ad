"""A whole-database dump for "nothing changed" checks, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, text

from learnapp.persistence.db import Database

# What counts changes rather than holds data: a change undone (a rollback) still moved it.
COUNTERS = {("learner", "progress_version")}
# The record of what happened: an undone change happened too, and its undoing.
LOGS = ("outbox_event", "outbox_receipt")


def dump(db: Database, skip: tuple[str, ...] = (), counters: bool = True) -> list[str]:
    """Every row of every table (but `skip`), in a stable order: equal dumps mean an unchanged database.

    Without `counters`, columns that count changes (COUNTERS) are left out.
    """
    lines: list[str] = []
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        for table in sorted(inspector.get_table_names()):
            if table in skip:
                continue
            names = [c["name"] for c in inspector.get_columns(table) if counters or (table, c["name"]) not in COUNTERS]
            columns = ", ".join(f'"{name}"' for name in names)
            sql = f'SELECT {columns} FROM "{table}"'
            if table == "stat_counter":  # a counter is the sum of its shards, however its changes were spread
                sql = "SELECT node_kind, node_id, name, SUM(n) FROM stat_counter GROUP BY node_kind, node_id, name"
                sql += " HAVING SUM(n) <> 0"
            rows = connection.execute(text(sql)).all()
            lines.extend(f"{table}: {row!r}" for row in sorted(rows, key=repr))
    return lines


def text_moments(path: Path) -> list[str]:
    """SQLite: the table.column pairs holding a moment as text, where tables.UTCDateTime stores integers (a raw
    statement or an untyped bind would write text, which then compares wrongly with every stored moment)."""
    if not path.exists():
        return []
    found: list[str] = []
    with closing(sqlite3.connect(path)) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for _cid, column, declared, *_rest in conn.execute(f'PRAGMA table_info("{table}")'):
                if str(declared).upper() != "DATETIME":
                    continue
                sql = f'SELECT 1 FROM "{table}" WHERE typeof("{column}") = \'text\' LIMIT 1'
                if conn.execute(sql).fetchone():
                    found.append(f"{table}.{column}")
    return found

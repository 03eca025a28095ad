"""A whole-database dump for "nothing changed" checks, the same on SQLite and PostgreSQL."""

from __future__ import annotations

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

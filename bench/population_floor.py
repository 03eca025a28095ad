"""Benchmark support: bench.population's floor (the population's rows written again by the database alone) and CPU.

Each bulk table gets an empty copy with the same columns and indexes (no foreign keys, no triggers), filled with
``INSERT INTO copy SELECT * FROM table`` under the population's own bulk settings, timed, then dropped.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from learnapp.persistence.db import Database
from learnapp.persistence.population_write import batch_transaction, bulk_settings

# Every table the population writes to; stat_counter holds its counters (a few rows per node and day).
TABLES = (
    "learner",
    "enrollment",
    "pathway_enrollment",
    "lesson_completion",
    "progress_history",
    "activity_day",
    "stat_counter",
)
PREFIX = "floor_"


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int
    seconds: float
    indexes: int  # the copy's, the table's own count (primary key and unique constraints included)


def row_counts(db: Database) -> dict[str, int]:
    with db.snapshot() as conn:
        return {table: int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()) for table in TABLES}


def floor(db: Database) -> list[Copied]:
    """Every bulk table's rows written again into an indexed copy, one table after another."""
    return [_copied(db, table) for table in TABLES]


def _copied(db: Database, table: str) -> Copied:
    copy = PREFIX + table
    with db.transaction() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {copy}")  # left by an interrupted run
        for statement in _copy_schema(conn, table, copy):
            conn.exec_driver_sql(statement)
        indexes = _indexes(conn, copy)
        if indexes != _indexes(conn, table):
            raise RuntimeError(f"The floor's copy of {table} has {indexes} indexes, the table {_indexes(conn, table)}")
    try:
        started = time.perf_counter()
        # SQLite: foreign-key checks off, as the population's batches have them when it may check once per batch
        # (the copy's CREATE TABLE keeps the REFERENCES clauses; PostgreSQL's LIKE copies no foreign key).
        with batch_transaction(db, True) as conn, bulk_settings(conn):
            rows = conn.exec_driver_sql(f"INSERT INTO {copy} SELECT * FROM {table}").rowcount  # nosec B608
        seconds = time.perf_counter() - started
    finally:
        with db.transaction() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {copy}")
    return Copied(table, rows, seconds, indexes)


def _copy_schema(conn: Connection, table: str, copy: str) -> list[str]:
    """The statements that make `copy`: `table`'s columns, defaults, checks and indexes."""
    if conn.dialect.name == "postgresql":
        like = "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES INCLUDING GENERATED"
        return [f"CREATE TABLE {copy} (LIKE {table} {like})"]
    found = conn.exec_driver_sql(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL AND type IN ('table', 'index')"
        " ORDER BY type = 'index'",
        (table,),
    ).all()
    statements = []
    for kind, sql in found:
        if kind == "table":
            made = re.sub(rf'^CREATE TABLE\s+"?{table}"?', f"CREATE TABLE {copy}", sql)
        else:  # the index's own name, then its table's
            made = re.sub(
                rf'^CREATE (UNIQUE )?INDEX\s+"?(\w+)"?\s+ON\s+"?{table}"?',
                rf"CREATE \1INDEX {PREFIX}\2 ON {copy}",
                sql,
            )
        if made == sql:
            raise RuntimeError(f"Cannot rename {table}'s schema for its floor copy: {sql}")
        statements.append(made)
    return statements


def _indexes(conn: Connection, table: str) -> int:
    if conn.dialect.name == "postgresql":
        query = "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
        return int(conn.exec_driver_sql(query, (table,)).scalar_one())
    return len(conn.exec_driver_sql(f"PRAGMA index_list({table})").all())


def postmaster(db: Database) -> int | None:
    """PostgreSQL: the server's main process (the parent of this connection's backend); None on SQLite."""
    if db.is_sqlite:
        return None
    with db.snapshot() as conn:
        backend = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    return _stat(backend)[0]


def server_cpu(main: int | None) -> float | None:
    """CPU seconds of the cluster so far: its main process, every child now running, and (counted into the main
    process's own figures when they end) every child that ended. A difference of two readings is the server's work
    in between. None without a server or when /proc cannot be read."""
    if main is None:
        return None
    try:
        _, total = _stat(main)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent, seconds = _stat(int(entry.name))
                except (FileNotFoundError, ProcessLookupError):
                    continue  # it ended since the listing (its time is now in the main process's)
                if parent == main:
                    total += seconds
    except OSError:
        return None
    return total


def _stat(pid: int) -> tuple[int, float]:
    """(parent pid, CPU seconds of the process and of its ended children) from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command's closing parenthesis: state, ppid, …, utime, stime, cutime, cstime (fields 3, 4, 14-17).
    ticks = sum(int(value) for value in fields[11:15])
    return int(fields[1]), ticks / os.sysconf("SC_CLK_TCK")

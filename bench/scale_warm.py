"""Benchmark support: bench.scale's --warm, every file of a database read once before its measures, indexes last."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from learnapp.persistence.db import Database

CHUNK = 8 * 2**20


def database_files(db: Database) -> list[Path]:
    """The files holding the database: SQLite's file and its WAL; PostgreSQL's tables, largest first, then their
    indexes. Where a PostgreSQL database is larger than memory, what a read-through leaves in memory is then the
    indexes: the pages every click goes through (its learner's place in each table it writes into), as they stay
    on a server whose clicks keep touching them, while a click touches a table only at its end."""
    if db.is_sqlite:
        path = Path(str(db.engine.url.database))
        return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    with db.snapshot() as conn:
        data = Path(conn.execute(text("SELECT current_setting('data_directory')")).scalar_one())
        relations = conn.execute(
            text(
                "SELECT pg_relation_filepath(oid) FROM pg_class WHERE relkind IN ('r', 't', 'm', 'i')"
                " AND pg_relation_filepath(oid) IS NOT NULL"
                " ORDER BY relkind = 'i', pg_relation_size(oid) DESC, oid"
            )
        ).scalars()
        return [segment for relation in relations for segment in _segments(data / relation)]


def _segments(path: Path) -> list[Path]:
    """A relation's files: its first gigabyte, then path.1, path.2, ... (its free space and visibility maps too)."""
    found = [p for p in (path, path.with_name(path.name + "_fsm"), path.with_name(path.name + "_vm")) if p.exists()]
    number = 1
    while (more := path.with_name(f"{path.name}.{number}")).exists():
        found.append(more)
        number += 1
    return found


def read_through(files: list[Path]) -> dict[str, float]:
    """Read the files from start to end (into the page cache, as a server that has been up a while holds a
    database that fits in its memory): GB read and the seconds it took."""
    started, total = time.perf_counter(), 0
    buffer = bytearray(CHUNK)
    for path in files:
        with path.open("rb", buffering=0) as stream:
            while read := stream.readinto(buffer):
                total += read
    return {"gb": round(total / 2**30, 2), "seconds": round(time.perf_counter() - started, 1)}

"""Benchmark support: bench.scale's --warm, every file of a database read once before its measures."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from learnapp.persistence.db import Database

CHUNK = 8 * 2**20


def database_files(db: Database) -> list[Path]:
    """The files holding the database: SQLite's file and its WAL; PostgreSQL's directory of this database."""
    if db.is_sqlite:
        path = Path(str(db.engine.url.database))
        return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    with db.snapshot() as conn:
        data = conn.execute(text("SELECT current_setting('data_directory')")).scalar_one()
        oid = conn.execute(text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar_one()
    return sorted(p for p in (Path(data) / "base" / str(oid)).iterdir() if p.is_file())


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

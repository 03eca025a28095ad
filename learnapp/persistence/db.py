"""Persistence: the engine and transaction scopes (SQLite in WAL mode, or PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection as Connection  # re-exported: services type their transactions with it
from sqlmodel import Session


class Database:
    """One engine per URL; every service call runs inside one of its transactions."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            ensure_sqlite_folder(url)
            self.engine: Engine = create_engine(
                url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
            )
            _tune_sqlite(self.engine)
        else:
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A read-write transaction on a bare connection, committed on success, rolled back on error."""
        if not self.is_sqlite:
            with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        # SQLite has one writer at a time, and a writer that finds the lock taken polls for it with sleeps
        # growing to 100 ms. Queueing this process's writers on a lock hands it over the moment it is free;
        # busy_timeout still covers writers in other processes.
        with write_lock(self.url), self.engine.connect() as conn, conn.begin():
            # Take SQLite's write lock up front so a read-then-write never fails to upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction on a bare connection: in WAL mode it never blocks writers."""
        with self.engine.connect() as conn, conn.begin():
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN")
            yield conn

    @contextmanager
    def write(self) -> Iterator[Session]:
        """An ORM session inside transaction(), for use cases that are not on the hot path."""
        with self.transaction() as conn, Session(bind=conn, expire_on_commit=False) as session:
            yield session
            session.flush()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """An ORM session inside snapshot()."""
        with self.snapshot() as conn, Session(bind=conn, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def write_lock(url: str) -> threading.RLock:
    """One lock per database file in this process, whichever Database object writes to it (a bulk writer that opens
    its own SQLite transaction takes it too)."""
    with _write_locks_guard:
        return _write_locks.setdefault(url, threading.RLock())


@dataclass(frozen=True)
class Address:
    """Where a database URL points, in the parts operators' files are named by."""

    sqlite_file: str | None  # the file a SQLite URL names; None for PostgreSQL and in-memory SQLite
    shown: str  # the URL with its password hidden
    name: str  # its database part, "" when it has none


def address(url: str) -> Address:
    parsed = make_url(url)
    named = parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:"
    return Address(
        parsed.database if named else None, parsed.render_as_string(hide_password=True), parsed.database or ""
    )


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder (var/ on a fresh clone)."""
    path = url.split("///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


# The served app checkpoints in a background thread (persistence/checkpoint.py), so no click pays for it; a commit
# checkpoints only past this many WAL pages (40 MB), a bound for processes that run no checkpointer (CLI, tests).
WAL_AUTOCHECKPOINT_PAGES = 10_000


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver: Database issues BEGIN itself (no per-statement event hooks).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; only power loss can drop a commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()


@lru_cache(maxsize=8)
def database(url: str) -> Database:
    """The process-wide Database for a URL (engines are expensive; create each once)."""
    return Database(url)


def default_database() -> Database:
    from learnapp.settings import get_settings

    settings = get_settings()
    return database(settings.database_url)

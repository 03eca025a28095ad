"""Persistence: a batch of generated learners written in bulk (PostgreSQL COPY, SQLite one statement per table)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, select, text

from learnapp.persistence import stats_counters
from learnapp.persistence.activity import keep_new_days
from learnapp.persistence.db import Database, write_lock
from learnapp.persistence.handles import LEARNER
from learnapp.persistence.population_checks import checked_per_batch
from learnapp.persistence.population_rows import (
    COURSE_COLUMNS,
    FACT_COLUMNS,
    FACT_LEARNER_DIGITS,
    FACT_LESSON_DIGITS,
    HISTORY_COLUMNS,
    LEARNER_COLUMNS,
    PATHWAY_COLUMNS,
    Encoded,
)

# The tables whose rows reference only this batch's learners and the catalog (see write_batch).
BULK_TABLES = ("enrollment", "pathway_enrollment", "lesson_completion", "progress_history", "activity_day")


def population_loaded(conn: Connection, email: str) -> bool:
    """Whether a learner has this e-mail: one indexed look-up (every population starts with a known first one)."""
    return conn.execute(select(LEARNER.c.id).where(LEARNER.c.email == email)).first() is not None


def new_ids(conn: Connection, count: int) -> list[int] | None:
    """`count` consecutive learner ids for a batch, or None when other sign-ups kept taking ids in between.

    SQLite: after the largest (the caller holds the write lock). PostgreSQL: drawn from the id sequence (outside any
    transaction's reach: a failed run leaves a gap, as any rollback does), so the app's own inserts meanwhile never
    collide with them; a sign-up drawing in the middle of ours would fall inside the range: then draw again.
    """
    if conn.dialect.name == "sqlite":
        top = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM learner")).scalar_one())
        return list(range(top + 1, top + 1 + count))
    for _ in range(5):
        drawn = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('learner', 'id')) FROM generate_series(1, :n)"), {"n": count}
        )
        ids = sorted(int(row[0]) for row in drawn)
        if ids[-1] - ids[0] == count - 1:
            return ids
    return None


@contextmanager
def batch_transaction(db: Database, unchecked: bool) -> Iterator[Connection]:
    """One batch's transaction (db.transaction). SQLite, `unchecked`: with the connection's foreign-key checks off
    (a setting a transaction ignores: set before BEGIN, restored after), for write_batch's checked_per_batch, which
    checks the batch's references once instead of every row's (a fifth of the writing thread's work)."""
    if not (db.is_sqlite and unchecked):
        with db.transaction() as conn:
            yield conn
        return
    # db.transaction's own steps: this process's writers queue on its lock, then BEGIN IMMEDIATE takes SQLite's.
    with write_lock(db.url), db.engine.connect() as conn:
        _foreign_keys(conn, "OFF")
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn
        finally:
            _foreign_keys(conn, "ON")  # the pooled connection goes back as the app set it


def _foreign_keys(conn: Connection, setting: str) -> None:
    conn.exec_driver_sql(f"PRAGMA foreign_keys={setting}")
    conn.commit()  # ends SQLAlchemy's implicit transaction (the driver sent no BEGIN: it is in autocommit)


@contextmanager
def bulk_settings(conn: Connection) -> Iterator[None]:
    """Settings of this transaction only, for a batch's statements over a few hundred thousand rows.

    SQLite: a page cache big enough for a batch's index pages while it is written (memory only), then the default.
    PostgreSQL: no JIT (without statistics on fresh rows every statement looked costly enough to compile), and
    sorts and hashes in memory.
    """
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        yield
        return
    default = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-524288")  # 512 MiB
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(default or -2000)}")


def write_batch(
    conn: Connection, batch: Encoded, ids: Sequence[int], parents: Mapping[str, Sequence[int]] | None
) -> None:
    """One batch's learners, enrollments with their stored progress, facts, history and activity days, for the
    consecutive learner ids `ids` (the batch's learners in order).

    With `parents` (the catalog rows the batch may reference: lesson, course, pathway ids), everything but the
    learners is written with its references checked once per batch (population_checks); the learners' own inserts
    always run their triggers (the site's learner count). PostgreSQL: then the learners go last, after the site's
    counter rows are locked in shard order: two batches written at once queue there (for the tail of their
    transactions only) and never deadlock on the rows their learners' triggers add to.
    """
    lo, hi = ids[0], ids[-1]
    postgres = conn.dialect.name == "postgresql"
    if not postgres:
        conn.execute(text(_ACCOUNTS), {"base": lo, "rows": batch.learners})
    elif not parents:  # each row's own reference check needs its learner first
        stats_counters.lock_site(conn)
        _copy(conn, "learner", LEARNER_COLUMNS, batch.learners)
    with checked_per_batch(conn, parents) if parents else nullcontext():
        if postgres:
            _copy(conn, "enrollment", COURSE_COLUMNS, batch.courses)
            _copy(conn, "pathway_enrollment", PATHWAY_COLUMNS, batch.pathways)
            facts, history, days = batch.facts
            _copy(conn, "lesson_completion", FACT_COLUMNS, facts, binary=True)
            _copy(conn, "progress_history", HISTORY_COLUMNS, history, binary=True)
            _copy(conn, "activity_day", "learner_id day lesson_id", days, binary=True)
        else:
            rows = (batch.courses, batch.pathways, batch.facts, None)  # the JSON each statement reads
            for statement, json in zip(_SQLITE, rows, strict=True):
                values = {"base": lo, "lo": lo, "hi": hi} | ({} if json is None else {"rows": json})
                conn.execute(text(statement), {k: v for k, v in values.items() if f":{k}" in statement})
            keep_new_days(conn, lo, hi)
    if postgres and parents:
        stats_counters.lock_site(conn)
        _copy(conn, "learner", LEARNER_COLUMNS, batch.learners)


def _json(columns: str) -> str:
    """SQLite: the rows of the JSON parameter `rows` as a table of these columns."""
    picked = ", ".join(f"value ->> {n} AS {name}" for n, name in enumerate(columns.split()))
    return f"(SELECT {picked} FROM json_each(:rows))"  # nosec B608 - column names from module constants


# SQLite: rows straight from the JSON parameters (learners numbered from 0: `:base +` makes them ids), then the
# history rows the engine writes (actor: the learner; source: import) read back from the rows just written, by
# learner range (only this batch's learners are in it). Every piece is a constant of this module.
_ENROLLED = "'enrolled', 'import', NULL"  # an enrollment's history row: its course or its pathway, no lesson
_MINE = "WHERE learner_id BETWEEN :lo AND :hi"
_HISTORY = f"INSERT INTO progress_history ({', '.join(HISTORY_COLUMNS.split())}, id) "
_ACCOUNTS = (
    "INSERT INTO learner (" + ", ".join(LEARNER_COLUMNS.split()) + ")"  # nosec B608
    " SELECT :base + learner, email, name, hash, 'learner', 'UTC', created, 0"
    f" FROM {_json('learner email name hash created')}"
)
_L, _S = FACT_LEARNER_DIGITS, FACT_LESSON_DIGITS
_SQLITE = (
    "INSERT INTO enrollment (" + ", ".join(COURSE_COLUMNS.split()) + ")"  # nosec B608
    " SELECT :base + learner, course, enrolled, lesson, last, done, total, percent, complete, at, at, enrolled"
    f" FROM {_json('learner course enrolled lesson last done total percent complete at')}",
    "INSERT INTO pathway_enrollment (" + ", ".join(PATHWAY_COLUMNS.split()) + ")"  # nosec B608
    " SELECT :base + learner, pathway, enrolled, NULL, done, total, percent, courses, courses_total, complete, at,"
    f" at, enrolled FROM {_json('learner pathway enrolled done total percent courses courses_total complete at')}",
    "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source)"  # nosec B608
    f" SELECT :base + CAST(substr(value, 1, {_L}) AS INTEGER), CAST(substr(value, {_L + 1}, {_S}) AS INTEGER),"
    f" CAST(substr(value, {_L + _S + 1}) AS INTEGER), 'import' FROM json_each(:rows)",
    # The history of all three in one statement: on SQLite its ids are ours to give (persistence.history_ids), and the
    # batch's learners are new, so each one's entries are numbered from 1; they go in in the table's key order.
    f"{_HISTORY}SELECT *, row_number() OVER (PARTITION BY learner_id ORDER BY at) FROM ("  # nosec B608
    f"SELECT enrolled_at AS at, learner_id, learner_id AS actor_id, {_ENROLLED}, course_id, NULL, ''"
    f" FROM enrollment {_MINE}"
    f" UNION ALL SELECT enrolled_at, learner_id, learner_id, {_ENROLLED}, NULL, pathway_id, ''"
    f" FROM pathway_enrollment {_MINE} UNION ALL SELECT completed_at, learner_id, learner_id, 'completed', 'import',"
    f" lesson_id, NULL, NULL, '' FROM lesson_completion {_MINE}) ORDER BY learner_id, at",
)


def _copy(conn: Connection, table: str, columns: str, data: bytes, binary: bool = False) -> None:
    """COPY ... FROM STDIN of rows already in COPY's text (or binary) format, in one write."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    form = " (FORMAT binary)" if binary else ""
    # Table and column names are this module's constants.
    with cursor.copy(f"COPY {table} ({', '.join(columns.split())}) FROM STDIN{form}") as copy:  # nosec B608
        copy.write(data)

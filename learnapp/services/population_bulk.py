"""Services: a batch of planned learners written in bulk: integers staged (COPY or executemany), then INSERT SELECT."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from learnapp.services.population_plan import Plan

# Staging tables of plain integers (times in microseconds since the epoch): the driver binds integers fast, and the
# database turns them into stored rows and history in a few set-based statements.
_STAGE = {
    "tmp_population_course": "learner_id INTEGER, course_id INTEGER, enrolled BIGINT, last_lesson INTEGER, last BIGINT",
    "tmp_population_pathway": "learner_id INTEGER, pathway_id INTEGER, enrolled BIGINT",
    "tmp_population_fact": "learner_id INTEGER, lesson_id INTEGER, at BIGINT",
}
_FACTS_JSON = "(SELECT value ->> 0 AS learner_id, value ->> 1 AS lesson_id, value ->> 2 AS at FROM json_each(:facts))"
_HISTORY_COLUMNS = "at, learner_id, actor_id, action, source, lesson_id, course_id, detail"
LEARNER_COLUMNS = "id email name password_hash role time_zone created_at progress_version"


def _moment(column: str, postgres: bool) -> str:
    """SQL for the stored form of a UTC moment given in microseconds (SQLite: SQLAlchemy's text, to the µs)."""
    if postgres:
        return f"(timestamptz 'epoch' + {column} * interval '1 microsecond')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', {column} / 1000000, 'unixepoch') || printf('.%06d', {column} % 1000000))"


def _moves(postgres: bool) -> tuple[str, ...]:
    """Staged rows into the real tables, with the history rows the engine writes (actor: the learner; import).

    SQLite reads the facts straight from the JSON parameter (no staging table to fill and empty), and their history
    from the rows just written: its ids are contiguous (the caller holds the write lock). PostgreSQL stages them.
    """
    m = lambda column: _moment(column, postgres)  # noqa: E731 - reads better inline below
    no = "FALSE" if postgres else "0"
    facts = "tmp_population_fact" if postgres else _FACTS_JSON
    # Every piece below is a constant of this module (column expressions, table names): no value is spliced in.
    staged_facts = f"SELECT {m('at')}, learner_id, learner_id, 'completed', 'import', lesson_id, NULL, ''"  # nosec B608
    written_facts = (
        "SELECT completed_at, learner_id, learner_id, 'completed', 'import', lesson_id, NULL, ''"
        " FROM lesson_completion WHERE learner_id BETWEEN :lo AND :hi"
    )
    completed = f"{staged_facts} FROM tmp_population_fact" if postgres else written_facts
    enrollments = (
        "INSERT INTO enrollment (learner_id, course_id, enrolled_at, last_lesson_id,"  # nosec B608
        " last_accessed_at, completed,"
        f" total, percent, is_complete, updated_at) SELECT learner_id, course_id, {m('enrolled')}, last_lesson,"
        f" {m('last')}, 0, 0, 0, {no}, {m('enrolled')} FROM tmp_population_course"
    )
    pathways = (
        "INSERT INTO pathway_enrollment (learner_id, pathway_id, enrolled_at,"  # nosec B608
        " last_accessed_at, completed, total,"
        " percent, courses_completed, courses_total, is_complete, updated_at) SELECT learner_id, pathway_id,"
        f" {m('enrolled')}, NULL, 0, 0, 0, 0, 0, {no}, {m('enrolled')} FROM tmp_population_pathway"
    )
    facts_in = (
        "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source)"  # nosec B608
        f" SELECT learner_id, lesson_id, {m('at')}, 'import' FROM {facts}"
    )
    enrolled_history = (
        "INSERT INTO progress_history (at, learner_id, actor_id, action, source,"  # nosec B608
        " lesson_id, course_id, detail)"
        f" SELECT {m('enrolled')}, learner_id, learner_id, 'enrolled', 'import', NULL, course_id, ''"
        " FROM tmp_population_course"
    )
    completed_history = f"INSERT INTO progress_history ({_HISTORY_COLUMNS}) {completed}"  # nosec B608
    return (enrollments, pathways, facts_in, enrolled_history, completed_history)


def write_batch(conn: Connection, plans: Sequence[Plan], password_hash: str) -> tuple[list[int], list[int]]:
    """One batch's learners, enrollments, facts and history; returns (learner ids, [courses, pathways, facts])."""
    postgres = conn.dialect.name == "postgresql"
    ids = _new_ids(conn, len(plans), postgres)
    zone = "+00" if postgres else ""  # SQLite stores a UTC moment as text without a zone
    learners = [
        (i, p.email, p.name, password_hash, "learner", "UTC", _text(p.created_at) + zone, 0)
        for i, p in zip(ids, plans, strict=True)
    ]
    courses: list[tuple[Any, ...]] = []
    pathways: list[tuple[Any, ...]] = []
    facts: list[tuple[Any, ...]] = []
    for learner, p in zip(ids, plans, strict=True):
        courses.extend((learner, *row) for row in p.courses)
        pathways.extend((learner, *row) for row in p.pathways)
        facts.extend((learner, lesson, at) for lesson, at in p.facts.items())
    create_staging(conn)
    write = _copy if postgres else _json_rows
    write(conn, "learner", LEARNER_COLUMNS, learners)
    write(conn, "tmp_population_course", "learner_id course_id enrolled last_lesson last", courses)
    write(conn, "tmp_population_pathway", "learner_id pathway_id enrolled", pathways)
    if postgres:
        write(conn, "tmp_population_fact", "learner_id lesson_id at", facts)
    values = {"lo": ids[0], "hi": ids[-1], "facts": json.dumps(facts)} if not postgres else {}
    for statement in _moves(postgres):
        conn.execute(text(statement), {k: v for k, v in values.items() if f":{k}" in statement})
    return ids, [len(courses), len(pathways), len(facts)]


def create_staging(conn: Connection) -> None:
    """This connection's staging tables, empty."""
    for table, columns in _STAGE.items():
        conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns})"))
        conn.execute(text(f"DELETE FROM {table}"))  # nosec B608 - names from _STAGE


def _text(micros: int) -> str:
    return datetime.fromtimestamp(micros / 1_000_000, UTC).isoformat(" ", "microseconds")[:26]


def _new_ids(conn: Connection, count: int, postgres: bool) -> list[int]:
    if postgres:
        # Values drawn from the id sequence, so the app's own inserts meanwhile never collide with them.
        drawn = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('learner', 'id')) FROM generate_series(1, :n)"), {"n": count}
        )
        return sorted(int(row[0]) for row in drawn)
    # SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so nobody else can take these ids meanwhile.
    top = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM learner")).scalar_one())
    return list(range(top + 1, top + 1 + count))


def _json_rows(conn: Connection, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """SQLite: all rows as one JSON parameter, unpacked by json_each in one statement.

    One statement rather than executemany: SQLite releases the GIL for the whole of it (the planning thread runs
    meanwhile, where a per-row executemany would hand the GIL back and forth), and no per-row binding in Python.
    """
    if rows:
        names = columns.split()
        values = ", ".join(f"value ->> {n}" for n in range(len(names)))
        # Table and column names are this module's constants; the rows go as one bound parameter.
        sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} FROM json_each(?)"  # nosec B608
        conn.exec_driver_sql(sql, (json.dumps(rows),))


def _copy(conn: Connection, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY ... FROM STDIN through psycopg's copy API, in the connection's transaction."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns.split())}) FROM STDIN") as copy:  # nosec B608 - constants
        for row in rows:
            copy.write_row(row)

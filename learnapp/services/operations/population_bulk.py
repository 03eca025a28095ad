"""Services: a batch of planned learners written in bulk: encoded off the writing thread, then INSERT … SELECT."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import text

from learnapp.persistence.db import Connection
from learnapp.services.errors import Conflict
from learnapp.services.operations.population_checks import checked_per_batch
from learnapp.services.operations.population_plan import Plan

# PostgreSQL's staging tables of plain integers (learner positions in the batch, times in microseconds since the
# epoch): COPY binds integers fast, and the server turns them into stored rows and history in set-based statements.
_STAGE = {
    "tmp_population_course": "learner_id INTEGER, course_id INTEGER, enrolled BIGINT, last_lesson INTEGER, last BIGINT",
    "tmp_population_pathway": "learner_id INTEGER, pathway_id INTEGER, enrolled BIGINT",
}
COURSE_COLUMNS = "learner_id course_id enrolled last_lesson last"
PATHWAY_COLUMNS = "learner_id pathway_id enrolled"
FACT_COLUMNS = "learner_id lesson_id at"
LEARNER_COLUMNS = "id email name password_hash role time_zone created_at progress_version"
_HISTORY_COLUMNS = "at, learner_id, actor_id, action, source, lesson_id, course_id, pathway_id, detail"
# The tables whose rows reference only this batch's learners and the catalog (see write_batch).
BULK_TABLES = ("enrollment", "pathway_enrollment", "lesson_completion", "progress_history")


@dataclass(frozen=True)
class Batch:
    """One batch's rows, encoded in the planning thread, its learners numbered from `first` on.

    PostgreSQL: `first` is the first of the learner ids drawn for the batch; enrollments are integer tuples for COPY
    into staging tables, facts and their history rows are COPY text for the tables themselves (one pass, and COPY
    inserts in multi-row groups). SQLite: learners are numbered from 0 (their ids are known only under the write
    lock), each table's rows are one JSON text with times in their stored text form (strftime in SQL cost more
    than the inserts it fed).
    """

    first: int
    learners: list[tuple[str, str, str]]  # email, name, created at (stored text)
    courses: Any
    pathways: Any
    facts: Any
    history: bytes  # PostgreSQL: the facts' history rows as COPY text; SQLite: read back from the facts written
    counts: tuple[int, int, int]  # course enrollments, pathway enrollments, facts


def encode(plans: Sequence[Plan], first: int, postgres: bool) -> Batch:
    """The rows of these plans as the dialect's writer takes them, learners numbered from `first`."""
    at = _micros if postgres else stored_text
    courses: list[tuple[Any, ...]] = []
    pathways: list[tuple[Any, ...]] = []
    facts: list[Any] = []
    history: list[str] = []
    for learner, p in enumerate(plans, start=first):
        courses.extend(
            (learner, course, at(enrolled), lesson, None if last is None else at(last))
            for course, enrolled, lesson, last in p.courses
        )
        pathways.extend((learner, pathway, at(enrolled)) for pathway, enrolled in p.pathways)
        if postgres:
            for lesson, moment in p.facts.items():
                stamp = stored_text(moment)
                facts.append(f"{learner}\t{lesson}\t{stamp}+00\timport\n")
                history.append(f"{stamp}+00\t{learner}\t{learner}\tcompleted\timport\t{lesson}\t\\N\t\\N\t\n")
        else:
            facts.extend((learner, lesson, stored_text(moment)) for lesson, moment in p.facts.items())
    zone = "+00" if postgres else ""  # SQLite stores a UTC moment as text without a zone
    learners = [(p.email, p.name, stored_text(p.created_at) + zone) for p in plans]
    counts = (len(courses), len(pathways), len(facts))
    if postgres:
        return Batch(first, learners, courses, pathways, "".join(facts).encode(), "".join(history).encode(), counts)
    return Batch(first, learners, json.dumps(courses), json.dumps(pathways), json.dumps(facts), b"", counts)


def _micros(moment: int) -> int:
    return moment


@lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d ")


def stored_text(micros: int) -> str:
    """A UTC moment in microseconds as SQLAlchemy stores a DATETIME in SQLite ('2026-11-20 12:00:00.000000')."""
    seconds, fraction = divmod(micros, 1_000_000)
    day, second = divmod(seconds, 86_400)
    hour, second = divmod(second, 3_600)
    minute, second = divmod(second, 60)
    return f"{_day(day)}{hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}"


def _moment(column: str, postgres: bool) -> str:
    """SQL for the stored form of a staged moment (PostgreSQL: from µs; SQLite: already the stored text)."""
    return f"(timestamptz 'epoch' + {column} * interval '1 microsecond')" if postgres else column


def _json(columns: str, parameter: str) -> str:
    """SQLite: the rows of a JSON parameter as a table of these columns."""
    picked = ", ".join(f"value ->> {n} AS {name}" for n, name in enumerate(columns.split()))
    return f"(SELECT {picked} FROM json_each(:{parameter}))"  # nosec B608 - column names from module constants


def _moves(postgres: bool) -> tuple[str, ...]:
    """Rows into the real tables, with the history rows the engine writes (actor: the learner; source: import).

    Learners are numbered from the batch's `first`: `:base +` makes them ids (0 on PostgreSQL, where they are ids).
    SQLite reads the rows straight from the JSON parameters, and the history from the rows just written (by learner
    range: only this batch's learners are in it); PostgreSQL copies the facts and their history in write_batch.
    """
    m = lambda column: _moment(column, postgres)  # noqa: E731 - reads better inline below
    no = "FALSE" if postgres else "0"
    courses = "tmp_population_course" if postgres else _json(COURSE_COLUMNS, "courses")
    paths = "tmp_population_pathway" if postgres else _json(PATHWAY_COLUMNS, "pathways")
    # Every piece below is a constant of this module (column expressions, table names): no value is spliced in.
    # Inserted as recompute_range's reset leaves them (the catalog's totals, nothing done), so it skips the reset.
    enrollments = (
        "INSERT INTO enrollment (learner_id, course_id, enrolled_at, last_lesson_id,"  # nosec B608
        " last_accessed_at, completed,"
        f" total, percent, is_complete, updated_at) SELECT :base + s.learner_id, s.course_id, {m('enrolled')},"
        f" last_lesson, {m('last')}, 0, coalesce(c.total, 0), 0, {no}, {m('enrolled')}"
        f" FROM {courses} s LEFT JOIN tmp_course c ON c.course_id = s.course_id"
    )
    pathways = (
        "INSERT INTO pathway_enrollment (learner_id, pathway_id, enrolled_at,"  # nosec B608
        " last_accessed_at, completed, total, percent, courses_completed, courses_total, is_complete, updated_at)"
        f" SELECT :base + s.learner_id, s.pathway_id, {m('enrolled')}, NULL, 0, coalesce(p.total, 0), 0, 0,"
        f" coalesce(p.courses_total, 0), {no}, {m('enrolled')}"
        f" FROM {paths} s LEFT JOIN tmp_pathway p ON p.pathway_id = s.pathway_id"
    )
    history = f"INSERT INTO progress_history ({_HISTORY_COLUMNS}) "  # nosec B608 - constant
    enrolled = "'enrolled', 'import', NULL"  # an enrollment's history row: its course or its pathway, no lesson
    if postgres:
        course = f"SELECT {m('enrolled')}, learner_id, learner_id, {enrolled}, course_id, NULL, ''"
        pathway = f"SELECT {m('enrolled')}, learner_id, learner_id, {enrolled}, NULL, pathway_id, ''"
        return (
            enrollments,
            pathways,
            f"{history}{course} FROM tmp_population_course",
            f"{history}{pathway} FROM tmp_population_pathway",
        )
    facts_in = (
        "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source)"  # nosec B608
        f" SELECT :base + learner_id, lesson_id, at, 'import' FROM {_json(FACT_COLUMNS, 'facts')} s"
    )
    mine = "WHERE learner_id BETWEEN :lo AND :hi"
    course = f"SELECT enrolled_at, learner_id, learner_id, {enrolled}, course_id, NULL, '' FROM enrollment {mine}"  # nosec B608
    pathway = f"SELECT enrolled_at, learner_id, learner_id, {enrolled}, NULL, pathway_id, ''"
    pathway += f" FROM pathway_enrollment {mine}"
    completed = "SELECT completed_at, learner_id, learner_id, 'completed', 'import', lesson_id, NULL, NULL, ''"
    completed += f" FROM lesson_completion {mine}"
    return (enrollments, pathways, facts_in, history + course, history + pathway, history + completed)


_MOVES = {postgres: _moves(postgres) for postgres in (False, True)}


def new_ids(conn: Connection, count: int) -> list[int]:
    """`count` consecutive learner ids nobody else can take: the batch's rows address its learners by range."""
    if conn.dialect.name != "postgresql":
        # SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so nobody else can take these ids meanwhile.
        top = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM learner")).scalar_one())
        return list(range(top + 1, top + 1 + count))
    # Drawn from the id sequence (outside any transaction's reach: a failed run leaves a gap, as any rollback does),
    # so the app's own inserts meanwhile never collide with them. A sign-up drawing in the middle of ours would fall
    # inside the range, and be counted as one of ours: then draw again.
    for _ in range(5):
        drawn = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('learner', 'id')) FROM generate_series(1, :n)"), {"n": count}
        )
        ids = sorted(int(row[0]) for row in drawn)
        if ids[-1] - ids[0] == count - 1:
            return ids
    raise Conflict("Learner ids are being drawn too busily to reserve a range: run the population again later")


def write_batch(
    conn: Connection, batch: Batch, ids: list[int], password_hash: str, parents: Mapping[str, Sequence[int]] | None
) -> None:
    """One batch's learners, enrollments, facts and history, for the consecutive learner ids `ids` (load_shape first).

    With `parents` (the catalog rows the batch may reference: lesson, course, pathway ids), everything but the
    learners is written with its references checked once per batch (population_checks); the learners' own inserts
    always run their triggers (the site's learner count).
    """
    postgres = conn.dialect.name == "postgresql"
    learners = [
        (i, email, name, password_hash, "learner", "UTC", created, 0)
        for i, (email, name, created) in zip(ids, batch.learners, strict=True)
    ]
    values: dict[str, Any] = {"base": ids[0] - batch.first, "lo": ids[0], "hi": ids[-1]}
    if postgres:
        create_staging(conn)
        _copy(conn, "learner", LEARNER_COLUMNS, learners)
        _copy(conn, "tmp_population_course", COURSE_COLUMNS, batch.courses)
        _copy(conn, "tmp_population_pathway", PATHWAY_COLUMNS, batch.pathways)
    else:
        _json_rows(conn, "learner", LEARNER_COLUMNS, learners)
        values |= {"courses": batch.courses, "pathways": batch.pathways, "facts": batch.facts}
    with checked_per_batch(conn, parents) if parents else nullcontext():
        if postgres:
            _copy_text(conn, "lesson_completion", "learner_id lesson_id completed_at source", batch.facts)
            _copy_text(conn, "progress_history", _HISTORY_COLUMNS, batch.history)
        for statement in _MOVES[postgres]:
            conn.execute(text(statement), {k: v for k, v in values.items() if f":{k}" in statement})


def create_staging(conn: Connection) -> None:
    """PostgreSQL: this connection's staging tables, empty."""
    for table, columns in _STAGE.items():
        conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns})"))
        emptied = f"TRUNCATE {table}" if conn.dialect.name == "postgresql" else f"DELETE FROM {table}"  # nosec B608
        conn.execute(text(emptied))  # the names come from _STAGE, a module constant


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


def _copy_text(conn: Connection, table: str, columns: str, data: bytes) -> None:
    """COPY ... FROM STDIN of rows already in COPY's text format, in one write."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    # Table and column names are this module's constants.
    with cursor.copy(f"COPY {table} ({', '.join(columns.replace(',', ' ').split())}) FROM STDIN") as copy:  # nosec B608
        copy.write(data)


def _copy(conn: Connection, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY ... FROM STDIN through psycopg's copy API, in the connection's transaction."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns.split())}) FROM STDIN") as copy:  # nosec B608 - constants
        for row in rows:
            copy.write_row(row)

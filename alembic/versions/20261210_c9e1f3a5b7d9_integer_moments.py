"""integer moments on SQLite: every timestamp column holds microseconds since 1970 UTC (8 bytes) instead of
SQLAlchemy's 26 characters of text; the finishers' time-to-complete indexes on the new expression (seconds) and the
counters of time to complete recounted with it. PostgreSQL (timestamptz): nothing to do

Revision ID: c9e1f3a5b7d9
Revises: b8d0f2a4c6e8
Create Date: 2026-12-10 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "c9e1f3a5b7d9"
down_revision: str | None = "b8d0f2a4c6e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTS = 64
MINUTE, HOUR, DAY = 60, 3600, 86400
# The fine buckets' upper edges in seconds, as learnapp/persistence/stats_finishers.py has them at this revision.
TIME_EDGES = (
    *(m * MINUTE for m in (5, 10, 15, 20, 30, 45)),
    *(int(h * HOUR) for h in (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 20)),
    *(int(d * DAY) for d in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 25, 30)),
    *(d * DAY for d in (35, 40, 45, 50, 60, 70, 80, 90, 105, 120, 150, 180, 240, 365, 730)),
)
NODES = (("course", "enrollment", "course_id"), ("pathway", "pathway_enrollment", "pathway_id"))

# Time to complete as the finishers' indexes order it (stats_finishers.key spells the same expression): seconds from
# the integers; before, days from julianday() of the text.
_SECONDS = "(first_completed_at - enrolled_at) / 1000000.0"
_DAYS = "julianday(first_completed_at) - julianday(enrolled_at)"

# SQLAlchemy's text ('2026-11-20 12:00:00.000000', UTC, its zone dropped: all the application ever wrote) to
# microseconds and back, exactly, in SQL; any other text is parsed in Python first (_other_texts).
_CANONICAL = "-".join(("[0-9]" * 4, "[0-9]" * 2, "[0-9]" * 2)) + " " + ":".join(("[0-9]" * 2,) * 3) + "." + "[0-9]" * 6
_TO_MICROS = "CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000 + CAST(substr({c}, 21, 6) AS INTEGER)"
_TO_TEXT = "strftime('%Y-%m-%d %H:%M:%S', {c} / 1000000, 'unixepoch') || '.' || printf('%06d', {c} % 1000000)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_UPSERT = (
    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n) {0}"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n + excluded.n"
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    columns = _moment_columns(conn)
    others = _other_texts(conn, columns)  # before anything changes: a text that is no time stops the upgrade here
    _drop_indexes()
    for table, column in columns:
        for text, micros in others.get((table, column), {}).items():
            update = f'UPDATE "{table}" SET "{column}" = :micros WHERE "{column}" = :text'
            conn.execute(sa.text(update), {"micros": micros, "text": text})
        value = _TO_MICROS.format(c=f'"{column}"')
        op.execute(f'UPDATE "{table}" SET "{column}" = {value} WHERE typeof("{column}") = \'text\'')
    _marks(_TO_MICROS, "text")
    _create_indexes(_SECONDS)
    _recount(conn, _SECONDS)


def downgrade() -> None:
    # The counters stay as this revision counted them: the older arithmetic (julianday's floats) could put a time
    # within a rounding of an edge on its other side, which that revision's `learnapp stats verify` would report
    # and its `learnapp recalculate` repair.
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    _drop_indexes()
    for table, column in _moment_columns(conn):
        value = _TO_TEXT.format(c=f'"{column}"')
        op.execute(f'UPDATE "{table}" SET "{column}" = {value} WHERE typeof("{column}") = \'integer\'')
    _marks(_TO_TEXT, "integer")
    _create_indexes(_DAYS)


def _marks(expression: str, stored: str) -> None:
    """Recalculation marks kept for a rollback (recalc_undo, `sync` rows) hold a copy of the stored moment, made
    inside SQLite: rewritten as the moments are."""
    moment = "json_extract(\"before\", '$[0]')"
    op.execute(
        f'UPDATE recalc_undo SET "before" = json_array({expression.format(c=moment)}, json_extract("before", \'$[1]\'))'
        f" WHERE node_kind = 'sync' AND json_type(\"before\", '$[0]') = '{stored}'"
        + (f" AND {moment} GLOB '{_CANONICAL}'" if stored == "text" else "")
    )


def _drop_indexes() -> None:
    for _kind, table, _node in NODES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_time_to_complete")


def _create_indexes(key: str) -> None:
    """The finishers' time-to-complete indexes on `key` (the application's queries spell the same expression)."""
    for _kind, table, node in NODES:
        op.execute(
            f"CREATE INDEX ix_{table}_time_to_complete ON {table} ({node}, ({key}))"
            " WHERE first_completed_at IS NOT NULL"
        )


def _other_texts(conn: sa.Connection, columns: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    """Per column, each text not in SQLAlchemy's form (another tool's, a hand edit: a 'T', a zone, fewer digits)
    and its microseconds; an unreadable one fails the upgrade with its place, before anything is changed."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for table, column in columns:
        odd = conn.exec_driver_sql(
            f'SELECT DISTINCT "{column}" FROM "{table}"'
            f" WHERE typeof(\"{column}\") = 'text' AND NOT \"{column}\" GLOB '{_CANONICAL}'"
        ).scalars()
        for text in odd:
            try:
                moment = datetime.fromisoformat(str(text).strip())
            except ValueError as error:
                raise RuntimeError(f"{table}.{column} holds {text!r}, not a time: correct it, then upgrade") from error
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
            delta = moment - _EPOCH
            micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
            found.setdefault((table, column), {})[str(text)] = micros
    return found


def _moment_columns(conn: sa.Connection) -> list[tuple[str, str]]:
    """(table, column) of every column declared DATETIME, read from the database itself: every table of this
    revision's schema, whichever revision created it."""
    tables = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).scalars()
    found = []
    for table in list(tables):
        for row in conn.exec_driver_sql(f'PRAGMA table_info("{table}")'):
            if str(row[2]).upper() == "DATETIME":
                found.append((table, str(row[1])))
    return found


def _recount(conn: sa.Connection, key: str) -> None:
    """The counters of time to complete ("t<bucket>") and of its parts ("m<bucket>.<part>") recounted with `key`
    (a time within a rounding of an edge may now fall on its other side): each one that differs from its recount
    gets the difference in shard 0, the others stay as they are."""
    whens, values, lower = [f"WHEN {key} < 0 THEN 0"], {}, 0
    for i, edge in enumerate(TIME_EDGES):
        values[f"e{i}"], values[f"lo{i}"], values[f"w{i}"] = edge, lower, edge - lower
        part = f"min(CAST(({key} - :lo{i}) * {PARTS} / :w{i} AS INTEGER), {PARTS - 1})"
        whens.append(f"WHEN {key} < :e{i} THEN {i * PARTS} + {part}")
        lower = edge
    fine = f"CASE {' '.join(whens)} ELSE {len(TIME_EDGES) * PARTS} END"
    names = (
        f"'t' || CAST(fine / {PARTS} AS VARCHAR(4))",
        f"'m' || CAST(fine / {PARTS} AS VARCHAR(4)) || '.' || CAST(fine % {PARTS} AS VARCHAR(4))",
    )
    counted: dict[tuple[str, int, str], int] = {}
    for kind, table, node in NODES:
        finishers = f"SELECT {node} AS node, {fine} AS fine FROM {table} WHERE first_completed_at IS NOT NULL"
        for name in names:
            query = f"SELECT '{kind}', node, {name}, count(*) FROM ({finishers}) finishers GROUP BY node, {name}"
            counted |= {(k, int(n), str(m)): int(c) for k, n, m, c in conn.execute(sa.text(query), values)}
    stored = {
        (str(k), int(n), str(m)): int(c)
        for k, n, m, c in conn.exec_driver_sql(
            "SELECT node_kind, node_id, name, sum(n) FROM stat_counter WHERE node_kind IN ('course', 'pathway')"
            " AND (name GLOB 't[0-9]*' OR name GLOB 'm[0-9]*.[0-9]*') GROUP BY node_kind, node_id, name"
        )
    }
    for kind, node_id, name in sorted(counted.keys() | stored.keys()):
        if difference := counted.get((kind, node_id, name), 0) - stored.get((kind, node_id, name), 0):
            conn.execute(
                sa.text(_UPSERT.format("VALUES (:kind, :node, :name, 0, :n)")),
                {"kind": kind, "node": node_id, "name": name, "n": difference},
            )

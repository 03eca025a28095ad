"""Persistence: appending to the progress history, with its ids where the database does not number them (SQLite)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, insert, select

from learnapp.persistence.handles import HISTORY

# SQLite keeps the history in its key's order (learner, at, id) without rowids, so nothing numbers its rows: an
# entry takes one more than its learner's highest id, read from the pages the insert writes anyway. Safe because
# SQLite has one writer at a time. PostgreSQL's ids come from the column's sequence, as before.


def _last_id(learner: ColumnElement[Any]) -> ColumnElement[Any]:
    """The learner's highest history id (0 before their first entry)."""
    return select(func.coalesce(func.max(HISTORY.c.id), 0)).where(HISTORY.c.learner_id == learner).scalar_subquery()


# `nth` counts a learner's entries within one call: the ids stay distinct however the rows of one statement see
# each other (each row sees the ones before it: +1, +3, +6…; or none of them: +1, +2, +3…).
_NUMBERED = insert(HISTORY).values(id=_last_id(bindparam("history_of")) + bindparam("nth"))
_PLAIN = insert(HISTORY)


def numbered_here(conn: Connection) -> bool:
    """Whether history ids are ours to give (SQLite) rather than the database's (PostgreSQL's sequence)."""
    return conn.dialect.name == "sqlite"


def append_history(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Append to the progress history (one statement for any number of entries)."""
    if not entries:
        return
    if not numbered_here(conn):
        conn.execute(_PLAIN, entries)
        return
    seen: Counter[int] = Counter()
    numbered = []
    for entry in entries:
        seen[entry["learner_id"]] += 1
        numbered.append(entry | {"history_of": entry["learner_id"], "nth": seen[entry["learner_id"]]})
    conn.execute(_NUMBERED, numbered)


def append_selected(conn: Connection, columns: list[str], rows: Select[Any], learner: ColumnElement[Any]) -> None:
    """INSERT … SELECT into the history: `rows` gives `columns`, `learner` is its learner column. On SQLite each row
    is numbered after its learner's last entry, in the order of the rows."""
    if numbered_here(conn):
        nth = func.row_number().over(partition_by=learner)
        rows = rows.add_columns((_last_id(learner) + nth).label("id"))
        columns = [*columns, "id"]
    conn.execute(insert(HISTORY).from_select(columns, rows))

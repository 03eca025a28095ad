"""Persistence: a batch's references checked once for the whole batch, instead of by PostgreSQL's per-row triggers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError


class MissingParent(Exception):
    """A catalog row the batch references is gone (the catalog changed while the population was written)."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


# A table with a trigger of its own (not a foreign key's) would lose it too in replica mode: then no skipping.
_OWN_TRIGGERS = (
    "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
    " AND tgrelid IN (SELECT oid FROM pg_class WHERE relname = ANY(:tables) AND relkind = 'r')"
)
# The lock each per-row check would take on the row it finds (FOR KEY SHARE: the parent cannot be deleted or its
# key changed until commit), taken once per parent row.
_LOCK = "SELECT count(*) FROM (SELECT id FROM {table} WHERE id = ANY(:ids) FOR KEY SHARE) locked"


def may_skip_row_checks(conn: Connection, tables: Iterable[str]) -> bool:
    """PostgreSQL: whether this session may write `tables` in replica mode (superuser, or granted the setting) and
    the tables have no trigger but their foreign keys'. SQLite: never (its checks cost a tenth of the batch)."""
    if conn.dialect.name != "postgresql":
        return False
    if conn.execute(text(_OWN_TRIGGERS), {"tables": list(tables)}).scalar():
        return False
    try:
        with conn.begin_nested():  # refused without the privilege: the savepoint undoes the attempt
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
    except DBAPIError:
        return False
    return True


@contextmanager
def checked_per_batch(conn: Connection, parents: Mapping[str, Iterable[int]]) -> Iterator[None]:
    """Writes inside run without PostgreSQL's per-row foreign-key triggers; the references are checked here instead.

    The rows written inside may reference only the learners this transaction inserted (invisible to anyone else until
    commit, so nobody can delete them) and the `parents` given (table -> ids), which are locked here as the triggers
    would lock them and must all exist (else MissingParent). The caller established may_skip_row_checks for this
    session.
    """
    for table, ids in sorted(parents.items()):
        wanted = sorted(set(ids))
        # The table name is one of the caller's constants (lesson, course, pathway); ids are bound.
        found = conn.execute(text(_LOCK.format(table=table)), {"ids": wanted}).scalar()  # nosec B608
        if found != len(wanted):
            raise MissingParent(table)
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    yield
    conn.exec_driver_sql("SET LOCAL session_replication_role = origin")  # on error the rollback resets it

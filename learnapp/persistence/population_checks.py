"""Persistence: a batch's references checked once for the whole batch, instead of by PostgreSQL's per-row triggers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Connection, bindparam, text
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
_COUNT = "SELECT count(*) FROM {table} WHERE id IN :ids"


def may_skip_row_checks(conn: Connection, tables: Iterable[str]) -> bool:
    """PostgreSQL: whether this session may write `tables` in replica mode (superuser, or granted the setting) and
    the tables have no trigger but their foreign keys'. SQLite: always (foreign-key checks are a setting of the
    connection, which population_write.batch_transaction turns off; SQLite's triggers do not depend on it)."""
    if conn.dialect.name == "sqlite":
        return True
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
    """Writes inside run without per-row foreign-key checks; the references are checked here instead, once.

    The rows written inside may reference only the learners this transaction inserted (invisible to anyone else until
    commit, so nobody can delete them) and the `parents` given (table -> ids), which must all exist (else
    MissingParent): on PostgreSQL they are locked as the triggers would lock them; SQLite's write lock, held to the
    commit, already keeps every other writer out. The caller established may_skip_row_checks for this session (and
    on SQLite, opened the transaction with population_write.batch_transaction).
    """
    sqlite = conn.dialect.name == "sqlite"
    for table, ids in sorted(parents.items()):
        wanted = sorted(set(ids))
        # The table name is one of the caller's constants (lesson, course, pathway); ids are bound.
        query = text((_COUNT if sqlite else _LOCK).format(table=table)).bindparams(bindparam("ids", expanding=sqlite))
        if conn.execute(query, {"ids": wanted}).scalar() != len(wanted):  # nosec B608
            raise MissingParent(table)
    if sqlite:
        yield
        return
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    yield
    conn.exec_driver_sql("SET LOCAL session_replication_role = origin")  # on error the rollback resets it

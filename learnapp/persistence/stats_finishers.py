"""Persistence: counters of finishers: time to complete in fine buckets, first completions per UTC quarter hour."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, Table, bindparam, case, cast, func, select

from learnapp.persistence.handles import ENROLLMENT, PATHWAY_ENROLLMENT

MINUTE, HOUR, DAY = 60, 3600, 86400
# Upper edges (seconds) of the fine buckets of time to complete: bucket i holds [TIME_EDGES[i-1], TIME_EDGES[i]),
# the last one everything from the last edge on. The histogram's day edges (1, 3, 7, 14, 30, 60, 90 days) are among
# them, so each fine bucket lies in one histogram bucket; the median walks only the finishers of its fine bucket.
TIME_EDGES: tuple[int, ...] = (
    *(m * MINUTE for m in (5, 10, 15, 20, 30, 45)),
    *(int(h * HOUR) for h in (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 20)),
    *(int(d * DAY) for d in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 25, 30)),
    *(d * DAY for d in (35, 40, 45, 50, 60, 70, 80, 90, 105, 120, 150, 180, 240, 365, 730)),
)
TIME_BUCKETS = len(TIME_EDGES) + 1
QUARTERS = 96  # quarter hours in a UTC day; a first completion counts in its day, 4-hour block, hour and quarter
BLOCK, HOURLY = 16, 4  # quarters in a block, in an hour

Group = tuple[int, int, str, int, int]  # (node id, time bucket, UTC day "YYYYMMDD", quarter, finishers)


def key(conn: Connection, table: Table) -> Any:
    """Time to complete as the finishers' index orders it (ix_<table>_time_to_complete, created by the migration):
    days as julianday differences on SQLite, seconds on PostgreSQL. Negative (facts that predate the enrollment)
    counts as 0 wherever it is read."""
    finished, enrolled = table.c.first_completed_at, table.c.enrolled_at
    if conn.dialect.name == "sqlite":
        return func.julianday(finished) - func.julianday(enrolled)
    return func.extract("epoch", finished - enrolled)


def key_edge(conn: Connection, seconds: int) -> float | int:
    """An edge in the unit of `key`: the same number in the bucket CASE and in the median's walk."""
    return seconds / DAY if conn.dialect.name == "sqlite" else seconds


def seconds_of(conn: Connection, value: Any) -> float:
    """A `key` value as seconds, never negative (SQLite's days × 86400.0, as stats_reads.seconds_between)."""
    seconds = float(value) * 86400.0 if conn.dialect.name == "sqlite" else float(value)
    return max(seconds, 0.0)


# Each kind of node: its learners' stored rows and the column naming the node.
NODES = {
    "course": (ENROLLMENT, ENROLLMENT.c.course_id),
    "pathway": (PATHWAY_ENROLLMENT, PATHWAY_ENROLLMENT.c.pathway_id),
}


def middle_times(conn: Connection, kind: str, node_id: int, bucket: int, rank: int, count: int) -> list[float]:
    """In seconds, the `count` times to complete from `rank` on (0-based) among the node's finishers in fine bucket
    `bucket`: a walk on ix_<table>_time_to_complete from the bucket's lower edge, skipping the ones before."""
    table, node = NODES[kind]
    measured = key(conn, table)
    query = select(measured).where(node == node_id, table.c.first_completed_at.is_not(None))
    if bucket > 0:
        query = query.where(measured >= bindparam("lower", key_edge(conn, TIME_EDGES[bucket - 1])))
    middle = query.order_by(measured).limit(count).offset(rank)
    return [seconds_of(conn, value) for value in conn.execute(middle).scalars()]


def time_bucket(conn: Connection, table: Table) -> Any:
    measured = key(conn, table)
    whens = [(measured < key_edge(conn, edge), i) for i, edge in enumerate(TIME_EDGES)]
    return case(*whens, else_=len(TIME_EDGES))


def _day_and_quarter(conn: Connection, table: Table) -> tuple[Any, Any]:
    moment = table.c.first_completed_at
    if conn.dialect.name == "sqlite":  # stored as UTC text
        hour, minute = (cast(func.strftime(f, moment), Integer) for f in ("%H", "%M"))
        return func.strftime("%Y%m%d", moment), hour * 4 + minute // 15
    utc = func.timezone("UTC", moment)
    hour, minute = (cast(func.extract(f, utc), Integer) for f in ("hour", "minute"))
    return func.to_char(utc, "YYYYMMDD"), hour * 4 + minute // 15


def groups(conn: Connection, table: Table, node: Any, *where: Any) -> list[Group]:
    """Finishers (rows with a first completion) matching `where`, grouped by node, time bucket, day and quarter."""
    day, quarter = _day_and_quarter(conn, table)
    keys = (node, time_bucket(conn, table), day, quarter)
    query = select(*keys, func.count()).where(table.c.first_completed_at.is_not(None), *where).group_by(*keys)
    return [(int(n), int(b), str(d), int(q), int(c)) for n, b, d, q, c in conn.execute(query)]


def rows(conn: Connection, table: Table, node: Any, *where: Any) -> list[tuple[int, int, int, str, int]]:
    """(learner, node, time bucket, day, quarter) of each finisher matching `where` (a few learners' rows)."""
    day, quarter = _day_and_quarter(conn, table)
    query = select(table.c.learner_id, node, time_bucket(conn, table), day, quarter).where(
        table.c.first_completed_at.is_not(None), *where
    )
    return [(int(i), int(n), int(b), str(d), int(q)) for i, n, b, d, q in conn.execute(query)]


def names(bucket: int, day: str, quarter: int) -> tuple[str, ...]:
    """The counters one first completion adds 1 to: its time bucket, its UTC day, 4-hour block, hour, quarter."""
    return (
        f"t{bucket}",
        f"d{day}",
        f"d{day}.b{quarter // BLOCK}",
        f"d{day}.h{quarter // HOURLY}",
        f"d{day}.q{quarter}",
    )


def add_groups(counts: dict[Any, dict[str, int]], kind: str, found: Iterable[Group]) -> None:
    """Fold grouped finishers into per-node counts (shard 0)."""
    for node_id, bucket, day, quarter, n in found:
        own = counts.get((kind, node_id))
        if own is None:
            continue
        for name in names(bucket, day, quarter):
            own[name] = own.get(name, 0) + n


def is_day(name: str) -> bool:
    return name.startswith("d")


@lru_cache(maxsize=4096)
def before(day: str, quarter: int) -> tuple[tuple[str, int], ...]:
    """(counter, sign) whose sum is the finishers of UTC `day` before quarter `quarter` (0–96): the prefix of
    blocks, hours and quarters, or the day minus the rest of it, whichever reads fewer counters."""
    prefix: list[tuple[str, int]] = [(f"d{day}.b{b}", 1) for b in range(quarter // BLOCK)]
    prefix += [(f"d{day}.h{h}", 1) for h in range(quarter // BLOCK * BLOCK // HOURLY, quarter // HOURLY)]
    prefix += [(f"d{day}.q{q}", 1) for q in range(quarter // HOURLY * HOURLY, quarter)]
    up_hour = -(-quarter // HOURLY) * HOURLY
    up_block = -(-quarter // BLOCK) * BLOCK
    rest: list[tuple[str, int]] = [(f"d{day}", 1)]
    rest += [(f"d{day}.q{q}", -1) for q in range(quarter, min(up_hour, QUARTERS))]
    rest += [(f"d{day}.h{h}", -1) for h in range(up_hour // HOURLY, up_block // HOURLY)]
    rest += [(f"d{day}.b{b}", -1) for b in range(up_block // BLOCK, QUARTERS // BLOCK)]
    return tuple(prefix if len(prefix) <= len(rest) else rest)

"""Persistence: counters of finishers: time to complete in fine buckets and finer ones, first completions per UTC
quarter hour; the median's walk over one finer bucket."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Table,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)

from learnapp.persistence.handles import ENROLLMENT, PATHWAY_ENROLLMENT
from learnapp.persistence.stats_tables import StatCounter
from learnapp.persistence.tables import unix_seconds

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
# Each fine bucket but the last splits into this many equal parts, counted apart ("m<bucket>.<part>"): the median's
# walk reads one part's finishers, a 64th of a bucket, so it stays short however many learners finished.
PARTS = 64
QUARTERS = 96  # quarter hours in a UTC day; a first completion counts in its day, 4-hour block, hour and quarter
BLOCK, HOURLY = 16, 4  # quarters in a block, in an hour

# (node id, fine part: bucket × PARTS + part, UTC day "YYYYMMDD", quarter, finishers)
Group = tuple[int, int, str, int, int]
COUNTER: Table = StatCounter.__table__  # type: ignore[attr-defined]


def key(conn: Connection, table: Table) -> Any:
    """Time to complete in seconds, as the finishers' index orders it (ix_<table>_time_to_complete, created by the
    migrations with this very expression). Negative (facts that predate the enrollment) counts as 0 wherever it is
    read."""
    return _key(conn.dialect.name, table)


# SQLite: the stored microseconds (tables.UTCDateTime) apart, over a constant written into the SQL as the migration
# wrote it: an index on an expression serves a query only when the query spells the same expression (a bound
# number, or SQLAlchemy's own true division, would not).
_MICROS_PER_SECOND: Any = literal_column("1000000.0")


def _key(dialect: str, table: Table) -> Any:
    finished, enrolled = table.c.first_completed_at, table.c.enrolled_at
    if dialect == "sqlite":
        apart = (type_coerce(finished, Integer) - type_coerce(enrolled, Integer)).self_group()
        return apart.op("/", return_type=Float)(_MICROS_PER_SECOND)
    return func.extract("epoch", finished - enrolled)


def seconds_of(value: Any) -> float:
    """A `key` value as seconds, never negative."""
    return max(float(value), 0.0)


# Each kind of node: its learners' stored rows and the column naming the node.
NODES = {
    "course": (ENROLLMENT, ENROLLMENT.c.course_id),
    "pathway": (PATHWAY_ENROLLMENT, PATHWAY_ENROLLMENT.c.pathway_id),
}


def part_counts(conn: Connection, kind: str, node_id: int, bucket: int) -> list[int]:
    """The node's finishers in each part of fine bucket `bucket` (summed over the shards): at most PARTS × shards
    counter rows, read by a range of their names."""
    prefix = f"m{bucket}."
    query = (
        select(COUNTER.c.name, func.sum(COUNTER.c.n))
        .where(COUNTER.c.node_kind == kind, COUNTER.c.node_id == node_id)
        .where(COUNTER.c.name >= prefix, COUNTER.c.name < f"m{bucket}/")  # "/" follows "." in every collation used
        .group_by(COUNTER.c.name)
    )
    found = [0] * PARTS
    for name, n in conn.execute(query):
        part = int(name[len(prefix) :])
        if 0 <= part < PARTS:
            found[part] += int(n or 0)
    return found


def middle_times(conn: Connection, kind: str, node_id: int, fine: int, rank: int, count: int) -> list[float]:
    """In seconds, the `count` times to complete from `rank` on (0-based) among the node's finishers from fine part
    `fine` (bucket × PARTS + part) on: a walk on ix_<table>_time_to_complete from just below the part's lower edge,
    keeping the finishers whose part (the counters' very expression) is `fine` or later, skipping `rank` of them."""
    return [seconds_of(value) for value in conn.execute(walk(conn, kind, node_id, fine, rank, count)).scalars()]


def walk(conn: Connection, kind: str, node_id: int, fine: int, rank: int, count: int) -> Any:
    """middle_times' statement: an index range from the part's seek on, the part filter, `rank` skipped."""
    table, node = NODES[kind]
    measured = key(conn, table)
    query = select(measured).where(node == node_id, table.c.first_completed_at.is_not(None))
    if fine > 0:
        seek = _part_lower(conn, fine)
        query = query.where(measured >= bindparam("seek", seek), fine_part(conn, table) >= fine)
    return query.order_by(measured).limit(count).offset(rank)


def _part_lower(conn: Connection, fine: int) -> float | int:
    """Just below where part `fine` begins, in the unit of `key`: the walk's seek (the part filter keeps it exact
    whichever way the arithmetic rounds at the edge). Whole seconds on PostgreSQL: its key is numeric, and a float
    bound would be compared as a float, which the index on the numeric expression cannot serve."""
    bucket, part = divmod(fine, PARTS)
    lower = TIME_EDGES[bucket - 1] if bucket > 0 else 0
    upper = TIME_EDGES[bucket] if bucket < len(TIME_EDGES) else lower
    start = lower + (upper - lower) * part / PARTS
    if conn.dialect.name == "postgresql":
        return math.floor(start) - 1
    return start - abs(start) * 1e-9 - 1e-9


def fine_part(conn: Connection, table: Table) -> Any:
    """Bucket × PARTS + part of each finisher, in SQL: the part is where its time falls in its fine bucket, in equal
    steps (0 in the last, open-ended bucket and for times below 0). Monotone in the time, so the walk may seek.

    Built once per dialect and table: the expression has a few hundred parts, and building it cost a click that
    finishes a course 5 ms."""
    return _fine_part(conn.dialect.name, table)


@lru_cache(maxsize=8)
def _fine_part(dialect: str, table: Table) -> Any:
    sqlite = dialect == "sqlite"
    measured = _key(dialect, table)
    whens: list[tuple[Any, Any]] = [(measured < 0, 0)]
    lower = 0
    for i, edge in enumerate(TIME_EDGES):
        low, high = lower, edge
        step = (measured - low) * PARTS / (high - low)
        # floor() of a value ≥ 0 as an integer (SQLite's CAST truncates; PostgreSQL's rounds, so floor first), at
        # most the last part (a time just below an edge may round up to the next part's number).
        part = (
            func.min(cast(step, Integer), PARTS - 1)
            if sqlite
            else func.least(cast(func.floor(step), Integer), PARTS - 1)
        )
        whens.append((measured < high, i * PARTS + part))
        lower = edge
    return case(*whens, else_=len(TIME_EDGES) * PARTS)


def _day_and_quarter(dialect: str, table: Table) -> tuple[Any, Any]:
    moment = table.c.first_completed_at
    if dialect == "sqlite":  # microseconds since 1970, UTC
        seconds = unix_seconds(moment)
        hour, minute = (cast(func.strftime(f, seconds, "unixepoch"), Integer) for f in ("%H", "%M"))
        return func.strftime("%Y%m%d", seconds, "unixepoch"), hour * 4 + minute // 15
    utc = func.timezone("UTC", moment)
    hour, minute = (cast(func.extract(f, utc), Integer) for f in ("hour", "minute"))
    return func.to_char(utc, "YYYYMMDD"), hour * 4 + minute // 15


def groups(conn: Connection, table: Table, node: Any, *where: Any) -> list[Group]:
    """Finishers (rows with a first completion) matching `where`, grouped by node, fine part, day and quarter."""
    day, quarter = _day_and_quarter(conn.dialect.name, table)
    keys = (node, fine_part(conn, table), day, quarter)
    query = select(*keys, func.count()).where(table.c.first_completed_at.is_not(None), *where).group_by(*keys)
    return [(int(n), int(b), str(d), int(q), int(c)) for n, b, d, q, c in conn.execute(query)]


def rows(conn: Connection, kind: str, learners: list[int], nodes: list[int]) -> list[tuple[int, int, int, str, int]]:
    """(learner, node, fine part, day, quarter) of each finisher among these learners' rows in these nodes (a few
    learners' rows: the click's read at flush, one statement built once)."""
    found = conn.execute(_rows(conn.dialect.name, kind), {"learners": learners, "nodes": nodes})
    return [(int(i), int(n), int(b), str(d), int(q)) for i, n, b, d, q in found]


@lru_cache(maxsize=8)
def _rows(dialect: str, kind: str) -> Any:
    table, node = NODES[kind]
    day, quarter = _day_and_quarter(dialect, table)
    return select(table.c.learner_id, node, _fine_part(dialect, table), day, quarter).where(
        table.c.first_completed_at.is_not(None),
        table.c.learner_id.in_(bindparam("learners", expanding=True)),
        node.in_(bindparam("nodes", expanding=True)),
    )


def names(fine: int, day: str, quarter: int) -> tuple[str, ...]:
    """The counters one first completion adds 1 to: its time bucket and part of it, its UTC day, 4-hour block,
    hour, quarter."""
    bucket, part = divmod(fine, PARTS)
    return (
        f"t{bucket}",
        f"m{bucket}.{part}",
        f"d{day}",
        f"d{day}.b{quarter // BLOCK}",
        f"d{day}.h{quarter // HOURLY}",
        f"d{day}.q{quarter}",
    )


def add_groups(counts: dict[Any, dict[str, int]], kind: str, found: Iterable[Group]) -> None:
    """Fold grouped finishers into per-node counts (shard 0)."""
    for node_id, fine, day, quarter, n in found:
        own = counts.get((kind, node_id))
        if own is None:
            continue
        for name in names(fine, day, quarter):
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

"""Persistence: the set-based SQL pieces of the admin statistics (buckets, durations, days, median), per dialect."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    FromClause,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from learnapp.persistence.db import Connection
from learnapp.persistence.handles import COMPLETION, COURSE, LEARNER, STAT_COUNTER
from learnapp.persistence.stats_counters import latest_day_name
from learnapp.persistence.tables import unix_seconds

# Progress histogram: 0%, then tens (1–9% ... 90–99%), then 100% (only a complete node reads 100).
PROGRESS_LABELS = ("0%", "1–9%", *(f"{t}–{t + 9}%" for t in range(10, 100, 10)), "100%")
# Time to complete, in days: [0, 1), [1, 3), [3, 7), [7, 14), [14, 30), [30, 60), [60, 90), [90, ∞).
DAY_EDGES = (1, 3, 7, 14, 30, 60, 90)
TIME_LABELS = ("< 1 day", "1–2 days", "3–6 days", "1–2 weeks", "2–4 weeks", "1–2 months", "2–3 months", "3+ months")


def progress_bucket(percent: Any) -> ColumnElement[int]:
    return case((percent <= 0, 0), (percent >= 100, len(PROGRESS_LABELS) - 1), else_=percent // 10 + 1)


def seconds_between(conn: Connection, start: Any, end: Any) -> ColumnElement[float]:
    """end − start in seconds, never negative (facts earned in another course can predate the enrollment)."""
    if conn.dialect.name == "sqlite":  # integers of microseconds (tables.UTCDateTime)
        raw: Any = (type_coerce(end, Integer) - type_coerce(start, Integer)) / 1_000_000.0
    else:
        raw = func.extract("epoch", end - start)
    seconds = cast(raw, Float)
    return case((seconds < 0, literal(0.0)), else_=seconds)


def time_bucket(seconds: Any) -> ColumnElement[int]:
    whens = [(seconds < edge * 86400.0, index) for index, edge in enumerate(DAY_EDGES)]
    return case(*whens, else_=len(DAY_EDGES))


def local_day(conn: Connection, moment: Any, zone: tzinfo, since: datetime, until: datetime) -> ColumnElement[Any]:
    """The calendar day of a stored UTC moment in `zone` (the admin's), exact for moments in [since, until].

    PostgreSQL converts with the zone's own rules. SQLite knows no zones: the zone's offsets over the window
    (one, or a few around daylight-saving changes) become a CASE of fixed-offset
    `date(seconds, 'unixepoch', '+N minutes')`.
    """
    if conn.dialect.name != "sqlite":
        return cast(func.timezone(str(zone), moment), Date)
    spans = offset_spans(zone, since, until)
    seconds = unix_seconds(moment)
    shifted = [func.date(seconds, "unixepoch", f"{minutes:+d} minutes") for _start, minutes in spans]
    if len(spans) == 1:
        return shifted[0]
    whens = [(moment < start, day) for (start, _m), day in zip(spans[1:], shifted[:-1], strict=True)]
    return case(*whens, else_=shifted[-1])


STEP = timedelta(minutes=15)  # every zone's offset and change of offset in use today falls on a quarter hour


def offset_spans(zone: tzinfo, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """(UTC moment from which it holds, offset in minutes) for each offset `zone` has over [since, until]."""

    def minutes(at: datetime) -> int:
        offset = at.astimezone(zone).utcoffset()
        return int(offset.total_seconds() // 60) if offset is not None else 0

    at = since.astimezone(UTC).replace(minute=since.minute - since.minute % 15, second=0, microsecond=0)
    spans = [(at, minutes(at))]
    hour = timedelta(hours=1)
    while at < until:
        if minutes(at + hour) != spans[-1][1]:  # a change within the next hour: find its quarter hour
            step = at + STEP
            while minutes(step) == spans[-1][1]:
                step += STEP
            spans.append((step, minutes(step)))
            at = step
        else:
            at += hour
    return spans


def as_date(value: date | datetime | str) -> date:
    """SQLite hands days back as text, PostgreSQL as dates."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)


def median(conn: Connection, values: Any, count: int) -> float | None:
    """The median of a one-column query that yields `count` rows: SQL sorts and hands back the middle one or two."""
    if count <= 0:
        return None
    inner = values.subquery()
    middle = select(inner.c[0]).order_by(inner.c[0]).limit(2 - count % 2).offset((count - 1) // 2)
    found = [float(v) for v in conn.execute(middle).scalars()]
    return sum(found) / len(found)


def counts_by(conn: Connection, key: Any, table: FromClause, *where: Any) -> dict[Any, int]:
    """One GROUP BY: how many rows of `table` per value of `key`."""
    rows = conn.execute(select(key.label("k"), func.count()).select_from(table).where(*where).group_by(key))
    return {row[0]: int(row[1]) for row in rows}


def id_ranges(column: Any, ids: list[int]) -> ColumnElement[bool]:
    """`column` in `ids` as a few BETWEENs over runs of consecutive ids: a range check per row, no list probe."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return or_(*(column.between(lo, hi) if lo < hi else column == lo for lo, hi in runs))


def lesson_counts(
    conn: Connection, table: Table, where: Any, lesson_ids: list[int], enrolled: int, walk: bool | None = None
) -> dict[int, int]:
    """Per lesson, how many learners with a row in `table` matching `where` (the enrolled) have completed it.

    Two exact plans, the cheaper one chosen: when few learners are enrolled, walk their facts; when most are,
    count every fact of each lesson on its index and take away those of learners who are not enrolled.
    `walk` forces the first plan (True) or the second (False); tests use it to check they agree.
    """
    if not lesson_ids or not enrolled:
        return {}
    key, within = COMPLETION.c.lesson_id, id_ranges(COMPLETION.c.lesson_id, lesson_ids)
    members = select(table.c.learner_id).where(where)
    if walk is None:
        walk = enrolled * 2 <= int(conn.execute(select(func.count()).select_from(LEARNER)).scalar() or 0)
    if walk:
        return counts_by(conn, key, COMPLETION, COMPLETION.c.learner_id.in_(members), within)
    everyone = counts_by(conn, key, COMPLETION, key.in_(lesson_ids))
    enrolled_here = exists().where(and_(table.c.learner_id == LEARNER.c.id, where))
    outsiders = select(LEARNER.c.id).where(~enrolled_here)
    missing = counts_by(conn, key, COMPLETION, COMPLETION.c.learner_id.in_(outsiders), within)
    kept = {lesson: count - missing.get(lesson, 0) for lesson, count in everyone.items()}
    return {lesson: count for lesson, count in kept.items() if count}


# Built once: an IN list of a few hundred names costs more to build than to run.
_SUMS = (
    select(STAT_COUNTER.c.name, func.sum(STAT_COUNTER.c.n))
    .where(
        STAT_COUNTER.c.node_kind == bindparam("kind"),
        STAT_COUNTER.c.node_id.in_(bindparam("ids", expanding=True)),
        STAT_COUNTER.c.name.in_(bindparam("names", expanding=True)),
    )
    .group_by(STAT_COUNTER.c.name)
)


def counter_sums(conn: Connection, kind: str, node_ids: list[int], names: list[str]) -> dict[str, int]:
    """Each named counter summed over the nodes (and their shards)."""
    found = conn.execute(_SUMS, {"kind": kind, "ids": node_ids, "names": names})
    return {name: int(n or 0) for name, n in found}


# The site's counters of learners by latest activity day, from a first day's name on ("a…" names end before "b").
_ACTIVE = select(func.sum(STAT_COUNTER.c.n)).where(
    STAT_COUNTER.c.node_kind == "site",
    STAT_COUNTER.c.node_id == 0,
    STAT_COUNTER.c.name >= bindparam("first"),
    STAT_COUNTER.c.name < "b",
)


def active_learners(conn: Connection, first_day: date) -> int:
    """Learners with a lesson completed on `first_day` or later (their own calendar): those whose latest activity
    day is one of them, a few counter rows per day whatever the number of learners."""
    return int(conn.execute(_ACTIVE, {"first": latest_day_name(first_day)}).scalar() or 0)


def every_course_id(conn: Connection) -> list[int]:
    """Every course, retired ones too."""
    return list(conn.execute(select(COURSE.c.id)).scalars())

"""Services: time to complete (histogram, exact median) and first completions per day, read from finisher counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import Column, Connection, Table, bindparam, func, select

from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence.stats_counters import COUNTER
from learnapp.services.admin_sql import DAY_EDGES

QUARTER = timedelta(minutes=15)


def histogram(counts: dict[str, int]) -> list[int]:
    """Finishers per histogram bucket (admin_sql.TIME_LABELS): the sums of the fine buckets inside each."""
    found = [0] * (len(DAY_EDGES) + 1)
    lower = 0
    for i in range(finishers.TIME_BUCKETS):
        found[sum(1 for edge in DAY_EDGES if edge * finishers.DAY <= lower)] += counts.get(f"t{i}", 0)
        lower = finishers.TIME_EDGES[i] if i < len(finishers.TIME_EDGES) else lower
    return found


def median(conn: Connection, table: Table, node: Column[int], node_id: int, counts: dict[str, int]) -> float | None:
    """The exact median time to complete (the mean of the middle two for an even count), in seconds.

    The fine buckets' counters say which bucket holds the lower middle finisher and its rank there; the walk
    reads that bucket's finishers on ix_<table>_time_to_complete from its lower edge, skipping the ones before.
    So it reads one bucket's share of the finishers, never all of them.
    """
    sizes = [counts.get(f"t{i}", 0) for i in range(finishers.TIME_BUCKETS)]
    total = sum(sizes)
    if total <= 0:
        return None
    rank, bucket = (total - 1) // 2, 0
    while rank >= sizes[bucket]:
        rank -= sizes[bucket]
        bucket += 1
    key = finishers.key(conn, table)
    query = select(key).where(node == node_id, table.c.first_completed_at.is_not(None))
    if bucket > 0:
        query = query.where(key >= bindparam("lower", finishers.key_edge(conn, finishers.TIME_EDGES[bucket - 1])))
    middle = query.order_by(key).limit(2 - total % 2).offset(rank)
    found = [finishers.seconds_of(conn, value) for value in conn.execute(middle).scalars()]
    return sum(found) / len(found) if found else None


def window(now: datetime, zone: tzinfo, days: int) -> list[tuple[date, datetime]]:
    """The last `days` local days in `zone` (today included), each with the UTC moment it begins, and the next
    day's beginning last (days + 1 pairs)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    found = []
    for i in range(days + 1):
        day = first + timedelta(days=i)
        found.append((day, datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)))
    return found


def per_day(
    conn: Connection, kind: str, node_ids: Sequence[int], now: datetime, zone: tzinfo, days: int
) -> tuple[tuple[date, int], ...]:
    """First completions per local day in `zone` over the last `days` days, summed over the nodes.

    Each local day is [its midnight, the next one) in UTC: whole UTC days from their day counters, and the part
    of a UTC day before a midnight from its 4-hour, hour and quarter-hour counters (every zone's midnight falls on a
    quarter hour). A few counters per day, whatever the number of finishers.
    """
    bounds = window(now, zone, days)
    terms = [_before(moment) for _day, moment in bounds]
    wanted: set[str] = {name for term in terms for name, _sign in term}
    for (_d, start), (_e, end) in zip(bounds, bounds[1:], strict=False):
        wanted |= {f"d{_utc_day(start + timedelta(days=i))}" for i in range((end.date() - start.date()).days)}
    values = _sums(conn, kind, node_ids, wanted)
    found = []
    for i, (day, start) in enumerate(bounds[:-1]):
        end = bounds[i + 1][1]
        spanned = range((end.date() - start.date()).days)
        whole = sum(values.get(f"d{_utc_day(start + timedelta(days=k))}", 0) for k in spanned)
        after_end = sum(sign * values.get(name, 0) for name, sign in terms[i + 1])
        before_start = sum(sign * values.get(name, 0) for name, sign in terms[i])
        found.append((day, whole + after_end - before_start))
    return tuple(found)


def _utc_day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d")


def _before(moment: datetime) -> list[tuple[str, int]]:
    """Counters summing to the first completions of `moment`'s UTC day before it (a quarter hour)."""
    utc = moment.astimezone(UTC)
    quarter = (utc.hour * 60 + utc.minute) // 15
    return finishers.before(_utc_day(utc), quarter)


def _sums(conn: Connection, kind: str, node_ids: Sequence[int], names: set[str]) -> dict[str, int]:
    if not node_ids or not names:
        return {}
    query = (
        select(COUNTER.c.name, func.sum(COUNTER.c.n))
        .where(
            COUNTER.c.node_kind == kind,
            COUNTER.c.node_id.in_(sorted(node_ids)),
            COUNTER.c.name.in_(sorted(names)),
        )
        .group_by(COUNTER.c.name)
    )
    return {name: int(n or 0) for name, n in conn.execute(query)}

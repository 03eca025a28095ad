"""Services: time to complete (histogram, exact median) and first completions per day, read from finisher counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence import stats_reads
from learnapp.persistence.db import Connection
from learnapp.persistence.stats_reads import DAY_EDGES


def histogram(counts: dict[str, int]) -> list[int]:
    """Finishers per histogram bucket (stats_reads.TIME_LABELS): the sums of the fine buckets inside each."""
    found = [0] * (len(DAY_EDGES) + 1)
    lower = 0
    for i in range(finishers.TIME_BUCKETS):
        found[sum(1 for edge in DAY_EDGES if edge * finishers.DAY <= lower)] += counts.get(f"t{i}", 0)
        lower = finishers.TIME_EDGES[i] if i < len(finishers.TIME_EDGES) else lower
    return found


def median(conn: Connection, kind: str, node_id: int, counts: dict[str, int]) -> float | None:
    """The exact median time to complete (the mean of the middle two for an even count), in seconds.

    The fine buckets' counters say which bucket holds the lower middle finisher, that bucket's part counters which
    part of it and its rank there; the walk reads that part's finishers only (and the next one for an even count),
    never all of them. Parts that do not add up to their bucket (counters from before the parts) walk the bucket.
    """
    sizes = [counts.get(f"t{i}", 0) for i in range(finishers.TIME_BUCKETS)]
    total = sum(sizes)
    if total <= 0:
        return None
    rank, bucket = _locate((total - 1) // 2, sizes)
    parts = finishers.part_counts(conn, kind, node_id, bucket)
    part = 0
    if sum(parts) == sizes[bucket]:
        rank, part = _locate(rank, parts)
    found = finishers.middle_times(conn, kind, node_id, bucket * finishers.PARTS + part, rank, 2 - total % 2)
    return sum(found) / len(found) if found else None


def _locate(rank: int, sizes: Sequence[int]) -> tuple[int, int]:
    """(rank within it, index) of the size holding the `rank`-th item (0-based) of the items counted in order."""
    index = 0
    while rank >= sizes[index]:
        rank -= sizes[index]
        index += 1
    return rank, index


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
    # Per local day: the counters whose (signed) sum it is. A midnight's part of its UTC day is taken away from the
    # day it begins and added to the day it ends.
    terms: list[dict[str, int]] = []
    for (_day, start), (_next, end) in zip(bounds, bounds[1:], strict=False):
        own: dict[str, int] = {}
        first = start.astimezone(UTC).date()
        for k in range((end.astimezone(UTC).date() - first).days):
            own[f"d{(first + timedelta(days=k)).strftime('%Y%m%d')}"] = 1
        for name, sign in _before(end):
            own[name] = own.get(name, 0) + sign
        for name, sign in _before(start):
            own[name] = own.get(name, 0) - sign
        terms.append(own)
    values = _sums(conn, kind, node_ids, {name for own in terms for name in own})
    return tuple(
        (day, sum(sign * values.get(name, 0) for name, sign in own.items()))
        for (day, _start), own in zip(bounds, terms, strict=False)
    )


def _before(moment: datetime) -> tuple[tuple[str, int], ...]:
    """Counters summing to the first completions of `moment`'s UTC day before it (a quarter hour)."""
    utc = moment.astimezone(UTC)
    return finishers.before(utc.strftime("%Y%m%d"), (utc.hour * 60 + utc.minute) // 15)


def _sums(conn: Connection, kind: str, node_ids: Sequence[int], names: set[str]) -> dict[str, int]:
    if not node_ids or not names:
        return {}
    return stats_reads.counter_sums(conn, kind, sorted(node_ids), sorted(names))

"""Persistence: statistics counters per course and pathway: atomic additions, sums on read, recounts from rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, and_, case, delete, func, insert, or_, select, text

from learnapp.domain.content import Catalog
from learnapp.persistence import stats_finishers as finishers
from learnapp.persistence.facts import COMPLETION, ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT
from learnapp.persistence.handles import ACTIVITY
from learnapp.persistence.stats_tables import StatCounter

COUNTER: Table = StatCounter.__table__  # type: ignore[attr-defined]
# Shards per counter: a change adds to its learner's shard, so concurrent writers in one course rarely share a row.
SHARDS = 8
PROGRESS_BUCKETS = 12  # 0%, 1–9%, 10–19% … 90–99%, 100%
ROW_NAMES = ("enrolled", "started", "complete", "percent", *(f"p{i}" for i in range(PROGRESS_BUCKETS)))

Node = tuple[str, int]  # ("course" | "pathway", id), or SITE
# The site's own counters: "learners" (accounts of role learner), kept by triggers on `learner` (the migration's):
# every way an account is written (sign-up, the population generator's COPY) counts in its transaction; and
# "a<YYYYMMDD>", the learners whose latest activity day is that day (kept by the engine and the population).
SITE: Node = ("site", 0)
Key = tuple[str, int, str, int]  # (kind, node id, counter name, shard)
Counts = dict[Node, dict[str, int]]


def bucket(percent: int) -> int:
    """The progress histogram bucket of a stored percent (as stats_reads.progress_bucket does in SQL)."""
    return 0 if percent <= 0 else PROGRESS_BUCKETS - 1 if percent >= 100 else percent // 10 + 1


# Written for the driver (no SQL compilation per call): the click path runs it on every completion.
_ADD = (
    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n) VALUES ({0}, {0}, {0}, {0}, {0}) "
    "ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n + excluded.n"
)


def placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def add(conn: Connection, deltas: dict[Key, int]) -> None:
    """Add the deltas atomically (x = x + d under the row lock, never read-then-write), in one driver call.

    In key order: two writers lock the rows they share in the same order, so they never deadlock.
    """
    rows = [(*key, n) for key, n in sorted(deltas.items()) if n]
    if rows:
        conn.exec_driver_sql(_ADD.format(placeholder(conn)), rows)


def totals(conn: Connection, nodes: Iterable[Node], names: Iterable[str] | None = None, detail: bool = True) -> Counts:
    """Each node's counters, summed over their shards (a few rows per node whatever the number of learners).

    Without `detail`, the per-day counters of first completions ("d…", a row per day and quarter hour) and the
    median's finer buckets ("m…", read one fine bucket at a time) are left out.
    """
    found: Counts = {node: {} for node in nodes}
    for kind in {k for k, _ in found}:
        ids = [node_id for k, node_id in found if k == kind]
        query = select(COUNTER.c.node_id, COUNTER.c.name, func.sum(COUNTER.c.n)).where(
            COUNTER.c.node_kind == kind, COUNTER.c.node_id.in_(ids)
        )
        if names is not None:
            query = query.where(COUNTER.c.name.in_(list(names)))
        if not detail:  # three ranges of the key, around the day rows and the finer buckets
            outside = and_(COUNTER.c.name >= "e", COUNTER.c.name < "m")
            query = query.where(or_(COUNTER.c.name < "d", outside, COUNTER.c.name >= "n"))
        for node_id, name, n in conn.execute(query.group_by(COUNTER.c.node_id, COUNTER.c.name)):
            if n:
                found[(kind, node_id)][name] = int(n)
    return found


def latest_day_name(day: date) -> str:
    """The site's counter of learners whose latest activity day (in their own zone) is `day`."""
    return f"a{day:%Y%m%d}"


def every_node(catalog: Catalog) -> list[Node]:
    return [("course", c.id) for c in catalog.courses] + [("pathway", p.id) for p in catalog.pathways] + [SITE]


def recount(conn: Connection, catalog: Catalog, nodes: Iterable[Node], lessons: bool = True) -> Counts:
    """The counters as the stored rows and the facts say they are (set-based: a few statements per node).

    Without `lessons`, the lesson funnels ("l…", from facts and enrollments only, the costly part) are left out.
    """
    wanted = sorted(set(nodes))
    counts: Counts = {node: {} for node in wanted}
    for kind, table, key in (("course", ENROLLMENT, "course_id"), ("pathway", PATHWAY_ENROLLMENT, "pathway_id")):
        ids = [node_id for k, node_id in wanted if k == kind]
        if ids:
            _row_counts(conn, table, table.c[key], ids, counts, kind)
            finishers.add_groups(counts, kind, finishers.groups(conn, table, table.c[key], table.c[key].in_(ids)))
    if SITE in counts:
        learners = select(func.count()).select_from(LEARNER).where(LEARNER.c.role == "learner")
        counts[SITE] = {"learners": n} if (n := int(conn.execute(learners).scalar() or 0)) else {}
        counts[SITE].update(_latest_days(conn))
    for kind, node_id in wanted:
        if kind == "site":
            continue
        node = catalog.course(node_id) if kind == "course" else catalog.pathway(node_id)
        if node is None:
            continue
        table, key = (ENROLLMENT, "course_id") if kind == "course" else (PATHWAY_ENROLLMENT, "pathway_id")
        own = counts[(kind, node_id)]
        where = (table.c[key] == node_id,)
        if lessons:
            _lesson_counts(conn, table, where, sorted(node.countable_ids), own)
        if kind == "pathway":
            _course_counts(conn, node_id, [c.id for c in node.courses], own)  # type: ignore[union-attr]
    return counts


def _latest_days(conn: Connection) -> dict[str, int]:
    """How many learners have each day as their latest activity day (one pass over the activity days' key)."""
    latest = select(func.max(ACTIVITY.c.day).label("day")).group_by(ACTIVITY.c.learner_id).subquery()
    found = conn.execute(select(latest.c.day, func.count()).group_by(latest.c.day))
    return {latest_day_name(_as_date(day)): int(n) for day, n in found}


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _row_counts(
    conn: Connection, table: Table, key: Any, ids: list[int], counts: Counts, kind: str, among: Any = None
) -> None:
    percent = table.c.percent
    buckets = case((percent <= 0, 0), (percent >= 100, PROGRESS_BUCKETS - 1), else_=percent // 10 + 1)
    started = func.sum(case((table.c.completed > 0, 1), else_=0))
    complete = func.sum(case((table.c.is_complete, 1), else_=0))
    # Whole nodes are read by node; a range of learners (`among`) by its own rows, keeping the nodes asked for.
    query = select(key, buckets, func.count(), started, complete, func.sum(percent))
    query = query.where(key.in_(ids) if among is None else among)
    for node_id, b, n, begun, done, percents in conn.execute(query.group_by(key, buckets)):
        own = counts.get((kind, node_id))
        if own is None:
            continue
        for name, value in (("enrolled", n), ("started", begun), ("complete", done), ("percent", percents)):
            own[name] = own.get(name, 0) + int(value or 0)
        own[f"p{int(b)}"] = own.get(f"p{int(b)}", 0) + int(n)
    for node in counts:
        if node[0] == kind:
            counts[node] = {name: n for name, n in counts[node].items() if n}


def _lesson_counts(
    conn: Connection, table: Table, where: tuple[Any, ...], lesson_ids: list[int], own: dict[str, int]
) -> None:
    if not lesson_ids:
        return
    joined = COMPLETION.join(table, table.c.learner_id == COMPLETION.c.learner_id)
    query = (
        select(COMPLETION.c.lesson_id, func.count())
        .select_from(joined)
        .where(*where, COMPLETION.c.lesson_id.in_(lesson_ids))
        .group_by(COMPLETION.c.lesson_id)
    )
    for lesson_id, n in conn.execute(query):
        own[f"l{lesson_id}"] = int(n)


def _course_counts(conn: Connection, pathway_id: int, course_ids: list[int], own: dict[str, int]) -> None:
    if not course_ids:
        return
    joined = PATHWAY_ENROLLMENT.join(ENROLLMENT, ENROLLMENT.c.learner_id == PATHWAY_ENROLLMENT.c.learner_id)
    query = (
        select(ENROLLMENT.c.course_id, func.count())
        .select_from(joined)
        .where(
            PATHWAY_ENROLLMENT.c.pathway_id == pathway_id,
            ENROLLMENT.c.course_id.in_(course_ids),
            ENROLLMENT.c.is_complete,
        )
        .group_by(ENROLLMENT.c.course_id)
    )
    for course_id, n in conn.execute(query):
        own[f"c{course_id}"] = int(n)


def lock_for_recount(conn: Connection) -> None:
    """PostgreSQL: wait for every transaction that added to a counter to end, and hold off new ones until commit.

    A recount reads the rows then replaces the counters: a change committed in between would be counted twice
    (in the rows read and in its own addition) or lost. Writers queue behind the lock; they do not fail.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE stat_counter IN SHARE ROW EXCLUSIVE MODE"))


def rewrite(conn: Connection, catalog: Catalog, nodes: Iterable[Node], lessons: bool = True) -> Counts:
    """Replace these nodes' counters (but the lesson funnels, without `lessons`) by their recount, in shard 0.

    The caller took lock_for_recount.
    """
    wanted = sorted(set(nodes))
    counts = recount(conn, catalog, wanted, lessons)
    for kind in {k for k, _ in wanted}:
        ids = [node_id for k, node_id in wanted if k == kind]
        which = delete(COUNTER).where(COUNTER.c.node_kind == kind, COUNTER.c.node_id.in_(ids))
        conn.execute(which if lessons else which.where(~is_lesson(COUNTER.c.name)))
    rows = [
        {"node_kind": kind, "node_id": node_id, "name": name, "shard": 0, "n": n}
        for (kind, node_id), own in counts.items()
        for name, n in own.items()
        if n
    ]
    if rows:
        conn.execute(insert(COUNTER), rows)
    return counts


# The site's learner counters, every shard, created at 0 if missing and locked in shard order.
_LOCK_SITE = (
    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n)"  # nosec B608 - SHARDS, a constant
    f" SELECT 'site', 0, 'learners', s, 0 FROM generate_series(0, {SHARDS - 1}) AS s ORDER BY s"
    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n"
)


def lock_site(conn: Connection) -> None:
    """PostgreSQL: lock every shard of the site's learner count, in shard order, until commit.

    Inserting many learners adds to the shards in the order of their ids, which starts anywhere: two such
    transactions would take the same rows in different orders and could deadlock. Taken first, in one order, they
    queue instead. A shard created here holds 0, which every sum ignores.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_LOCK_SITE)


def add_learners(conn: Connection, first: int, last: int, shares: dict[Key, int]) -> None:
    """Add learners [first, last] (new ones, written in bulk outside the engine) to the counters.

    `shares` are what their rows add, computed by the caller from the rows it wrote (enrollments, progress, lesson
    and course funnels); their first completions' time to complete and day are read back here, with the database's
    own time arithmetic, as a recount reads them (by learner range: a batch costs the same at a million learners).
    The learners themselves are counted by the `learner` table's triggers as they are inserted.
    """
    deltas = dict(shares)
    for kind, table, key in (("course", ENROLLMENT, "course_id"), ("pathway", PATHWAY_ENROLLMENT, "pathway_id")):
        among = table.c.learner_id.between(first, last)
        for node_id, bucket, day, quarter, n in finishers.groups(conn, table, table.c[key], among):
            for name in finishers.names(bucket, day, quarter):
                deltas[(kind, node_id, name, 0)] = deltas.get((kind, node_id, name, 0), 0) + n
    add_many(conn, deltas)


# PostgreSQL: many additions as one statement over arrays (one row each a round of the executor otherwise).
_ADD_MANY = (
    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n) SELECT * FROM unnest("
    "%s::varchar[], %s::integer[], %s::varchar[], %s::smallint[], %s::bigint[]) AS added "
    "ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n + excluded.n"
)


def add_many(conn: Connection, deltas: dict[Key, int]) -> None:
    """add() for thousands of counters at once (a bulk load's), in key order as add() takes them."""
    if conn.dialect.name != "postgresql":
        add(conn, deltas)
        return
    rows = [(*key, n) for key, n in sorted(deltas.items()) if n]
    if rows:
        conn.exec_driver_sql(_ADD_MANY, tuple(list(column) for column in zip(*rows, strict=True)))


def nodes_of(conn: Connection, learner_id: int) -> set[Node]:
    """The courses and pathways where the learner has a row."""
    courses = select(ENROLLMENT.c.course_id).where(ENROLLMENT.c.learner_id == learner_id)
    pathways = select(PATHWAY_ENROLLMENT.c.pathway_id).where(PATHWAY_ENROLLMENT.c.learner_id == learner_id)
    return {("course", i) for i in conn.execute(courses).scalars()} | {
        ("pathway", i) for i in conn.execute(pathways).scalars()
    }


def finished(conn: Connection, pairs: set[tuple[int, str, int]]) -> dict[Key, int]:
    """The counters that (learner, kind, node) first completions add to, read from their rows (as recounts read
    them, so a click and a recount put a finisher in the same bucket and quarter hour)."""
    deltas: dict[Key, int] = {}
    for kind in ("course", "pathway"):
        mine = {(learner, node) for learner, k, node in pairs if k == kind}
        if not mine:
            continue
        learners, nodes = sorted({p[0] for p in mine}), sorted({p[1] for p in mine})
        found = finishers.rows(conn, kind, learners, nodes)
        for learner, node, bucket, day, quarter in found:
            if (learner, node) in mine:
                for name in finishers.names(bucket, day, quarter):
                    k = (kind, node, name, learner % SHARDS)
                    deltas[k] = deltas.get(k, 0) + 1
    return deltas


def is_lesson(name: Any) -> Any:
    """A lesson funnel counter's name ("l<lesson id>"), in SQL."""
    return name.like("l%")  # no other course or pathway counter's begins with "l" (the site's "learners" does)


def differences(stored: Counts, recounted: Counts) -> list[tuple[Node, str, int, int]]:
    """(node, counter, stored value, recounted value) for every counter that differs."""
    found = []
    for node in sorted(set(stored) | set(recounted)):
        mine, theirs = stored.get(node, {}), recounted.get(node, {})
        for name in sorted(set(mine) | set(theirs)):
            if mine.get(name, 0) != theirs.get(name, 0):
                found.append((node, name, mine.get(name, 0), theirs.get(name, 0)))
    return found

"""Services: admin statistics of courses and pathways, from their counters (a few rows whatever the learners)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from learnapp.domain.clock import utcnow
from learnapp.domain.content import Catalog, Lesson
from learnapp.persistence import stats_counters
from learnapp.persistence import stats_reads as q
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.services.admin import stats_times
from learnapp.services.admin.learners import course_progress_csv, learner_detail
from learnapp.services.errors import NotFound

__all__ = ["course_progress_csv", "course_stats", "learner_detail", "overview", "pathway_stats"]
DAYS = 90  # completions per day: the last 90 days in the viewer's zone (UTC unless given), today included
ACTIVE_DAYS = 7  # "active": a lesson completed on one of the last 7 days (the learner's calendar)
RECENT_DAYS = 30  # "completions": first course completions on the last 30 days (the viewer's calendar)


@dataclass(frozen=True)
class Bucket:
    label: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    """One lesson (or, for a pathway's course funnel, one course) and the enrolled learners who completed it."""

    position: int
    slug: str
    title: str
    group: str  # the module (or, in a pathway, the course) it belongs to
    completed: int
    percent: float  # share of the enrolled, 0–100


@dataclass(frozen=True)
class Summary:
    enrolled: int
    started: int  # at least one countable lesson completed
    completed: int  # complete now
    completion_rate: float  # completed / enrolled, 0–100
    average_percent: float  # mean stored percent of the enrolled


@dataclass(frozen=True)
class NodeStats:
    kind: str
    slug: str
    title: str
    lessons: int
    summary: Summary
    median_seconds: float | None  # enrollment → first completion; None when nobody finished
    progress_histogram: tuple[Bucket, ...]
    time_histogram: tuple[Bucket, ...]
    funnel: tuple[FunnelStep, ...]
    per_day: tuple[tuple[date, int], ...]  # first completions per day in the viewer's zone, oldest first
    course_funnel: tuple[FunnelStep, ...]  # pathways only
    as_of: datetime


@dataclass(frozen=True)
class RankedNode:
    kind: str
    slug: str
    title: str
    lessons: int
    summary: Summary


@dataclass(frozen=True)
class Overview:
    courses: tuple[RankedNode, ...]  # by completion rate, then enrollments
    pathways: tuple[RankedNode, ...]
    learners: int
    active_7d: int  # learners who completed a lesson on one of their last 7 days (activity days, today included)
    completions_30d: int  # first course completions on the last 30 days in the viewer's zone, today included
    per_day: tuple[tuple[date, int], ...]
    as_of: datetime


def course_stats(db: Database, slug: str, now: datetime | None = None, zone: tzinfo = UTC) -> NodeStats:
    with db.snapshot() as conn:
        as_of = now or utcnow()
        course = current_catalog(conn).course(slug)
        if course is None:
            raise NotFound(f"Unknown course '{slug}'")
        groups = {lesson.id: m.title for m in course.modules for lesson in m.lessons}
        lessons = [x for x in course.lessons if x.countable]
        counts = _counters(conn, "course", course.id)
        scan = _scan(conn, ("course", course.id), as_of, zone, counts)
        funnel = _funnel(counts, lessons, groups, scan.summary.enrolled)
    return _stats("course", course.slug, course.title, len(lessons), scan, funnel, (), as_of)


def pathway_stats(db: Database, slug: str, now: datetime | None = None, zone: tzinfo = UTC) -> NodeStats:
    with db.snapshot() as conn:
        as_of = now or utcnow()
        pathway = current_catalog(conn).pathway(slug)
        if pathway is None:
            raise NotFound(f"Unknown pathway '{slug}'")
        groups: dict[int, str] = {}
        for c in pathway.courses:
            for lesson in c.lessons:
                groups.setdefault(lesson.id, c.title)  # a module shared by two courses counts under the first
        by_id = {x.id: x for c in pathway.courses for x in c.lessons if x.countable}
        lessons = [by_id[i] for i in groups if i in by_id]
        counts = _counters(conn, "pathway", pathway.id)
        scan = _scan(conn, ("pathway", pathway.id), as_of, zone, counts)
        funnel = _funnel(counts, lessons, groups, scan.summary.enrolled)
        members = [(c.id, c.slug, c.title) for c in pathway.courses]
        courses = _course_funnel(counts, members, scan.summary.enrolled)
    return _stats("pathway", pathway.slug, pathway.title, len(lessons), scan, funnel, courses, as_of)


def _counters(conn: Connection, kind: str, node_id: int) -> dict[str, int]:
    """The node's statistics counters but its per-day ones (a few rows whatever the number of learners)."""
    return stats_counters.totals(conn, [(kind, node_id)], detail=False)[(kind, node_id)]


def _stats(
    kind: str,
    slug: str,
    title: str,
    lessons: int,
    scan: _Scan,
    funnel: tuple[FunnelStep, ...],
    courses: tuple[FunnelStep, ...],
    as_of: datetime,
) -> NodeStats:
    return NodeStats(
        kind,
        slug,
        title,
        lessons,
        scan.summary,
        scan.median,
        scan.progress,
        scan.times,
        funnel,
        scan.per_day,
        courses,
        as_of,
    )


@dataclass(frozen=True)
class _Scan:
    summary: Summary
    progress: tuple[Bucket, ...]
    times: tuple[Bucket, ...]
    per_day: tuple[tuple[date, int], ...]
    median: float | None


def _scan(conn: Connection, node: tuple[str, int], now: datetime, zone: tzinfo, counts: dict[str, int]) -> _Scan:
    """Counts, average, histograms and days from the counters; the median from one fine bucket's finishers."""
    summary = _summarize(
        counts.get("enrolled", 0), counts.get("started", 0), counts.get("complete", 0), counts.get("percent", 0)
    )
    times = stats_times.histogram(counts)
    return _Scan(
        summary,
        tuple(Bucket(label, counts.get(f"p{i}", 0)) for i, label in enumerate(q.PROGRESS_LABELS)),
        tuple(Bucket(label, times[i]) for i, label in enumerate(q.TIME_LABELS)),
        stats_times.per_day(conn, node[0], [node[1]], now, zone, DAYS),
        stats_times.median(conn, node[0], node[1], counts),
    )


def _summarize(enrolled: int, started: int, completed: int, percents: int) -> Summary:
    rate = floored_share(completed, enrolled)
    return Summary(enrolled, started, completed, rate, floored_share(percents, 100 * enrolled))


def _funnel(
    counts: dict[str, int], lessons: Sequence[Lesson], groups: dict[int, str], enrolled: int
) -> tuple[FunnelStep, ...]:
    """Completions of each lesson among the node's enrolled learners, in order (its "l<lesson>" counters)."""
    return tuple(
        FunnelStep(
            i + 1,
            x.slug,
            x.title,
            groups.get(x.id, ""),
            counts.get(f"l{x.id}", 0),
            floored_share(counts.get(f"l{x.id}", 0), enrolled),
        )
        for i, x in enumerate(lessons)
    )


def _course_funnel(
    counts: dict[str, int], courses: list[tuple[int, str, str]], enrolled: int
) -> tuple[FunnelStep, ...]:
    """Of the pathway's learners, how many have completed each of its courses (its "c<course>" counters)."""
    return tuple(
        FunnelStep(i + 1, slug, title, "", counts.get(f"c{cid}", 0), floored_share(counts.get(f"c{cid}", 0), enrolled))
        for i, (cid, slug, title) in enumerate(courses)
    )


def floored_share(part: int, whole: int) -> float:
    """100 × part / whole floored to one decimal, in integers: 100.0 only when part == whole (SPEC §3.5).

    round() would show 9,999 of 10,000 as 100.0; a float floor of 100 × part / whole can land on 99.99999.
    """
    return (1000 * part // whole) / 10 if whole > 0 else 0.0


def overview(db: Database, now: datetime | None = None, zone: tzinfo = UTC) -> Overview:
    """Every course and pathway ranked by completion rate, then enrollments; platform totals."""
    with db.snapshot() as conn:
        as_of = now or utcnow()
        catalog = current_catalog(conn)
        courses = _ranked(conn, catalog, "course")
        pathways = _ranked(conn, catalog, "pathway")
        learners = stats_counters.totals(conn, [stats_counters.SITE], ["learners"])[stats_counters.SITE]
        today = as_of.astimezone(zone).date()
        # Learners with a lesson completed on one of their last 7 local days.
        active = q.active_learners(conn, today - timedelta(days=ACTIVE_DAYS - 1))
        # Every course (retired ones too): their counters, a few rows per day.
        days = stats_times.per_day(conn, "course", q.every_course_id(conn), as_of, zone, DAYS)
    empty = Summary(0, 0, 0, 0.0, 0.0)
    ranked_courses = [
        RankedNode("course", c.slug, c.title, len(c.countable_ids), courses.get(c.id, empty)) for c in catalog.courses
    ]
    ranked_paths = [
        RankedNode("pathway", p.slug, p.title, len(p.countable_ids), pathways.get(p.id, empty))
        for p in catalog.pathways
    ]
    month = sum(n for _day, n in days[-RECENT_DAYS:])
    return Overview(
        _rank(ranked_courses),
        _rank(ranked_paths),
        learners.get("learners", 0),
        active,
        month,
        days,
        as_of,
    )


def _ranked(conn: Connection, catalog: Catalog, kind: str) -> dict[int, Summary]:
    nodes = [(kind, c.id) for c in (catalog.courses if kind == "course" else catalog.pathways)]
    found = stats_counters.totals(conn, nodes, ("enrolled", "started", "complete", "percent"))
    return {
        node_id: _summarize(c.get("enrolled", 0), c.get("started", 0), c.get("complete", 0), c.get("percent", 0))
        for (_k, node_id), c in found.items()
        if c
    }


def _rank(nodes: list[RankedNode]) -> tuple[RankedNode, ...]:
    return tuple(sorted(nodes, key=lambda n: (-n.summary.completion_rate, -n.summary.enrolled, n.title)))

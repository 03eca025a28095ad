"""Services: admin statistics of courses and pathways, from a few set-based queries over stored progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Table, case, func, select

from learnapp.domain.content import Lesson
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import ENROLLMENT, LEARNER, PATHWAY_ENROLLMENT
from learnapp.persistence.tables import utcnow
from learnapp.services import admin_sql as q
from learnapp.services.admin_learners import course_progress_csv, learner_detail
from learnapp.services.errors import NotFound

__all__ = ["course_progress_csv", "course_stats", "learner_detail", "overview", "pathway_stats"]
DAYS = 90  # completions per day: the last 90 days in the viewer's zone (UTC unless given), today included


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
    active_7d: int  # learners who opened a lesson in the last 7 days
    completions_30d: int  # first course completions in the last 30 days
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
        where = ENROLLMENT.c.course_id == course.id
        scan = _scan(conn, ENROLLMENT, where, as_of, zone)
        funnel = _funnel(conn, ENROLLMENT, where, lessons, groups, scan.summary.enrolled)
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
        where = PATHWAY_ENROLLMENT.c.pathway_id == pathway.id
        scan = _scan(conn, PATHWAY_ENROLLMENT, where, as_of, zone)
        funnel = _funnel(conn, PATHWAY_ENROLLMENT, where, lessons, groups, scan.summary.enrolled)
        members = [(c.id, c.slug, c.title) for c in pathway.courses]
        courses = _course_funnel(conn, pathway.id, members, scan.summary.enrolled)
    return _stats("pathway", pathway.slug, pathway.title, len(lessons), scan, funnel, courses, as_of)


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


def _scan(conn: Connection, table: Table, where: Any, now: datetime, zone: tzinfo) -> _Scan:
    """One pass over the node's stored rows, grouped by (progress bucket, time bucket, recent day): every
    count, the average and the three histograms fold out of that one aggregated result; then the median."""
    first, since = _window(now, zone)
    finished = table.c.first_completed_at
    seconds = q.seconds_between(conn, table.c.enrolled_at, finished)
    keys = (
        q.progress_bucket(table.c.percent),
        case((finished.is_not(None), q.time_bucket(seconds))),
        case((finished >= since, q.local_day(conn, finished, zone, since, now))),
    )
    started = func.sum(case((table.c.completed > 0, 1), else_=0))
    complete = func.sum(case((table.c.is_complete, 1), else_=0))
    rows = conn.execute(
        select(*keys, func.count(), started, complete, func.sum(table.c.percent)).where(where).group_by(*keys)
    ).all()
    progress, times, days = Counter[int](), Counter[int](), Counter[date]()
    for bucket, time_bucket, day, count, *_ in rows:
        progress[int(bucket)] += count
        if time_bucket is not None:
            times[int(time_bucket)] += count
        if day is not None:
            days[q.as_date(day)] += count
    enrolled, begun, done, percents = (sum(int(r[i] or 0) for r in rows) for i in (3, 4, 5, 6))
    finishers = sum(times.values())
    return _Scan(
        _summarize(enrolled, begun, done, percents),
        tuple(Bucket(label, progress[i]) for i, label in enumerate(q.PROGRESS_LABELS)),
        tuple(Bucket(label, times[i]) for i, label in enumerate(q.TIME_LABELS)),
        tuple((first + timedelta(days=i), days[first + timedelta(days=i)]) for i in range(DAYS)),
        q.median(conn, select(seconds).where(where, finished.is_not(None)), finishers),
    )


def _summarize(enrolled: int, started: int, completed: int, percents: int) -> Summary:
    rate = floored_share(completed, enrolled)
    return Summary(enrolled, started, completed, rate, floored_share(percents, 100 * enrolled))


def _funnel(
    conn: Connection, table: Table, where: Any, lessons: Sequence[Lesson], groups: dict[int, str], enrolled: int
) -> tuple[FunnelStep, ...]:
    """Completions of each lesson among the node's enrolled learners, in order."""
    counts = q.lesson_counts(conn, table, where, [x.id for x in lessons], enrolled)
    return tuple(
        FunnelStep(
            i + 1,
            x.slug,
            x.title,
            groups.get(x.id, ""),
            counts.get(x.id, 0),
            floored_share(counts.get(x.id, 0), enrolled),
        )
        for i, x in enumerate(lessons)
    )


def _course_funnel(
    conn: Connection, pathway_id: int, courses: list[tuple[int, str, str]], enrolled: int
) -> tuple[FunnelStep, ...]:
    """Of the pathway's learners, how many have completed each of its courses."""
    key = ENROLLMENT.c.course_id
    joined = PATHWAY_ENROLLMENT.join(ENROLLMENT, ENROLLMENT.c.learner_id == PATHWAY_ENROLLMENT.c.learner_id)
    counts = q.counts_by(conn, key, joined, PATHWAY_ENROLLMENT.c.pathway_id == pathway_id, ENROLLMENT.c.is_complete)
    return tuple(
        FunnelStep(i + 1, slug, title, "", counts.get(cid, 0), floored_share(counts.get(cid, 0), enrolled))
        for i, (cid, slug, title) in enumerate(courses)
    )


def floored_share(part: int, whole: int) -> float:
    """100 × part / whole floored to one decimal, in integers: 100.0 only when part == whole (SPEC §3.5).

    round() would show 9,999 of 10,000 as 100.0; a float floor of 100 × part / whole can land on 99.99999.
    """
    return (1000 * part // whole) / 10 if whole > 0 else 0.0


def _window(now: datetime, zone: tzinfo) -> tuple[date, datetime]:
    """The first of the DAYS local days ending today in `zone`, and the UTC moment that day begins."""
    first = now.astimezone(zone).date() - timedelta(days=DAYS - 1)
    return first, datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC)


def per_day(
    conn: Connection, table: Table, now: datetime, *where: Any, zone: tzinfo = UTC
) -> tuple[tuple[date, int], ...]:
    """First completions per day (in `zone`) over the last DAYS days, empty days included."""
    first, since = _window(now, zone)
    column = table.c.first_completed_at
    counts = q.counts_by(conn, q.local_day(conn, column, zone, since, now), table, column >= since, *where)
    by_day = {q.as_date(day): count for day, count in counts.items()}
    return tuple((first + timedelta(days=i), by_day.get(first + timedelta(days=i), 0)) for i in range(DAYS))


def overview(db: Database, now: datetime | None = None, zone: tzinfo = UTC) -> Overview:
    """Every course and pathway ranked by completion rate, then enrollments; platform totals."""
    with db.snapshot() as conn:
        as_of = now or utcnow()
        catalog = current_catalog(conn)
        courses = _ranked(conn, ENROLLMENT, ENROLLMENT.c.course_id)
        pathways = _ranked(conn, PATHWAY_ENROLLMENT, PATHWAY_ENROLLMENT.c.pathway_id)
        learners = conn.execute(select(func.count()).select_from(LEARNER).where(LEARNER.c.role == "learner")).scalar()
        week = as_of - timedelta(days=7)
        active = conn.execute(
            select(func.count(ENROLLMENT.c.learner_id.distinct())).where(ENROLLMENT.c.last_accessed_at >= week)
        ).scalar()
        month = as_of - timedelta(days=30)
        recent = conn.execute(select(func.count()).where(ENROLLMENT.c.first_completed_at >= month)).scalar()
        days = per_day(conn, ENROLLMENT, as_of, zone=zone)
    empty = Summary(0, 0, 0, 0.0, 0.0)
    ranked_courses = [
        RankedNode("course", c.slug, c.title, len(c.countable_ids), courses.get(c.id, empty)) for c in catalog.courses
    ]
    ranked_paths = [
        RankedNode("pathway", p.slug, p.title, len(p.countable_ids), pathways.get(p.id, empty))
        for p in catalog.pathways
    ]
    return Overview(
        _rank(ranked_courses), _rank(ranked_paths), int(learners or 0), int(active or 0), int(recent or 0), days, as_of
    )


def _ranked(conn: Connection, table: Table, key: Any) -> dict[int, Summary]:
    started = func.sum(case((table.c.completed > 0, 1), else_=0))
    complete = func.sum(case((table.c.is_complete, 1), else_=0))
    rows = conn.execute(select(key, func.count(), started, complete, func.sum(table.c.percent)).group_by(key))
    return {int(r[0]): _summarize(int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows}


def _rank(nodes: list[RankedNode]) -> tuple[RankedNode, ...]:
    return tuple(sorted(nodes, key=lambda n: (-n.summary.completion_rate, -n.summary.enrolled, n.title)))

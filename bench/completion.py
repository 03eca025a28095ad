"""Benchmark: recording a lesson completion and reading progress, each beside a raw-SQL floor.

Run with ``cd /work/main && .venv/bin/python -m bench.completion`` (``make bench``).

Everything runs against a fresh SQLite file in a temporary directory, migrated to head and loaded with
the real content (``content/*.yaml``). Learners are inserted directly with a dummy password hash
(argon2 would dominate the setup) and enrolled through the real enrollment service.

What is measured (every timed write is a real first-time completion: a new fact, a history row, the learner's
progress version, its outbox events, a refresh of the stored progress and the admin counters it moves):

* ``record_completion`` on ``algorithms-in-depth`` (220 countable lessons). Learners start with prior
  progress spread evenly over 0..218 lessons (seeded with raw SQL, stored progress kept consistent),
  then complete their next lessons in course order, round-robin, so the learner's fact count varies
  the way it does in real use and a few runs complete the course.
* the same transaction in raw SQL (``sqlite3``, same file, same pragmas, ``BEGIN IMMEDIATE``, the same
  statements the service issues) on other learners: the floor.
* the same pair on ``python-basics`` (10 countable lessons), to show how the cost grows with course size.
* ``course_outline`` and ``next_lesson`` on the 220-lesson course, beside a raw read floor (catalog
  version, the learner's completions of the course, the enrollment check; next lesson in Python).

Each measure gets its own warm-up, then the write measures take turns in chunks of 50 runs (the reads
likewise), so background load, WAL checkpoints and database growth fall on a figure and its floor
alike. As in the served app, a background thread checkpoints the WAL (learnapp/persistence/checkpoint.py) and
both the service and the floor connect with the app's ``wal_autocheckpoint``. No live display runs while timing
(the progress bar is for the setup only). Logging is at WARNING, so the service's per-completion INFO log line
is not part of the figures.

Options: ``--runs/--warmup`` (default 1000/50), ``--profile`` (afterwards, cProfile record_completion and
course_outline on learners of their own and say where the time goes), ``--strict`` (exit 1 when over
budget). Results are also written to ``bench/results/completion.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import logging
import math
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.checkpoint import Checkpointer
from learnapp.persistence.db import WAL_AUTOCHECKPOINT_PAGES, Database
from learnapp.persistence.migrate import upgrade
from learnapp.persistence.stats_counters import SHARDS, bucket
from learnapp.persistence.tables import Learner, micros_of, moment_of
from learnapp.services.content.apply import import_content
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.learning.progress import course_outline, next_lesson
from learnapp.settings import ROOT

BIG_COURSE = "algorithms-in-depth"
SMALL_COURSE = "python-basics"
BIG_LESSONS = 220
SMALL_LESSONS = 10
BIG_STEPS = 2  # lessons each learner of a 220-lesson group completes during the timed phase
RECORD_BUDGET_MS = 5.0
RECORD_FLOOR_FACTOR = 5.0
READ_BUDGET_MS = 2.0
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2hzYWx0$YmVuY2hoYXNoYmVuY2hoYXNoYmVuY2hoYXNo"
RESULTS = Path(__file__).resolve().parent / "results" / "completion.json"

# Off a terminal (make, CI logs, a pipe) rich would assume 80 columns and squeeze the table.
console = Console(width=None if sys.stdout.isatty() else 150)


# --------------------------------------------------------------------------- statistics


@dataclass
class Figure:
    """The timed samples of one measure, in milliseconds."""

    name: str
    samples: list[float] = field(default_factory=list)

    def pct(self, p: int) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[p - 1]

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p95(self) -> float:
        return self.pct(95)

    @property
    def p99(self) -> float:
        return self.pct(99)

    def summary(self) -> dict[str, float | int]:
        return {
            "runs": len(self.samples),
            "p50_ms": round(self.p50, 4),
            "p95_ms": round(self.p95, 4),
            "p99_ms": round(self.p99, 4),
            "mean_ms": round(statistics.fmean(self.samples), 4),
            "max_ms": round(max(self.samples), 4),
        }


@dataclass
class Phase:
    """One measure: a call and the items to run it on; the first ``warmup`` runs are not kept."""

    name: str
    items: Sequence[Any]
    call: Callable[[Any], object]
    warmup: int
    figure: Figure = field(init=False)

    def __post_init__(self) -> None:
        self.figure = Figure(self.name)

    def run(self, start: int, stop: int) -> None:
        clock, call, items, samples = time.perf_counter_ns, self.call, self.items, self.figure.samples
        for index in range(start, min(stop, len(items))):
            item = items[index]
            began = clock()
            call(item)
            elapsed = clock() - began
            if index >= self.warmup:
                samples.append(elapsed / 1e6)


def interleave(phases: Sequence[Phase], chunk: int) -> list[Figure]:
    """Warm every phase up, then run them in alternating chunks so that background load, WAL
    checkpoints and database growth fall on all of them alike rather than on whichever ran last."""
    for phase in phases:
        console.print(f"  {phase.name}: {phase.warmup} warm-up + {len(phase.items) - phase.warmup} timed")
    gc.collect()
    for phase in phases:
        phase.run(0, phase.warmup)
    longest = max(len(phase.items) for phase in phases)
    for start in range(min(p.warmup for p in phases), longest, chunk):
        for phase in phases:
            phase.run(max(start, phase.warmup), start + chunk)
    return [phase.figure for phase in phases]


# --------------------------------------------------------------------------- the raw-SQL floor


def sql_time(moment: datetime) -> int:
    """A timestamp as learnapp stores it in SQLite (tables.UTCDateTime: microseconds since 1970, UTC)."""
    return micros_of(moment)


def connect(path: Path) -> sqlite3.Connection:
    """A sqlite3 connection tuned exactly like learnapp's engine (autocommit: BEGIN is explicit)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    return conn


@dataclass(frozen=True)
class CourseInfo:
    """What the benchmark needs to know about a course, read once from the catalog."""

    slug: str
    id: int
    lesson_ids: tuple[int, ...]  # countable lessons, in course order
    lesson_slugs: tuple[str, ...]
    pathway_ids: tuple[int, ...]

    @property
    def countable(self) -> frozenset[int]:
        return frozenset(self.lesson_ids)


OUTBOX_NAMESPACE = uuid.UUID("4f1c2a7e-2b9d-5c3e-9a41-6d0b8e7f1a23")

# The columns the service reads: what the refresh compares against.
ENROLLMENT_COLUMNS = "id, course_id, completed, total, percent, is_complete, completed_at, first_completed_at"
PATHWAY_COLUMNS = (
    "id, learner_id, pathway_id, enrolled_at, last_accessed_at, completed, total, percent, courses_completed, "
    "courses_total, is_complete, completed_at, first_completed_at, updated_at"
)


class RawFloor:
    """record_completion's transaction and the outline read, hand-written on the sqlite3 module."""

    def __init__(self, path: Path, course: CourseInfo) -> None:
        self.conn = connect(path)
        self.course = course
        self.countable = course.countable
        self.total = len(self.countable)
        self.pathway_sql = (
            f"SELECT {PATHWAY_COLUMNS} FROM pathway_enrollment WHERE learner_id = ?" if course.pathway_ids else ""
        )

    def record(self, learner_id: int, lesson_id: int) -> bool:
        """One first-time completion, statement for statement what the service sends."""
        execute = self.conn.execute
        course_id = self.course.id
        now_moment = datetime.now(UTC)
        now = sql_time(now_moment)
        execute("BEGIN IMMEDIATE")
        try:
            execute("SELECT version FROM catalogstate WHERE id = ?", (1,)).fetchone()
            enrolled = execute(
                f"SELECT {ENROLLMENT_COLUMNS} FROM enrollment WHERE learner_id = ?", (learner_id,)
            ).fetchall()
            enrolled = [row for row in enrolled if row[1] == course_id]
            if not enrolled:
                raise LookupError("not enrolled")
            created = (
                execute(
                    "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (learner_id, lesson_id) DO NOTHING RETURNING lesson_id, completed_at, source",
                    (learner_id, lesson_id, now, "ui"),
                ).fetchone()
                is not None
            )
            if created:
                execute(
                    # The entry's id: one more than the learner's last (the table has no rowids to number it).
                    "INSERT INTO progress_history (id, at, learner_id, actor_id, action, source, lesson_id, course_id,"
                    " pathway_id, detail) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM progress_history"
                    " WHERE learner_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (learner_id, now, learner_id, learner_id, "completed", "ui", lesson_id, None, None, ""),
                )
                # The learner's progress version, bumped once by the change (tabs and receivers order by it).
                version = execute(
                    "UPDATE learner SET progress_version = progress_version + 1 WHERE id = ?"
                    " RETURNING progress_version",
                    (learner_id,),
                ).fetchone()[0]
                # The activity day in the learner's zone (kept through an undo), as the service writes it.
                zone_name = execute("SELECT time_zone FROM learner WHERE id = ?", (learner_id,)).fetchone()[0]
                day = now_moment.astimezone(ZoneInfo(zone_name or "UTC")).date().isoformat()
                kept = execute(
                    "INSERT INTO activity_day (learner_id, day, lesson_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
                    " RETURNING day",
                    (learner_id, day, lesson_id),
                ).fetchone()
                # A newly kept day: the learner's latest other day, for the site's learners by latest day.
                latest = None
                if kept is not None:
                    latest = execute(
                        "SELECT day FROM activity_day WHERE learner_id = ? AND NOT (day = ? AND lesson_id = ?)"
                        " ORDER BY day DESC LIMIT 1",
                        (learner_id, day, lesson_id),
                    ).fetchone()
                done_ids = {
                    r[0] for r in execute("SELECT lesson_id FROM lesson_completion WHERE learner_id = ?", (learner_id,))
                }
                row = enrolled[0]
                done = self.countable.intersection(done_ids)
                completed = len(done)
                complete = completed == self.total
                percent = 100 * completed // self.total
                percent = percent if complete or percent < 100 else 99
                completed_at = None
                if complete:
                    marks = ", ".join("?" * len(done))
                    completed_at = execute(
                        "SELECT max(completed_at) FROM lesson_completion"
                        f" WHERE learner_id = ? AND lesson_id IN ({marks})",
                        (learner_id, *done),
                    ).fetchone()[0]
                first_completed_at = row[7] if row[7] is not None else completed_at
                execute(
                    "UPDATE enrollment SET completed = ?, total = ?, percent = ?, is_complete = ?, completed_at = ?,"
                    " first_completed_at = ?, updated_at = ? WHERE id = ?",
                    (completed, self.total, percent, complete, completed_at, first_completed_at, now, row[0]),
                )
                if self.pathway_sql:
                    execute(self.pathway_sql, (learner_id,)).fetchall()
                # The admin statistics counters the change moves, added in one call (as stats_counters.add does).
                shard = learner_id % SHARDS
                before_percent, before_completed = row[4], row[2]
                deltas = {f"l{lesson_id}": 1, "percent": percent - before_percent}
                if bucket(before_percent) != bucket(percent):
                    deltas[f"p{bucket(before_percent)}"] = -1
                    deltas[f"p{bucket(percent)}"] = 1
                if before_completed == 0:
                    deltas["started"] = 1
                if complete:
                    deltas["complete"] = 1
                moved = [("course", course_id, name, shard, n) for name, n in deltas.items() if n]
                if kept is not None and (latest is None or latest[0] < day):  # a later latest day
                    moved.append(("site", 0, f"a{day.replace('-', '')}", shard, 1))
                    if latest is not None:
                        moved.append(("site", 0, f"a{latest[0].replace('-', '')}", shard, -1))
                self.conn.executemany(
                    "INSERT INTO stat_counter (node_kind, node_id, name, shard, n) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (node_kind, node_id, name, shard) DO UPDATE SET n = stat_counter.n + excluded.n",
                    sorted(moved),
                )
                # The outbox events of the change, written with it (as the unit of work does at its end).
                stamp = now_moment.isoformat()  # the payload's time as the app writes it (the column's is `now`)
                events = [("lesson.completed", {"lesson_id": lesson_id, "source": "ui", "completed_at": stamp})]
                crossed = [m for m in (25, 50, 75) if row[4] < m <= percent and not complete]
                if crossed:
                    events.append(("course.milestone", {"course_id": course_id, "percent": crossed[-1]}))
                if complete and row[7] is None:
                    done_at = moment_of(completed_at).isoformat() if completed_at is not None else None
                    events.append(("course.completed", {"course_id": course_id, "completed_at": done_at}))
                rows = [
                    (
                        str(uuid.uuid5(OUTBOX_NAMESPACE, f"{topic}:{learner_id}:{version}:{index}")),
                        topic,
                        learner_id,
                        version,
                        now,
                        json.dumps({**body, "learner_id": learner_id, "version": version}, sort_keys=True),
                    )
                    for index, (topic, body) in enumerate(events)
                ]
                insert = (
                    "INSERT INTO outbox_event (event_id, topic, learner_id, version, occurred_at, payload)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                )
                if len(rows) > 1:
                    self.conn.executemany(insert, rows)
                else:
                    execute(insert, rows[0])
            execute("COMMIT")
        except BaseException:
            execute("ROLLBACK")
            raise
        return created

    def read(self, learner_id: int) -> tuple[int, int, bool]:
        """The learner's completions of the course: (completed, next lesson id, enrolled)."""
        execute = self.conn.execute
        execute("BEGIN")
        try:
            execute("SELECT version FROM catalogstate WHERE id = ?", (1,)).fetchone()
            rows = execute("SELECT lesson_id FROM lesson_completion WHERE learner_id = ?", (learner_id,)).fetchall()
            enrollments = execute(
                f"SELECT {ENROLLMENT_COLUMNS} FROM enrollment WHERE learner_id = ?", (learner_id,)
            ).fetchall()
            enrolled = next((row for row in enrollments if row[1] == self.course.id), None)
        finally:
            execute("ROLLBACK")
        done = self.countable.intersection(row[0] for row in rows)
        upcoming = next((i for i in self.course.lesson_ids if i not in done), self.course.lesson_ids[0])
        return len(done), upcoming, enrolled is not None

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- setup


@dataclass
class Group:
    """Learners of one phase and the (learner, lesson position) runs planned for them, in run order."""

    name: str
    course: CourseInfo
    learners: list[int]
    priors: list[int]
    runs: list[tuple[int, int]] = field(default_factory=list)


def plan_group(name: str, course: CourseInfo, learner_ids: list[int], steps: int, total_runs: int) -> Group:
    """Spread prior progress evenly so the learners' fact counts cover the whole course."""
    lessons = len(course.lesson_ids)
    top = lessons - steps
    count = len(learner_ids)
    priors = [round(k * top / (count - 1)) if count > 1 else 0 for k in range(count)]
    pairs = list(zip(learner_ids, priors, strict=True))
    runs = [(learner, prior + step) for step in range(steps) for learner, prior in pairs]
    if len(runs) < total_runs:
        raise ValueError(f"group {name}: {len(runs)} runs planned, {total_runs} needed")
    return Group(name, course, learner_ids, priors, runs[:total_runs])


def course_info(db: Database, slug: str) -> CourseInfo:
    with db.read() as session:
        catalog = current_catalog(session)
    course = catalog.course(slug)
    if course is None:
        raise LookupError(f"course {slug} missing from content/")
    lessons = [lesson for lesson in course.lessons if lesson.countable]
    return CourseInfo(
        slug,
        course.id,
        tuple(x.id for x in lessons),
        tuple(x.slug for x in lessons),
        tuple(p.id for p in catalog.pathways_containing(course.id)),
    )


def insert_learners(db: Database, count: int) -> list[int]:
    """Learner rows straight through the ORM with a fixed hash (argon2 would take ~1 min here)."""
    with db.write() as session:
        rows = [
            Learner(email=f"bench-{i:05d}@bench.example", name=f"Bench Learner {i}", password_hash=DUMMY_HASH)
            for i in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [int(row.id or 0) for row in rows]


def seed_prior_progress(path: Path, groups: Sequence[Group]) -> int:
    """Facts for every lesson before each learner's starting point, and stored progress to match."""
    conn = connect(path)
    start = datetime.now(UTC) - timedelta(days=400)
    facts: list[tuple[int, int, int, str]] = []
    updates: list[tuple[int, int, int, int, int]] = []
    for group in groups:
        course = group.course
        total = len(course.lesson_ids)
        for learner, prior in zip(group.learners, group.priors, strict=True):
            for index in range(prior):
                facts.append((learner, course.lesson_ids[index], sql_time(start + timedelta(hours=index)), "import"))
            updates.append((prior, total, 100 * prior // total, learner, course.id))
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source) VALUES (?, ?, ?, ?)", facts
    )
    conn.executemany(
        "UPDATE enrollment SET completed = ?, total = ?, percent = ? WHERE learner_id = ? AND course_id = ?", updates
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return len(facts)


@dataclass
class Setup:
    db: Database
    path: Path
    big: CourseInfo
    small: CourseInfo
    groups: dict[str, Group]
    seconds: float
    seeded_facts: int


def set_up(directory: Path, warmup: int, runs: int, profile: bool) -> Setup:
    started = time.perf_counter()
    path = directory / "bench.db"
    url = f"sqlite:///{path}"
    total = warmup + runs
    big_size = math.ceil(total / BIG_STEPS)
    small_size = math.ceil(total / SMALL_LESSONS)
    sizes = {"service-220": big_size, "floor-220": big_size, "service-10": small_size, "floor-10": small_size}
    if profile:
        sizes["profile-220"] = big_size
    learners = sum(sizes.values())
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        step = progress.add_task("migrate schema", total=1)
        upgrade(url)
        db = Database(url)
        progress.update(step, advance=1)
        step = progress.add_task("import content/", total=1)
        import_content(db, ROOT / "content")
        big, small = course_info(db, BIG_COURSE), course_info(db, SMALL_COURSE)
        if (len(big.lesson_ids), len(small.lesson_ids)) != (BIG_LESSONS, SMALL_LESSONS):
            raise RuntimeError(
                f"expected {BIG_LESSONS}/{SMALL_LESSONS} countable lessons, "
                f"found {len(big.lesson_ids)}/{len(small.lesson_ids)}"
            )
        progress.update(step, advance=1)
        step = progress.add_task(f"insert {learners:,} learners", total=1)
        ids = insert_learners(db, learners)
        progress.update(step, advance=1)
        groups: dict[str, Group] = {}
        offset = 0
        for name, size in sizes.items():
            members = ids[offset : offset + size]
            offset += size
            if name.endswith("-220"):
                groups[name] = plan_group(name, big, members, BIG_STEPS, total)
            else:
                groups[name] = plan_group(name, small, members, SMALL_LESSONS, total)
        small_learners = [x for g in groups.values() if g.course is small for x in g.learners]
        step = progress.add_task("enroll (enroll_course)", total=len(ids) + len(small_learners))
        for learner in ids:
            enroll_course(db, learner, BIG_COURSE)
            progress.update(step, advance=1)
        for learner in small_learners:
            enroll_course(db, learner, SMALL_COURSE)
            progress.update(step, advance=1)
        step = progress.add_task("seed prior progress", total=1)
        seeded = seed_prior_progress(path, list(groups.values()))
        progress.update(step, advance=1)
    return Setup(db, path, big, small, groups, time.perf_counter() - started, seeded)


# --------------------------------------------------------------------------- the phases


def service_phase(setup: Setup, group: Group, warmup: int) -> Phase:
    slugs = group.course.lesson_slugs
    db = setup.db

    def run(item: tuple[int, int]) -> None:
        view = record_completion(db, item[0], slugs[item[1]], source="ui")
        if not view.created or not view.changes:
            raise AssertionError(f"run {item} did not create a fact and move progress")

    return Phase(f"record_completion · {group.course.slug}", group.runs, run, warmup)


def floor_phase(floor: RawFloor, group: Group, warmup: int) -> Phase:
    ids = group.course.lesson_ids

    def run(item: tuple[int, int]) -> None:
        if not floor.record(item[0], ids[item[1]]):
            raise AssertionError(f"floor run {item} did not create a fact")

    return Phase(f"raw SQL floor · {group.course.slug}", group.runs, run, warmup)


def read_phases(setup: Setup, floor: RawFloor, warmup: int, runs: int) -> list[Phase]:
    """The outline and next-lesson reads on learners whose progress now spreads over 2..220 lessons."""
    group = setup.groups["service-220"]
    learners = [group.learners[i % len(group.learners)] for i in range(warmup + runs)]
    expected = dict(zip(group.learners, group.priors, strict=True))
    for learner, _ in group.runs:
        expected[learner] += 1
    db = setup.db

    def outline(learner: int) -> None:
        view = course_outline(db, learner, BIG_COURSE)
        if view.completed != expected[learner] or not view.enrolled:
            raise AssertionError(f"outline of learner {learner}: {view.completed} != {expected[learner]}")

    def upcoming(learner: int) -> None:
        if next_lesson(db, learner, BIG_COURSE) is None:
            raise AssertionError("no next lesson")

    def raw(learner: int) -> None:
        completed, _, enrolled = floor.read(learner)
        if completed != expected[learner] or not enrolled:
            raise AssertionError(f"raw read of learner {learner}: {completed} != {expected[learner]}")

    return [
        Phase(f"course_outline · {BIG_COURSE}", learners, outline, warmup),
        Phase(f"next_lesson · {BIG_COURSE}", learners, upcoming, warmup),
        Phase(f"raw SQL read floor · {BIG_COURSE}", learners, raw, warmup),
    ]


def check_consistency(path: Path) -> int:
    """Stored progress rows whose completed count disagrees with the facts (must be 0)."""
    conn = connect(path)
    wrong = conn.execute(
        "SELECT count(*) FROM enrollment AS e WHERE e.completed != ("
        " SELECT count(*) FROM lesson_completion AS lc JOIN lesson AS l ON l.id = lc.lesson_id"
        " JOIN course_module AS cm ON cm.module_id = l.module_id AND cm.course_id = e.course_id"
        " WHERE lc.learner_id = e.learner_id)"
    ).fetchone()[0]
    conn.close()
    return int(wrong)


RECORD_STEPS = (
    ("_countable_lesson: lock learner + current_catalog", "completion.py", "_countable_lesson"),
    ("insert_completion", "facts.py", "insert_completion"),
    ("recompute (total)", "refresh.py", "recompute"),
    ("  completion_times (every fact of the learner)", "facts.py", "completion_times"),
    ("  _one_learner (domain rules)", "refresh.py", "_one_learner"),
    ("  follow_changes (milestones, history of changes)", "refresh.py", "follow_changes"),
    ("statistics deltas and counters (at flush)", "stats_deltas.py", "flush"),
    ("progress_changes (the push's read)", "unit_of_work.py", "progress_changes"),
    ("ORM flush: history INSERT + enrollment UPDATE ¹", "session.py", "_flush"),
    ("commit (leaving session.begin()) ¹", "session.py", "commit"),
)
READ_STEPS = (
    ("learner_read (one read transaction)", "learner_read.py", "learner_read"),
    ("  current_catalog (catalog version query)", "catalog.py", "current_catalog"),
    ("  done_ids (the learner's facts)", "facts.py", "done_ids"),
    ("_outline (rules + 220 LessonViews)", "services/learning/read_model.py", "_outline"),
    ("  course_progress (domain)", "domain/progress.py", "course_progress"),
    ("  next_lesson (domain)", "domain/progress.py", "next_lesson"),
)


def where(filename: str) -> str:
    """Which layer a profiled function belongs to."""
    if filename == "~":
        return "built-ins (sqlite3 driver, datetime, …)"
    for marker, layer in (
        ("/sqlalchemy/", "SQLAlchemy"),
        ("/sqlmodel/", "SQLModel"),
        ("/pydantic", "pydantic"),
        ("learnapp/domain/", "learnapp.domain"),
        ("/learnapp/", "learnapp services/persistence"),
    ):
        if marker in filename:
            return layer
    return "stdlib / other"


def profile_calls(title: str, calls: Sequence[Callable[[], object]], steps: Sequence[tuple[str, str, str]]) -> None:
    """cProfile the calls and say where the time goes: by layer, by step, by function."""
    profiler = cProfile.Profile()
    profiler.enable()
    for call in calls:
        call()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())
    count = len(calls)
    console.rule(f"cProfile: {count} × {title} (times include the profiler's overhead)")
    layers: dict[str, float] = {}
    driver = 0.0
    for (filename, _, name), (_, _, tt, _, _) in raw.items():
        layers[where(filename)] = layers.get(where(filename), 0.0) + tt
        if filename == "~" and "sqlite3" in name:
            driver += tt
    table = Table("own time by layer", "ms / call", "share", title_justify="left")
    for layer, tt in sorted(layers.items(), key=lambda kv: -kv[1]):
        table.add_row(layer, f"{tt * 1000 / count:.3f}", f"{tt / total:.0%}")
    table.add_row(
        "  of which inside sqlite3 (execute/fetch/commit)", f"{driver * 1000 / count:.3f}", f"{driver / total:.0%}"
    )
    console.print(table)
    by_step = Table(f"step of {title}", "ms / call (cumulative)", "share", title_justify="left")
    for label, file_suffix, func in steps:
        ct = sum(v[3] for (f, _, n), v in raw.items() if n == func and f.endswith(file_suffix))
        by_step.add_row(label, f"{ct * 1000 / count:.3f}", f"{ct / total:.0%}")
    console.print(by_step)
    if any("¹" in label for label, _, _ in steps):
        console.print("  ¹ the history INSERT is autoflushed inside completion_times; the UPDATE is flushed by commit")
    stats.strip_dirs().sort_stats("tottime").print_stats(12)


def profile_service(setup: Setup) -> None:
    """Profile separate runs on a group of their own, after the timing (never mixed into the figures)."""
    group = setup.groups["profile-220"]
    slugs, db = group.course.lesson_slugs, setup.db
    records = [partial(record_completion, db, learner, slugs[at], source="ui") for learner, at in group.runs]
    profile_calls(f"record_completion on {BIG_COURSE}", records, RECORD_STEPS)
    reads = [partial(course_outline, db, learner, BIG_COURSE) for learner, _ in group.runs]
    profile_calls(f"course_outline on {BIG_COURSE}", reads, READ_STEPS)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    measure: str
    figure: Figure
    floor: Figure | None
    budget_ms: float
    floor_factor: float | None

    @property
    def ratio(self) -> float | None:
        return self.figure.p95 / self.floor.p95 if self.floor else None

    @property
    def passed(self) -> bool:
        within = self.figure.p95 <= self.budget_ms
        if self.floor_factor is not None and self.ratio is not None:
            within = within and self.ratio <= self.floor_factor
        return within

    @property
    def budget(self) -> str:
        text = f"p95 ≤ {self.budget_ms:g} ms"
        return text + f", ≤ {self.floor_factor:g}× floor" if self.floor_factor else text

    def as_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "service": self.figure.summary(),
            "floor": self.floor.summary() if self.floor else None,
            "ratio_p95": round(self.ratio, 3) if self.ratio is not None else None,
            "budget": {"p95_ms": self.budget_ms, "max_floor_ratio": self.floor_factor},
            "result": "PASS" if self.passed else "OVER",
        }


def report(rows: Sequence[Row]) -> Table:
    table = Table(
        title=f"learnapp completion benchmark: ms; course {BIG_COURSE} = {BIG_LESSONS} lessons, "
        f"{SMALL_COURSE} = {SMALL_LESSONS}",
        title_justify="left",
    )
    for header in (
        "measure",
        "p50",
        "p95",
        "p99",
        "floor p50",
        "floor p95",
        "floor p99",
        "÷ floor p95",
        "budget",
        "result",
    ):
        right = header not in ("measure", "budget", "result")
        table.add_column(header, justify="right" if right else "left", no_wrap=header != "measure")
    for row in rows:
        figure, floor = row.figure, row.floor
        table.add_row(
            row.measure,
            f"{figure.p50:.3f}",
            f"{figure.p95:.3f}",
            f"{figure.p99:.3f}",
            f"{floor.p50:.3f}" if floor else "—",
            f"{floor.p95:.3f}" if floor else "—",
            f"{floor.p99:.3f}" if floor else "—",
            f"{row.ratio:.2f}×" if row.ratio is not None else "—",
            row.budget,
            "[green]PASS[/]" if row.passed else "[red bold]OVER[/]",
        )
    return table


def growth(big: Row, small: Row) -> dict[str, float]:
    """How the cost grows with the number of countable lessons (10 → 220)."""
    extra = BIG_LESSONS - SMALL_LESSONS
    assert big.floor and small.floor
    return {
        "service_p50_us_per_lesson": round((big.figure.p50 - small.figure.p50) * 1000 / extra, 3),
        "service_p95_us_per_lesson": round((big.figure.p95 - small.figure.p95) * 1000 / extra, 3),
        "floor_p50_us_per_lesson": round((big.floor.p50 - small.floor.p50) * 1000 / extra, 3),
        "floor_p95_us_per_lesson": round((big.floor.p95 - small.floor.p95) * 1000 / extra, 3),
        "service_p95_ratio_220_to_10": round(big.figure.p95 / small.figure.p95, 3),
        "floor_p95_ratio_220_to_10": round(big.floor.p95 / small.floor.p95, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.completion", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="timed runs per measure (default 1000)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed runs before each measure (default 50)")
    parser.add_argument("--chunk", type=int, default=50, help="runs per turn when measures alternate (default 50)")
    parser.add_argument("--profile", action="store_true", help="also cProfile record_completion (separate runs)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any measure is over budget")
    parser.add_argument("--dir", type=Path, default=None, help="where to create the database (default: a temp dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("learnapp").setLevel(logging.WARNING)
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="learnapp-bench-", dir=args.dir) as tmp:
        console.rule("setup")
        setup = set_up(Path(tmp), args.warmup, args.runs, args.profile)
        console.print(
            f"  {sum(len(g.learners) for g in setup.groups.values()):,} learners, "
            f"{setup.seeded_facts:,} prior facts seeded, setup {setup.seconds:.1f} s"
        )
        console.rule("timing")
        groups = setup.groups
        raw_big, raw_small = RawFloor(setup.path, setup.big), RawFloor(setup.path, setup.small)
        load_before = os.getloadavg()
        checkpointer = Checkpointer(setup.db).start()  # as in the served app: the WAL is copied back off the clicks
        service_big, floor_big, service_small, floor_small = interleave(
            [
                service_phase(setup, groups["service-220"], args.warmup),
                floor_phase(raw_big, groups["floor-220"], args.warmup),
                service_phase(setup, groups["service-10"], args.warmup),
                floor_phase(raw_small, groups["floor-10"], args.warmup),
            ],
            args.chunk,
        )
        outline, upcoming, read_floor = interleave(read_phases(setup, raw_big, args.warmup, args.runs), args.chunk)
        load_after = os.getloadavg()
        checkpointer.stop()
        raw_big.close()
        raw_small.close()
        wrong = check_consistency(setup.path)
        if args.profile:
            profile_service(setup)
        setup.db.dispose()

    big = Row(
        f"record_completion · {BIG_LESSONS} lessons", service_big, floor_big, RECORD_BUDGET_MS, RECORD_FLOOR_FACTOR
    )
    # SPEC §10 sets the floor ratio for the 200-lesson course; the small course shows how cost scales.
    small = Row(f"record_completion · {SMALL_LESSONS} lessons", service_small, floor_small, RECORD_BUDGET_MS, None)
    rows = [
        big,
        small,
        Row(f"course_outline · {BIG_LESSONS} lessons", outline, read_floor, READ_BUDGET_MS, None),
        Row(f"next_lesson · {BIG_LESSONS} lessons", upcoming, read_floor, READ_BUDGET_MS, None),
    ]
    slope = growth(big, small)
    console.rule("results")
    console.print(report(rows))
    console.print(
        f"  course size {SMALL_LESSONS} → {BIG_LESSONS} lessons: service p50 "
        f"{slope['service_p50_us_per_lesson']:+.2f} µs/lesson, p95 {big.figure.p95:.2f} vs {small.figure.p95:.2f} ms "
        f"({slope['service_p95_ratio_220_to_10']:.2f}×); floor p50 {slope['floor_p50_us_per_lesson']:+.2f} µs/lesson, "
        f"p95 {big.floor.p95 if big.floor else 0:.3f} vs {small.floor.p95 if small.floor else 0:.3f} ms "
        f"({slope['floor_p95_ratio_220_to_10']:.2f}×)"
    )
    cpus = os.cpu_count() or 1
    console.print(f"  load average before/after timing: {load_before[0]:.2f} / {load_after[0]:.2f} on {cpus} CPUs")
    if max(load_before[0], load_after[0]) > cpus / 2:
        console.print("  [yellow]the machine was busy while timing: expect noisy tails; rerun on a quiet machine[/]")
    console.print(f"  stored progress rows disagreeing with the facts afterwards: {wrong}")
    elapsed = time.perf_counter() - started
    results = {
        "benchmark": "completion",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "sqlalchemy": sqlalchemy.__version__,
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_before_timing": [round(x, 2) for x in load_before],
            "load_average_after_timing": [round(x, 2) for x in load_after],
        },
        "parameters": {
            "timed_runs": args.runs,
            "warmup_runs": args.warmup,
            "learners": {name: len(group.learners) for name, group in setup.groups.items()},
            "seeded_prior_facts": setup.seeded_facts,
            "lessons": {BIG_COURSE: BIG_LESSONS, SMALL_COURSE: SMALL_LESSONS},
        },
        "measures": [row.as_json() for row in rows],
        "course_size_growth": slope,
        "inconsistent_progress_rows": wrong,
        "all_pass": all(row.passed for row in rows),
        "setup_seconds": round(setup.seconds, 2),
        "total_seconds": round(elapsed, 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"  results written to {RESULTS.relative_to(ROOT)} · total {elapsed:.1f} s")
    if wrong:
        console.print("[red bold]stored progress disagrees with the facts: the figures are not trustworthy[/]")
        return 2
    return 1 if args.strict and not results["all_pass"] else 0


if __name__ == "__main__":
    sys.exit(main())

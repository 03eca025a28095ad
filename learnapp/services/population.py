"""Services: a deterministic demo population (learners, enrollments, spread-out completions) for demos and benches."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from learnapp.domain.content import Catalog, Course
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import LEARNER
from learnapp.persistence.tables import utcnow
from learnapp.services.errors import Conflict, InvalidRequest
from learnapp.services.population_progress import load_shape, recompute_range

PASSWORD = "population-demo-2026"
# argon2id of PASSWORD, computed once: hashing it per learner would take minutes for a large population.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$L/KJhZP69GfQ98H9L3E5yg$/z+tatEr0ANPSM7EpMUmpobV+eN2xqxhtdUFw4vvV9Y"
_FIRST = (
    "Ada Alan Amara Ben Chen Chloe Dara Diego Elif Emma Farah Felix Grace Hana Ines Ivan Jada Jonas Kai Kofi Lena Liam"
    " Maya Mateo Nadia Noah Olga Omar Priya Quinn Rosa Sami Sara Tariq Uma Victor Wen Yara Yusuf Zoe"
)
_LAST = (
    "Abe Baker Costa Dubois Eze Fischer Garcia Haddad Ito Jensen Khan Larsen Mendes Novak Okafor Park Quispe Rossi"
    " Silva Tanaka Ueda Varga Weber Xu Yilmaz Zhang"
)
FIRST, LAST = tuple(_FIRST.split()), tuple(_LAST.split())
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PopulationReport:
    learners: int
    enrollments: int
    pathway_enrollments: int
    completions: int
    first_learner_id: int
    last_learner_id: int


@dataclass
class _Plan:
    """One generated learner: who, what they enrolled in, and which lessons they completed when."""

    email: str
    name: str
    created_at: datetime
    courses: list[dict[str, Any]] = field(default_factory=list)
    pathways: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[int, datetime] = field(default_factory=dict)


def generate_population(
    db: Database,
    learners: int,
    seed: int = 1,
    enrollments: int = 5,
    days: int = 90,
    now: datetime | None = None,
    batch: int = 500,
    on_progress: Progress | None = None,
) -> PopulationReport:
    """Same seed, same catalog, same `now`: the same population. One transaction per batch of learners."""
    if learners < 1 or enrollments < 1 or days < 1:
        raise InvalidRequest("learners, enrollments and days must be at least 1")
    moment = now or utcnow()
    rng = random.Random(seed)
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        taken = conn.execute(select(func.count()).where(LEARNER.c.email.like(f"%.s{seed}@population.example"))).scalar()
    courses = [c for c in catalog.courses if c.countable_ids]
    if not courses:
        raise InvalidRequest("The catalog has no course with countable lessons: import content first")
    if taken:
        raise Conflict(f"A population with seed {seed} is already loaded: choose another seed")
    counts = [0, 0, 0]
    first = last = 0
    for start in range(0, learners, batch):
        plans = [
            _plan(rng, i, seed, courses, catalog, enrollments, days, moment)
            for i in range(start, min(learners, start + batch))
        ]
        with db.transaction() as conn:
            ids = _insert(conn, plans, counts)
            load_shape(conn, catalog)
            recompute_range(conn, ids[0], ids[-1])
        first, last = first or ids[0], ids[-1]
        if on_progress:
            on_progress(start + len(plans), learners)
    return PopulationReport(learners, counts[0], counts[1], counts[2], first, last)


def _plan(
    rng: random.Random,
    index: int,
    seed: int,
    courses: list[Course],
    catalog: Catalog,
    enrollments: int,
    days: int,
    now: datetime,
) -> _Plan:
    grit = rng.lognormvariate(0, 0.6)  # how far and how fast this learner goes
    weights = [1 / (1 + 0.35 * position) for position in range(len(courses))]
    chosen = _weighted_sample(rng, courses, weights, min(enrollments, len(courses)))
    starts = sorted(now - timedelta(days=rng.uniform(0.05, days)) for _ in chosen)
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    plan = _Plan(
        f"learner{index:06d}.s{seed}@population.example", name, starts[0] - timedelta(hours=rng.uniform(0, 72))
    )
    for course, enrolled_at in zip(chosen, starts, strict=True):
        _study(rng, plan, course, enrolled_at, grit, now)
    enrolled = {row["course_id"] for row in plan.courses}
    for pathway in catalog.pathways:
        if pathway.courses and {c.id for c in pathway.courses} <= enrolled and rng.random() < 0.6:
            at = min(row["enrolled_at"] for row in plan.courses if row["course_id"] in {c.id for c in pathway.courses})
            plan.pathways.append({"pathway_id": pathway.id, "enrolled_at": at, "last_accessed_at": None})
    return plan


def _weighted_sample(rng: random.Random, items: list[Course], weights: list[float], k: int) -> list[Course]:
    pool, chosen = list(zip(items, weights, strict=True)), []
    for _ in range(k):
        pick = rng.uniform(0, sum(w for _, w in pool))
        for position, (item, weight) in enumerate(pool):
            pick -= weight
            if pick <= 0 or position == len(pool) - 1:
                chosen.append(item)
                pool.pop(position)
                break
    return chosen


def _study(rng: random.Random, plan: _Plan, course: Course, enrolled_at: datetime, grit: float, now: datetime) -> None:
    """Lessons in course order; the chance to stop is highest at the start and shrinks with grit."""
    lessons = [lesson.id for lesson in course.lessons if lesson.countable]
    n = len(lessons)
    hazard = (0.3 / n + 0.004) / grit
    pace_days = rng.lognormvariate(math.log(5 * math.sqrt(n / 5)), 0.5) / grit / n  # mean days between lessons
    at = enrolled_at + timedelta(hours=rng.expovariate(1 / 20))
    last: tuple[int, datetime] | None = None
    never_starts = rng.random() < min(0.5, 0.12 / grit)
    for position, lesson in enumerate(lessons):
        if never_starts or rng.random() < hazard * (1 + 1.5 * math.exp(-position / 2)):
            break
        at += timedelta(days=rng.expovariate(1 / pace_days))
        if at >= now:
            break
        plan.facts.setdefault(lesson, at)
        last = (lesson, plan.facts[lesson])
    plan.courses.append(
        {
            "course_id": course.id,
            "enrolled_at": enrolled_at,
            "last_lesson_id": last[0] if last else None,
            "last_accessed_at": last[1] if last else None,
        }
    )


_COLUMNS = {
    "enrollment": "learner_id course_id enrolled_at last_lesson_id last_accessed_at completed total percent"
    " is_complete updated_at",
    "pathway_enrollment": "learner_id pathway_id enrolled_at last_accessed_at completed total percent"
    " courses_completed courses_total is_complete updated_at",
    "lesson_completion": "learner_id lesson_id completed_at source",
    "progress_history": "at learner_id actor_id action source lesson_id course_id detail",
}


def _insert(conn: Connection, plans: list[_Plan], counts: list[int]) -> list[int]:
    learners = [
        {"email": p.email, "name": p.name, "password_hash": PASSWORD_HASH, "role": "learner", "time_zone": "UTC"}
        | {"created_at": p.created_at}
        for p in plans
    ]
    statement = insert(LEARNER).returning(LEARNER.c.id, sort_by_parameter_order=True)
    ids = [int(row[0]) for row in conn.execute(statement, learners)]
    t = _sqlite_time if conn.dialect.name == "sqlite" else _same
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _COLUMNS}
    for learner, plan in zip(ids, plans, strict=True):
        for c in plan.courses:
            at, last = t(c["enrolled_at"]), t(c["last_accessed_at"])
            rows["enrollment"].append((learner, c["course_id"], at, c["last_lesson_id"], last, 0, 0, 0, False, at))
            rows["progress_history"].append((at, learner, learner, "enrolled", "import", None, c["course_id"], ""))
        for p in plan.pathways:
            at = t(p["enrolled_at"])
            rows["pathway_enrollment"].append((learner, p["pathway_id"], at, None, 0, 0, 0, 0, 0, False, at))
        for lesson, moment in plan.facts.items():
            at = t(moment)
            rows["lesson_completion"].append((learner, lesson, at, "import"))
            rows["progress_history"].append((at, learner, learner, "completed", "import", lesson, None, ""))
    for table, values in rows.items():
        _bulk(conn, table, _COLUMNS[table].split(), values)
    counts[0] += len(rows["enrollment"])
    counts[1] += len(rows["pathway_enrollment"])
    counts[2] += len(rows["lesson_completion"])
    return ids


def _bulk(conn: Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """executemany at the driver: SQLAlchemy's per-value processing would triple the time of a large population."""
    if rows:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        # Table and column names are this module's constants, values go as driver parameters.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # nosec B608
        conn.exec_driver_sql(sql, rows)


def _sqlite_time(value: datetime | None) -> str | None:
    """The text SQLAlchemy stores for a UTC timestamp in SQLite, so reads and comparisons agree."""
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _same(value: datetime | None) -> datetime | None:
    return value

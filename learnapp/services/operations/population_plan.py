"""Services: one generated learner's plan (courses, pathways, completions), drawn from that learner's own seed."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from learnapp.domain.content import Catalog, Course, Pathway

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
_FIRST = (
    "Ada Alan Amara Ben Chen Chloe Dara Diego Elif Emma Farah Felix Grace Hana Ines Ivan Jada Jonas Kai Kofi Lena Liam"
    " Maya Mateo Nadia Noah Olga Omar Priya Quinn Rosa Sami Sara Tariq Uma Victor Wen Yara Yusuf Zoe"
)
_LAST = (
    "Abe Baker Costa Dubois Eze Fischer Garcia Haddad Ito Jensen Khan Larsen Mendes Novak Okafor Park Quispe Rossi"
    " Silva Tanaka Ueda Varga Weber Xu Yilmaz Zhang"
)
FIRST, LAST = tuple(_FIRST.split()), tuple(_LAST.split())


@dataclass(frozen=True)
class Shape:
    """What every plan draws from: the courses in catalog order with their countable lessons, and the pathways."""

    courses: tuple[Course, ...]
    lessons: tuple[tuple[int, ...], ...]  # countable lesson ids per course, in course order
    # The chance to stop before a lesson is highest at the start: this boost per position, computed once.
    boosts: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    pathways: tuple[tuple[int, frozenset[int]], ...]  # (pathway id, its course ids)
    course_of: dict[int, Course]  # every course and pathway of the catalog by id, for their progress
    pathway_of: dict[int, Pathway]

    @classmethod
    def of(cls, catalog: Catalog) -> Shape:
        courses = tuple(c for c in catalog.courses if c.countable_ids)
        lessons = tuple(tuple(lesson.id for lesson in c.lessons if lesson.countable) for c in courses)
        boosts = tuple(tuple(1 + 1.5 * math.exp(-p / 2) for p in range(len(ids))) for ids in lessons)
        weights = tuple(1 / (1 + 0.35 * position) for position in range(len(courses)))
        pathways = tuple((p.id, frozenset(c.id for c in p.courses)) for p in catalog.pathways if p.courses)
        course_of, pathway_of = {c.id: c for c in catalog.courses}, {p.id: p for p in catalog.pathways}
        return cls(courses, lessons, boosts, weights, pathways, course_of, pathway_of)


@dataclass
class Plan:
    """One learner: times are microseconds since the epoch (UTC), so the hot loop does float arithmetic only."""

    email: str
    name: str
    created_at: int
    courses: list[tuple[int, int, int | None, int | None]] = field(default_factory=list)  # id, enrolled, last, at
    pathways: list[tuple[int, int]] = field(default_factory=list)  # id, enrolled
    facts: dict[int, int] = field(default_factory=dict)  # lesson id -> completed at


def email_of(index: int, seed: int) -> str:
    return f"learner{index:06d}.s{seed}@population.example"


def plan(shape: Shape, index: int, seed: int, enrollments: int, days: int, now: int) -> Plan:
    """Learner `index` of population `seed`: its own random stream, so any batching yields the same learner."""
    rng = random.Random((seed << 32) | index)
    grit = rng.lognormvariate(0, 0.6)  # how far and how fast this learner goes
    chosen = _weighted_sample(rng, len(shape.courses), list(shape.weights), min(enrollments, len(shape.courses)))
    starts = sorted(now - int(rng.uniform(0.05, days) * DAY_US) for _ in chosen)
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    learner = Plan(email_of(index, seed), name, starts[0] - int(rng.uniform(0, 72) * HOUR_US))
    for position, enrolled_at in zip(chosen, starts, strict=True):
        _study(rng, learner, shape, position, enrolled_at, grit, now)
    enrolled = {shape.courses[position].id: at for position, at in zip(chosen, starts, strict=True)}
    for pathway_id, course_ids in shape.pathways:
        if course_ids <= enrolled.keys() and rng.random() < 0.6:
            learner.pathways.append((pathway_id, min(enrolled[c] for c in course_ids)))
    return learner


def _weighted_sample(rng: random.Random, count: int, weights: list[float], k: int) -> list[int]:
    pool, chosen = list(range(count)), []
    for _ in range(k):
        pick = rng.uniform(0, sum(weights))
        for position, weight in enumerate(weights):
            pick -= weight
            if pick <= 0 or position == len(weights) - 1:
                chosen.append(pool.pop(position))
                weights.pop(position)
                break
    return chosen


def _study(
    rng: random.Random, learner: Plan, shape: Shape, position: int, enrolled_at: int, grit: float, now: int
) -> None:
    """Lessons in course order; the chance to stop is highest at the start and shrinks with grit."""
    lessons, boosts, course = shape.lessons[position], shape.boosts[position], shape.courses[position]
    n = len(lessons)
    hazard = (0.3 / n + 0.004) / grit
    pace = rng.lognormvariate(math.log(5 * math.sqrt(n / 5)), 0.5) / grit / n * DAY_US  # mean µs between lessons
    at = enrolled_at + rng.expovariate(1 / 20) * HOUR_US
    last_lesson: int | None = None
    last_at: int | None = None
    facts, random_, log = learner.facts, rng.random, math.log
    if rng.random() >= min(0.5, 0.12 / grit):  # some never start
        for lesson, boost in zip(lessons, boosts, strict=True):
            if random_() < hazard * boost:
                break
            at -= log(1.0 - random_()) * pace  # exponential gap, as random.expovariate draws it
            if at >= now:
                break
            last_lesson, last_at = lesson, facts.setdefault(lesson, int(at))
    learner.courses.append((course.id, enrolled_at, last_lesson, last_at))

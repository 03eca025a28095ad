"""Persistence: a batch of generated learners' rows in the form each database loads fastest (COPY data, JSON)."""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

# Times below are integers, microseconds since the epoch (UTC): the planning loop does integer arithmetic only.


class CourseRow(NamedTuple):
    """A course enrollment with its stored progress as the engine computes it (first completion = completion)."""

    course_id: int
    enrolled_at: int
    last_lesson_id: int | None
    last_accessed_at: int | None
    completed: int
    total: int
    percent: int
    complete: bool
    completed_at: int | None


class PathwayRow(NamedTuple):
    pathway_id: int
    enrolled_at: int
    completed: int
    total: int
    percent: int
    courses_completed: int
    courses_total: int
    complete: bool
    completed_at: int | None


@dataclass(frozen=True)
class LearnerRows:
    """One generated learner: their account, enrollments with stored progress, and facts (lesson, at) by lesson."""

    email: str
    name: str
    created_at: int
    courses: list[CourseRow]
    pathways: list[PathwayRow]
    facts: list[tuple[int, int]]


@dataclass(frozen=True)
class Encoded:
    """A batch's rows, encoded off the writing thread, its learners numbered from `first` on.

    PostgreSQL: `first` is the first of the learner ids drawn for the batch; every table's rows are COPY data (text
    for the few account and enrollment rows, binary for the many facts, the history and activity days: nothing to
    parse; `facts` holds those three, each learner's history in its key's order). SQLite: learners are numbered
    from 0 (their ids are known only under the write lock, and added in SQL), each table's rows are one JSON text,
    times in their stored form (integer microseconds), a fact one string; history and activity days are read back
    from the rows written.
    """

    first: int
    learners: Any
    courses: Any
    pathways: Any
    facts: Any
    counts: tuple[int, int, int]  # course enrollments, pathway enrollments, facts


LEARNER_COLUMNS = "id email name password_hash role time_zone created_at progress_version"
COURSE_COLUMNS = (
    "learner_id course_id enrolled_at last_lesson_id last_accessed_at completed total percent is_complete"
    " completed_at first_completed_at updated_at"
)
PATHWAY_COLUMNS = (
    "learner_id pathway_id enrolled_at last_accessed_at completed total percent courses_completed courses_total"
    " is_complete completed_at first_completed_at updated_at"
)
FACT_COLUMNS = "learner_id lesson_id completed_at source"
# SQLite: a fact is one string (learner position and lesson id at fixed widths, then the stored moment's digits):
# cutting it in SQL costs half what taking three values out of a JSON array does, and facts are most of a batch.
FACT_LEARNER_DIGITS, FACT_LESSON_DIGITS = 7, 10
HISTORY_COLUMNS = "at learner_id actor_id action source lesson_id course_id pathway_id detail"

# PostgreSQL's binary COPY: a header, per row the field count then each field's length and bytes (-1: NULL), and a
# trailer. Integers are big-endian; a timestamptz is microseconds since 2000-01-01 UTC.
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_Y2K = 946_684_800_000_000
_FACT = struct.Struct(">hiiiiiqi6s")  # learner, lesson, completed at, 'import'
_DAY = struct.Struct(">hiiiiii")  # an activity day: learner, day (days since 2000-01-01), lesson
_DAY_US = 86_400_000_000
_DONE = b"completed"
_COMPLETED = struct.Struct(">hiqiiiii9si6siiiii")  # a fact's history row: 'completed', 'import', no course, no path
_ENROLLED = struct.Struct(">hiqiiiii8si6siiiii")  # an enrollment's: 'enrolled', 'import', its course or its pathway


def encode(learners: Sequence[LearnerRows], first: int, postgres: bool, password_hash: str) -> Encoded:
    """The rows of these learners as the dialect's writer takes them, learners numbered from `first`."""
    counts = (
        sum(len(r.courses) for r in learners),
        sum(len(r.pathways) for r in learners),
        sum(len(r.facts) for r in learners),
    )
    if postgres:
        return _postgres(learners, first, password_hash, counts)
    return _sqlite(learners, password_hash, counts)


def _postgres(learners: Sequence[LearnerRows], first: int, password_hash: str, counts: tuple[int, int, int]) -> Encoded:
    accounts, courses, pathways = [], [], []
    facts, history, days = [_HEADER], [_HEADER], [_HEADER]
    fact, completed, enrolled, day = _FACT.pack, _COMPLETED.pack, _ENROLLED.pack, _DAY.pack
    for learner, r in enumerate(learners, start=first):
        _plain(r.email, r.name, password_hash)
        accounts.append(f"{learner}\t{r.email}\t{r.name}\t{password_hash}\tlearner\tUTC\t{_text(r.created_at)}\t0\n")
        # The learner's history in its key's order (at, then the id COPY gives): the index takes each entry on its
        # right edge and fills its pages, instead of splitting them (it was left half empty).
        events: list[tuple[int, bytes]] = []
        for c in r.courses:
            at, since = _text(c.completed_at), _text(c.enrolled_at)
            courses.append(
                f"{learner}\t{c.course_id}\t{since}\t{_null(c.last_lesson_id)}\t{_text(c.last_accessed_at)}"
                f"\t{c.completed}\t{c.total}\t{c.percent}\t{'t' if c.complete else 'f'}\t{at}\t{at}\t{since}\n"
            )
            stamp = c.enrolled_at - _Y2K
            row = enrolled(9, 8, stamp, 4, learner, 4, learner, 8, b"enrolled", 6, b"import", -1, 4, c.course_id, -1, 0)
            events.append((stamp, row))
        for p in r.pathways:
            at, since = _text(p.completed_at), _text(p.enrolled_at)
            pathways.append(
                f"{learner}\t{p.pathway_id}\t{since}\t\\N\t{p.completed}\t{p.total}\t{p.percent}"
                f"\t{p.courses_completed}\t{p.courses_total}\t{'t' if p.complete else 'f'}\t{at}\t{at}\t{since}\n"
            )
            stamp = p.enrolled_at - _Y2K
            row = enrolled(
                9, 8, stamp, 4, learner, 4, learner, 8, b"enrolled", 6, b"import", -1, -1, 4, p.pathway_id, 0
            )
            events.append((stamp, row))
        for lesson, moment in r.facts:
            stamp = moment - _Y2K
            facts.append(fact(4, 4, learner, 4, lesson, 8, stamp, 6, b"import"))
            events.append(
                (stamp, completed(9, 8, stamp, 4, learner, 4, learner, 9, _DONE, 6, b"import", 4, lesson, -1, -1, 0))
            )
            days.append(day(3, 4, learner, 4, stamp // _DAY_US, 4, lesson))  # its UTC day: generated learners' zone
        events.sort(key=itemgetter(0))  # stable: an enrollment stays before a completion at the same moment
        history.extend(row for _, row in events)
    rows = ("".join(accounts).encode(), "".join(courses).encode(), "".join(pathways).encode())
    copied = tuple(b"".join(part) + _TRAILER for part in (facts, history, days))
    return Encoded(first, *rows, copied, counts)


def _sqlite(learners: Sequence[LearnerRows], password_hash: str, counts: tuple[int, int, int]) -> Encoded:
    if len(learners) > 10**FACT_LEARNER_DIGITS:
        raise ValueError(f"a batch of at most {10**FACT_LEARNER_DIGITS:,} learners")
    accounts: list[tuple[Any, ...]] = []
    courses: list[tuple[Any, ...]] = []
    pathways: list[tuple[Any, ...]] = []
    facts: list[str] = []
    # Moments as SQLite stores them (tables.UTCDateTime): the plan's microseconds since 1970, as they are.
    for learner, r in enumerate(learners):
        accounts.append((learner, r.email, r.name, password_hash, r.created_at))
        for c in r.courses:
            courses.append(
                (learner, c.course_id, c.enrolled_at, c.last_lesson_id, c.last_accessed_at, c.completed, c.total)
                + (c.percent, int(c.complete), c.completed_at)
            )
        for p in r.pathways:
            pathways.append(
                (learner, p.pathway_id, p.enrolled_at, p.completed, p.total, p.percent, p.courses_completed)
                + (p.courses_total, int(p.complete), p.completed_at)
            )
        facts.extend(f"{learner:07d}{lesson:010d}{moment}" for lesson, moment in r.facts)
    dumps = json.dumps
    return Encoded(0, dumps(accounts), dumps(courses), dumps(pathways), dumps(facts), counts)


def _plain(*values: str) -> None:
    """COPY text carries these as they are: none may hold a tab, a line break or a backslash."""
    for value in values:
        if any(c in value for c in "\t\n\r\\"):
            raise ValueError(f"not plain text for COPY: {value!r}")


def _null(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def _text(micros: int | None) -> str:
    """COPY text of a UTC moment (or NULL)."""
    return "\\N" if micros is None else stored_text(micros) + "+00"


@lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d ")


def stored_text(micros: int) -> str:
    """A UTC moment in microseconds as text ('2026-11-20 12:00:00.000000'): PostgreSQL's COPY reads it."""
    seconds, fraction = divmod(micros, 1_000_000)
    day, second = divmod(seconds, 86_400)
    hour, second = divmod(second, 3_600)
    minute, second = divmod(second, 60)
    return f"{_day(day)}{hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}"

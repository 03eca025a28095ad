"""Persistence: what one learner's screens show, read in one read transaction into one plain frozen object."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import Flag, auto

from sqlalchemy import Connection, bindparam, func, select

from learnapp.domain.content import Catalog
from learnapp.persistence import certs
from learnapp.persistence.activity import activity, learner_zone
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import PATHWAY_COUNTS, STORED_COLUMNS, StoredProgress, done_ids
from learnapp.persistence.handles import COMPLETION, ENROLLMENT, LESSON_TIME, PATHWAY_ENROLLMENT
from learnapp.persistence.notices import Notice, recent_notices, unread_count
from learnapp.persistence.outbox import progress_version


class Part(Flag):
    """What a read holds beyond the catalog, the facts and the stored rows (which every read holds)."""

    NONE = 0
    ACCESS = auto()  # when each enrollment began and was last opened, and the learner's time zone
    RECORDS = auto()  # when and from where each completed lesson was completed
    CERTIFICATES = auto()
    NOTICES = auto()  # the bell's unread count and its latest notices
    STATS = auto()  # activity days, time spent and the learner's time zone


@dataclass(frozen=True, slots=True)
class Access:
    """When an enrollment began and was last opened; a course's also names the lesson opened last."""

    kind: str
    node_id: int
    enrolled_at: datetime
    last_accessed_at: datetime | None
    last_lesson_id: int | None = None


@dataclass(frozen=True, slots=True)
class LessonRecord:
    completed_at: datetime
    source: str


@dataclass(frozen=True)
class LearnerRead:
    """One learner as of one transaction: nobody's (learner_id None) reads the catalog alone, nothing done."""

    learner_id: int | None
    catalog: Catalog
    version: int = 0  # the learner's progress version this read was taken at
    # Lesson ids the learner holds complete (retired lessons included); read-only, as every field here.
    done: Set[int] = frozenset()
    # Every stored row of the learner by node id, retired nodes included (their counts still count in stats).
    courses: Mapping[int, StoredProgress] = field(default_factory=dict)
    pathways: Mapping[int, StoredProgress] = field(default_factory=dict)
    parts: Part = Part.NONE
    access: tuple[Access, ...] = ()
    zone: tzinfo = UTC
    records: Mapping[int, LessonRecord] = field(default_factory=dict)  # by lesson id
    certificates: tuple[certs.CertificateRow, ...] = ()
    unread: int = 0
    notices: tuple[Notice, ...] = ()  # the most recent, newest first
    activity: Set[tuple[date, int]] = frozenset()  # (local day, lesson)
    seconds_spent: int = 0


# Built once: SQLAlchemy reuses their compiled form. A learner has few enrollments: all of them are read.
_COURSE_ROWS = select(ENROLLMENT.c.id, ENROLLMENT.c.course_id, *(ENROLLMENT.c[n] for n in STORED_COLUMNS)).where(
    ENROLLMENT.c.learner_id == bindparam("learner")
)
_PATHWAY_ROWS = select(
    PATHWAY_ENROLLMENT.c.id,
    PATHWAY_ENROLLMENT.c.pathway_id,
    *(PATHWAY_ENROLLMENT.c[n] for n in (*STORED_COLUMNS, *PATHWAY_COUNTS)),
).where(PATHWAY_ENROLLMENT.c.learner_id == bindparam("learner"))
_COURSE_ACCESS = select(
    ENROLLMENT.c.course_id, ENROLLMENT.c.enrolled_at, ENROLLMENT.c.last_accessed_at, ENROLLMENT.c.last_lesson_id
).where(ENROLLMENT.c.learner_id == bindparam("learner"))
_PATHWAY_ACCESS = select(
    PATHWAY_ENROLLMENT.c.pathway_id, PATHWAY_ENROLLMENT.c.enrolled_at, PATHWAY_ENROLLMENT.c.last_accessed_at
).where(PATHWAY_ENROLLMENT.c.learner_id == bindparam("learner"))
_RECORDS = select(COMPLETION.c.lesson_id, COMPLETION.c.completed_at, COMPLETION.c.source).where(
    COMPLETION.c.learner_id == bindparam("learner")
)
_SECONDS = select(func.coalesce(func.sum(LESSON_TIME.c.seconds), 0)).where(
    LESSON_TIME.c.learner_id == bindparam("learner")
)


def read_learner(db: Database, learner_id: int | None, parts: Part = Part.NONE) -> LearnerRead:
    """The learner's read in its own read transaction."""
    with db.snapshot() as conn:
        return learner_read(conn, learner_id, parts)


def learner_read(conn: Connection, learner_id: int | None, parts: Part = Part.NONE) -> LearnerRead:
    """The learner's read inside the caller's transaction (a click reads it in the transaction that recorded it)."""
    catalog = current_catalog(conn)
    if not learner_id:
        return LearnerRead(None, catalog)
    who = {"learner": learner_id}
    version = progress_version(conn, learner_id)
    done = done_ids(conn, learner_id)  # not copied: a click reads it
    courses = {row[1]: StoredProgress(*row) for row in conn.execute(_COURSE_ROWS, who)}
    pathways = {row[1]: StoredProgress(*row) for row in conn.execute(_PATHWAY_ROWS, who)}
    access: tuple[Access, ...] = ()
    zone: tzinfo = UTC
    records: dict[int, LessonRecord] = {}
    issued: tuple[certs.CertificateRow, ...] = ()
    unread = 0
    notices: tuple[Notice, ...] = ()
    days: Set[tuple[date, int]] = frozenset()
    seconds = 0
    if parts & Part.ACCESS:
        access = (
            *(Access("course", *row) for row in conn.execute(_COURSE_ACCESS, who)),
            *(Access("pathway", *row) for row in conn.execute(_PATHWAY_ACCESS, who)),
        )
    if parts & (Part.ACCESS | Part.STATS):
        zone = learner_zone(conn, learner_id)
    if parts & Part.RECORDS:
        records = {lesson: LessonRecord(at, source) for lesson, at, source in conn.execute(_RECORDS, who)}
    if parts & Part.CERTIFICATES:
        issued = tuple(certs.find(conn, learner_id=learner_id))
    if parts & Part.NOTICES:
        unread, notices = unread_count(conn, learner_id), tuple(recent_notices(conn, learner_id))
    if parts & Part.STATS:
        days = activity(conn, learner_id)
        seconds = int(conn.execute(_SECONDS, who).scalar() or 0)
    return LearnerRead(
        learner_id,
        catalog,
        version,
        done,
        courses,
        pathways,
        parts,
        access,
        zone,
        records,
        issued,
        unread,
        notices,
        days,
        seconds,
    )

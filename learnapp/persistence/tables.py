"""Persistence: every SQLModel table of learnapp, in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    UniqueConstraint,
    type_coerce,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from learnapp.domain.clock import utcnow

# SQLite: a table stored in its primary key's order (no rowid, no second copy of the key in an index), for the big
# per-learner tables whose key starts with the learner: one learner's rows share a page or two, so a click on a
# million-learner database reads few pages, and the tables stay small enough for the page cache. PostgreSQL: nothing.
LEARNER_CLUSTERED: dict[str, Any] = {"sqlite_with_rowid": False}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always reads back an aware datetime.

    PostgreSQL: a timestamptz. SQLite (which knows no time type): microseconds since 1970 as an integer, 8 bytes
    where SQLAlchemy's text would take 26, so the big per-learner tables stay small enough for the page cache; SQL
    reads them as `moment / 1000000, 'unixepoch'` (unix_seconds).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        check = self.process_bind_param

        def to_micros(value: datetime | None) -> int | None:
            moment = check(value, dialect)
            return None if moment is None else micros_of(moment)

        return to_micros

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return moment_of

    def literal_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().literal_processor(dialect)
        check = self.process_bind_param

        def as_literal(value: datetime) -> str:
            moment = check(value, dialect)
            return "NULL" if moment is None else str(micros_of(moment))

        return as_literal


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros_of(moment: datetime) -> int:
    """An aware moment as SQLite stores it: whole microseconds since 1970-01-01 UTC (exact, no float on the way)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def unix_seconds(moment: Any) -> Any:
    """SQLite, in SQL: a stored moment as whole seconds since 1970, for date(…, 'unixepoch') and strftime."""
    return type_coerce(moment, Integer) // 1_000_000


@overload
def moment_of(value: int) -> datetime: ...
@overload
def moment_of(value: None) -> None: ...
def moment_of(value: int | None) -> datetime | None:
    """The aware UTC moment SQLite's integer stands for."""
    return None if value is None else _EPOCH + timedelta(microseconds=int(value))


def Moment(*, optional: bool = False, **kwargs: Any) -> Any:  # noqa: N802 - reads like a type
    """A timestamp column stored as UTC."""
    if optional:
        return Field(default=None, sa_type=UTCDateTime, **kwargs)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Learner(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=256)
    role: str = Field(default="learner", max_length=16)
    time_zone: str = Field(default="UTC", max_length=64)
    created_at: datetime = Moment()
    # Bumped in the transaction of every change to the learner's facts or stored progress: a tab shown version N
    # ignores a push read before N, and outbound messages carry it so a receiver can order them.
    progress_version: int = Field(default=0, sa_type=BigInteger)


class CatalogState(SQLModel, table=True):
    """A single row whose version changes whenever imported content changes the tree."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0
    updated_at: datetime = Moment()


class PathwayRow(SQLModel, table=True):
    __tablename__ = "pathway"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    title: str = Field(max_length=200)
    description: str = ""
    position: int = 0
    retired: bool = False


class CourseRow(SQLModel, table=True):
    __tablename__ = "course"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    title: str = Field(max_length=200)
    description: str = ""
    position: int = 0
    retired: bool = False


class ModuleRow(SQLModel, table=True):
    __tablename__ = "module"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    title: str = Field(max_length=200)
    description: str = ""
    retired: bool = False


class LessonRow(SQLModel, table=True):
    __tablename__ = "lesson"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)
    module_id: int = Field(foreign_key="module.id", index=True)
    position: int = 0
    title: str = Field(max_length=200)
    description: str = ""
    kind: str = Field(default="article", max_length=16)
    body: str = ""
    video_url: str | None = None
    minutes: int = 0
    preview: bool = False
    retired: bool = False


class PathwayCourse(SQLModel, table=True):
    __tablename__ = "pathway_course"
    pathway_id: int = Field(foreign_key="pathway.id", primary_key=True)
    course_id: int = Field(foreign_key="course.id", primary_key=True)
    position: int = 0


class CourseModule(SQLModel, table=True):
    __tablename__ = "course_module"
    course_id: int = Field(foreign_key="course.id", primary_key=True)
    module_id: int = Field(foreign_key="module.id", primary_key=True)
    position: int = 0


class ProgressColumns(SQLModel):
    """The derived columns both enrollments store (first in each model; the tables keep their own order)."""

    is_complete: bool = False
    completed_at: datetime | None = Moment(optional=True)
    first_completed_at: datetime | None = Moment(optional=True)
    # An accepted claim's time (within the tolerance of the inferred one), kept by recomputes while it stays near.
    claimed_at: datetime | None = Moment(optional=True)
    updated_at: datetime = Moment()


class Enrollment(ProgressColumns, table=True):
    """A learner's enrollment in a course, with the stored (derived) progress beside it."""

    __table_args__ = (UniqueConstraint("learner_id", "course_id"),)
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    course_id: int = Field(foreign_key="course.id", index=True)
    enrolled_at: datetime = Moment()
    last_lesson_id: int | None = Field(default=None, foreign_key="lesson.id")
    last_accessed_at: datetime | None = Moment(optional=True)
    completed: int = 0
    total: int = 0
    percent: int = 0


class PathwayEnrollment(ProgressColumns, table=True):
    """A learner's enrollment in a pathway, with its stored (derived) progress."""

    __tablename__ = "pathway_enrollment"
    __table_args__ = (UniqueConstraint("learner_id", "pathway_id"),)
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    pathway_id: int = Field(foreign_key="pathway.id", index=True)
    enrolled_at: datetime = Moment()
    last_accessed_at: datetime | None = Moment(optional=True)
    completed: int = 0
    total: int = 0
    percent: int = 0
    courses_completed: int = 0
    courses_total: int = 0


class LessonCompletion(SQLModel, table=True):
    """The fact: one row per (learner, lesson), never duplicated."""

    __tablename__ = "lesson_completion"
    __table_args__ = (
        CheckConstraint("source IN ('ui', 'api', 'import', 'admin')", name="completion_source"),
        LEARNER_CLUSTERED,
    )
    # The key is the learner's: every learner-facing read is "this learner's facts", and SQLite keeps them together.
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    lesson_id: int = Field(foreign_key="lesson.id", primary_key=True, index=True)
    completed_at: datetime = Moment()
    source: str = Field(default="ui", max_length=8)


class ProgressHistory(SQLModel, table=True):
    """Append-only log of every progress change, so any state can be explained."""

    __tablename__ = "progress_history"
    # Read only by learner (newest first, or the latest moment): the key leads with the learner and its time, so no
    # second index is needed. `id` breaks ties: PostgreSQL's sequence; on SQLite, one more than the learner's last
    # (persistence.history_ids), since a table without rowids numbers nothing itself.
    __table_args__ = (PrimaryKeyConstraint("learner_id", "at", "id"), LEARNER_CLUSTERED)
    id: int | None = Field(default=None, nullable=False, sa_column_kwargs={"autoincrement": True})
    at: datetime = Moment()
    learner_id: int = Field(foreign_key="learner.id")
    actor_id: int | None = Field(default=None, foreign_key="learner.id")
    action: str = Field(max_length=32)
    source: str = Field(max_length=8)
    lesson_id: int | None = Field(default=None, foreign_key="lesson.id")
    course_id: int | None = Field(default=None, foreign_key="course.id")
    pathway_id: int | None = Field(default=None, foreign_key="pathway.id")
    detail: str = ""


class LessonTime(SQLModel, table=True):
    """Seconds a learner spent with a lesson open and visible, per lesson and local day (the learner's zone)."""

    __tablename__ = "lesson_time"
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    lesson_id: int = Field(foreign_key="lesson.id", primary_key=True)
    day: date = Field(primary_key=True)
    seconds: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Moment()


class ActivityDay(SQLModel, table=True):
    """A lesson completed on a calendar day in the learner's zone: kept when the completion is undone (streaks)."""

    __tablename__ = "activity_day"
    __table_args__ = (LEARNER_CLUSTERED,)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    day: date = Field(primary_key=True)
    lesson_id: int = Field(foreign_key="lesson.id", primary_key=True)


class LoginSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its cookie secret is stored."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Moment()
    expires_at: datetime = Moment()
    last_seen_at: datetime = Moment()
    # What the learner sees in their list of sessions ("Firefox on Linux, last seen ...").
    user_agent: str = Field(default="", max_length=300)


class Notification(SQLModel, table=True):
    """A message for one learner; the dedupe key makes each milestone happen at most once."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("learner_id", "dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    dedupe_key: str = Field(max_length=160)
    title: str = Field(max_length=200)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Moment()
    read_at: datetime | None = Moment(optional=True)


class Certificate(SQLModel, table=True):
    """One per learner and course (or pathway), queued at completion and rendered off the click path."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("learner_id", "node_kind", "node_id"),
        CheckConstraint("status IN ('pending', 'working', 'issued', 'failed')", name="certificate_status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    node_kind: str = Field(max_length=8)  # "course" or "pathway"
    node_id: int
    code: str = Field(unique=True, max_length=32)
    status: str = Field(default="pending", max_length=8, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Moment()
    last_error: str = ""
    completed_at: datetime = Moment()
    issued_at: datetime | None = Moment(optional=True)
    created_at: datetime = Moment()
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)
    # As issued: renaming the account or the course later does not change what /verify/<code> shows.
    holder_name: str = Field(default="", max_length=120)
    title: str = Field(default="", max_length=200)
    # The holder's time zone when the node was completed: the certificate's date is that day there, for good.
    time_zone: str = Field(default="UTC", max_length=64)


class ApiToken(SQLModel, table=True):
    """A bearer token for the REST API: only the SHA-256 of its secret is stored, plus a prefix to recognise it."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=16)
    created_at: datetime = Moment()
    last_used_at: datetime | None = Moment(optional=True)
    revoked_at: datetime | None = Moment(optional=True)
    expires_at: datetime | None = Moment(optional=True)


class ClientEvent(SQLModel, table=True):
    """A client event applied through the API: its id makes a resend a no-op (same body) or a conflict."""

    __tablename__ = "client_event"
    __table_args__ = (UniqueConstraint("learner_id", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id")
    event_id: str = Field(max_length=128)
    body_hash: str = Field(max_length=64)
    response: str = ""
    created_at: datetime = Moment()


class OperationRun(SQLModel, table=True):
    """Every operator run (recalculate, progress import, rollback, export): who, when, arguments, outcome."""

    __tablename__ = "operation_run"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24, index=True)
    actor: str = Field(max_length=120)
    arguments: str = "{}"
    status: str = Field(default="running", max_length=16)
    started_at: datetime = Moment()
    finished_at: datetime | None = Moment(optional=True)
    summary: str = "{}"
    # The last learner id whose batch committed: an interrupted run resumes after it.
    cursor: int = 0
    folder: str = ""


class ProgressSync(SQLModel, table=True):
    """When a learner's stored progress was last recomputed by recalculate (for --skip-synced)."""

    __tablename__ = "progress_sync"
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    synced_at: datetime = Moment()
    catalog_version: int = 0


class ImportedFact(SQLModel, table=True):
    """A completion created by a legacy import run, so a rollback removes exactly those."""

    __tablename__ = "imported_fact"
    run_id: int = Field(foreign_key="operation_run.id", primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    lesson_id: int = Field(foreign_key="lesson.id", primary_key=True)


class ImportedEnrollment(SQLModel, table=True):
    """An enrollment created by a legacy import run (course or pathway)."""

    __tablename__ = "imported_enrollment"
    run_id: int = Field(foreign_key="operation_run.id", primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    node_kind: str = Field(max_length=8, primary_key=True)
    node_id: int = Field(primary_key=True)


class LearnerSnapshotRow(SQLModel, table=True):
    """A learner's facts and stored progress before and after an import run, as JSON."""

    __tablename__ = "learner_snapshot"
    run_id: int = Field(foreign_key="operation_run.id", primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    before: str = "{}"
    after: str = "{}"


class OutboxEvent(SQLModel, table=True):
    """Something that happened to a learner's progress, written in the transaction that made it happen.

    Email, webhook and xAPI delivery read it after commit; a rolled-back change leaves no event behind.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_learner", "learner_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=36)  # a UUID derived from the cause: stable across retries
    topic: str = Field(max_length=40)
    learner_id: int = Field(foreign_key="learner.id")
    version: int = Field(sa_type=BigInteger)  # the learner's progress_version this event belongs to
    occurred_at: datetime = Moment()
    payload: str = "{}"  # JSON


class OutboxReceipt(SQLModel, table=True):
    """A consumer (email, webhooks, xAPI) has taken an event into its own queue: once per consumer and event."""

    __tablename__ = "outbox_receipt"
    consumer: str = Field(primary_key=True, max_length=32)
    event_id: int = Field(foreign_key="outbox_event.id", primary_key=True)
    taken_at: datetime = Moment()


# Tables kept beside their own code, imported here so that the metadata (Alembic, the schema tests) holds them all.
from learnapp.persistence import integration_tables as _integration_tables  # noqa: E402,F401
from learnapp.persistence import mail_tables as _mail_tables  # noqa: E402,F401
from learnapp.persistence import stats_tables as _stats_tables  # noqa: E402,F401
from learnapp.persistence import undo_tables as _undo_tables  # noqa: E402,F401

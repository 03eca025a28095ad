"""API: request (…Create) and response (…Public) schemas for accounts, tokens, enrollments and progress."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1
Slug = Annotated[str, Field(min_length=1, max_length=120, examples=["ac-course"])]


def _plausible(moment: datetime) -> datetime:
    if not 2000 <= moment.year < 2100:  # the year as written, so the document's pattern states the rule exactly
        raise ValueError("must be between 2000 and 2100")
    return moment.astimezone(UTC)


# Aware times only: a time without a zone is ambiguous, and completion times are compared to the minute.
# The pattern puts the year rule in the OpenAPI document, so clients (and Schemathesis) know it.
Moment = Annotated[AwareDatetime, AfterValidator(_plausible), Field(json_schema_extra={"pattern": r"^20\d\d-"})]


class CreateModel(BaseModel):
    """Requests refuse unknown fields, so a misspelt field is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class AccountPublic(BaseModel):
    id: int
    email: str
    name: str
    role: Literal["learner", "admin"]
    time_zone: str


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the secret, to recognise the token")
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When the token was last used (null: never); recorded at most once a minute"
    )
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="When the token stops working (null: never expires)")
    active: bool = Field(description="Neither revoked nor expired: it authenticates")


class CourseEnrollmentCreate(CreateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"course": "ac-course"}]})
    course: Slug


class PathwayEnrollmentCreate(CreateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"pathway": "path"}]})
    pathway: Slug = Field(examples=["path"])


EnrollmentCreate = CourseEnrollmentCreate | PathwayEnrollmentCreate


class EnrollmentPublic(BaseModel):
    kind: Literal["course", "pathway"]
    slug: str
    title: str
    enrolled_at: datetime
    last_accessed_at: datetime | None


class CompletionCreate(CreateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"lesson": "b1"}]})
    lesson: Slug = Field(examples=["b1"])
    completed_at: Moment | None = Field(default=None, description="When it happened; now when omitted")


class CompletionPublic(BaseModel):
    lesson: str
    completed_at: datetime
    source: Literal["ui", "api", "import", "admin"]
    created: bool = Field(description="True when this request recorded it; false when it was already recorded")


class Counts(BaseModel):
    completed: int = Field(description="Countable lessons completed")
    total: int = Field(description="Countable lessons")
    percent: int = Field(ge=0, le=100, description="floor(100 × completed / total); 100 only when complete")
    complete: bool


class LessonProgressPublic(BaseModel):
    lesson: str
    title: str
    preview: bool = Field(description="A preview lesson: open to everyone, never counted, cannot be completed")
    complete: bool
    completed_at: datetime | None = Field(description="When the learner completed it (null: not complete)")
    source: Literal["ui", "api", "import", "admin"] | None = Field(
        description="Where the completion came from: the web app, the API, an import or an admin (null: not complete)"
    )


class ModuleProgressPublic(Counts):
    module: str
    title: str
    lessons: list[LessonProgressPublic] | None = Field(
        default=None, description="The module's lessons in order; left out with `?lessons=false`"
    )


class CourseProgressPublic(Counts):
    course: str
    title: str
    enrolled: bool
    completed_at: datetime | None
    next_lesson: str | None
    modules: list[ModuleProgressPublic]


class PathwayProgressPublic(Counts):
    pathway: str
    title: str
    enrolled: bool
    courses_completed: int
    courses_total: int
    completed_at: datetime | None
    next_course: str | None
    next_lesson: str | None
    courses: list[CourseProgressPublic]


class CourseEnrollmentProgress(Counts):
    course: str
    title: str
    enrolled_at: datetime
    last_accessed_at: datetime | None
    completed_at: datetime | None
    first_completed_at: datetime | None
    next_lesson: str | None


class PathwayEnrollmentProgress(Counts):
    pathway: str
    title: str
    courses_completed: int
    courses_total: int
    enrolled_at: datetime
    last_accessed_at: datetime | None
    completed_at: datetime | None
    first_completed_at: datetime | None
    next_course: str | None
    next_lesson: str | None


class LearnerProgressPublic(BaseModel):
    learner_id: int
    courses: list[CourseEnrollmentProgress]
    pathways: list[PathwayEnrollmentProgress]


class NextLessonPublic(BaseModel):
    course: str | None
    lesson: str | None
    url: str | None = Field(description="The lesson player's path in the web app")


class WeekPublic(BaseModel):
    week_start: date
    lessons_completed: int


class StatsPublic(BaseModel):
    courses_enrolled: int
    courses_completed: int
    courses_in_progress: int
    lessons_completed: int
    average_percent: int
    current_streak: int
    longest_streak: int
    seconds_spent: int
    weekly: list[WeekPublic]


class AdminLearnerPublic(BaseModel):
    learner: AccountPublic
    progress: LearnerProgressPublic
    stats: StatsPublic


class RecalculationPublic(BaseModel):
    course: str
    learners: int = Field(description="Learners enrolled in the course, all recomputed")
    rows_changed: int = Field(description="Stored course and pathway rows that differed from the facts")
    completions_reopened: int
    completions_gained: int
    changed_learners: list[int]

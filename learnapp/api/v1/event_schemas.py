"""API: the client event batch: lesson completed / viewed and explicit course or pathway completion claims."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from learnapp.api.v1.schemas import CreateModel, Moment, Slug
from learnapp.services.engine.events import ClientEventIn, EventOutcome

MAX_EVENTS = 100
EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[^\x00-\x1f\x7f]+$",  # printable: it is stored, and PostgreSQL refuses a NUL in text
        description="The client's own id for the event: resending it with the same body is a no-op",
        examples=["evt-0001"],
    ),
]


class LessonCompletedEvent(CreateModel):
    id: EventId
    type: Literal["lesson_completed"]
    lesson: Slug = Field(examples=["b1"])
    occurred_at: Moment | None = None

    def to_service(self) -> ClientEventIn:
        return ClientEventIn(self.id, self.type, self.lesson, self.occurred_at)


class LessonViewedEvent(CreateModel):
    id: EventId
    type: Literal["lesson_viewed"]
    lesson: Slug = Field(examples=["b1"])
    seconds: int = Field(ge=0, le=86_400, description="Seconds the lesson was visible (at most 900 count per event)")
    occurred_at: Moment | None = None

    def to_service(self) -> ClientEventIn:
        return ClientEventIn(self.id, self.type, self.lesson, self.occurred_at, self.seconds)


class CourseCompletedEvent(CreateModel):
    """A claim: accepted only when every module of the course is complete."""

    id: EventId
    type: Literal["course_completed"]
    course: Slug
    occurred_at: Moment | None = Field(default=None, description="Kept when within ±5 minutes of the inferred time")

    def to_service(self) -> ClientEventIn:
        return ClientEventIn(self.id, self.type, self.course, self.occurred_at)


class PathwayCompletedEvent(CreateModel):
    """A claim: accepted only when every course of the pathway is complete."""

    id: EventId
    type: Literal["pathway_completed"]
    pathway: Slug = Field(examples=["path"])
    occurred_at: Moment | None = Field(default=None, description="Kept when within ±5 minutes of the inferred time")

    def to_service(self) -> ClientEventIn:
        return ClientEventIn(self.id, self.type, self.pathway, self.occurred_at)


ClientEventCreate = Annotated[
    LessonCompletedEvent | LessonViewedEvent | CourseCompletedEvent | PathwayCompletedEvent,
    Field(discriminator="type"),
]


class EventBatchCreate(CreateModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {"id": "evt-1", "type": "lesson_viewed", "lesson": "b1", "seconds": 240},
                        {"id": "evt-2", "type": "lesson_completed", "lesson": "b1"},
                        {"id": "evt-3", "type": "course_completed", "course": "ac-course"},
                    ]
                }
            ]
        }
    )
    events: list[ClientEventCreate] = Field(min_length=1, max_length=MAX_EVENTS)


class EventResultPublic(BaseModel):
    id: str
    type: Literal["lesson_completed", "lesson_viewed", "course_completed", "pathway_completed"]
    slug: str = Field(description="The lesson, course or pathway the event is about")
    status: Literal["applied", "duplicate"]
    created: bool | None = Field(description="lesson_completed: whether this event recorded the completion")
    completed_at: datetime | None = Field(description="The completion time recorded or accepted")
    claimed_at: datetime | None
    inferred_at: datetime | None = Field(description="Claims: the latest completion among the node's lessons")
    seconds_added: int | None
    warnings: list[str]

    @classmethod
    def of(cls, outcome: EventOutcome) -> EventResultPublic:
        return cls.model_validate({**outcome.__dict__, "warnings": list(outcome.warnings)})


class EventWarning(BaseModel):
    event_id: str
    message: str


class EventBatchPublic(BaseModel):
    results: list[EventResultPublic]
    warnings: list[EventWarning]

    @classmethod
    def of(cls, outcomes: list[EventOutcome]) -> EventBatchPublic:
        warnings = [EventWarning(event_id=o.id, message=w) for o in outcomes for w in o.warnings]
        return cls(results=[EventResultPublic.of(o) for o in outcomes], warnings=warnings)

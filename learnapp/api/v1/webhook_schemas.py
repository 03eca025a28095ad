"""API: schemas of webhook endpoints, their delivery log, and the bodies learnapp posts to them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from learnapp.api.v1.schemas import CreateModel

Topic = Literal[
    "lesson.completed",
    "lesson.uncompleted",
    "course.completed",
    "pathway.completed",
    "certificate.issued",
    "enrollment.created",
    "progress.reset",
]


class WebhookCreate(CreateModel):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="https only; no private, loopback or link-local address (unless the operator allows it)",
        examples=["https://hooks.example.org/learnapp"],
    )
    events: list[Topic] = Field(min_length=1, max_length=7, examples=[["lesson.completed", "course.completed"]])


class WebhookUpdate(CreateModel):
    enabled: bool = Field(description="true: deliver again (pending deliveries resume); false: pause")


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[str]
    enabled: bool
    failures: int = Field(description="Failed attempts in a row (a success sets it back to 0)")
    disabled_reason: str
    created_at: datetime
    deliveries: dict[str, int] = Field(description="How many deliveries are pending, delivered, failed, ...")


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret (whsec_...), shown this once: keep it at your receiver")


class DeliveryPublic(BaseModel):
    id: int
    event_id: str = Field(description="The event's stable id, sent as the webhook-id header")
    type: str
    learner_id: int
    version: int = Field(description="The learner's progress version of the change")
    status: Literal["pending", "working", "delivered", "failed"]
    attempts: int
    response_code: int | None
    latency_ms: int | None
    last_error: str
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


class WebhookEventData(BaseModel):
    """Always learner_id and version; the rest depends on the type (see the README)."""

    model_config = {"extra": "allow"}
    learner_id: int
    version: int = Field(description="The learner's progress version: order a learner's events by it")


class WebhookBody(BaseModel):
    """What learnapp posts, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)."""

    type: Topic
    timestamp: datetime = Field(description="When the change happened")
    data: WebhookEventData

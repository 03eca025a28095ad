"""Persistence: the tables of outbound integrations: webhook endpoints and deliveries, xAPI statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from learnapp.persistence.tables import Moment


class WebhookEndpoint(SQLModel, table=True):
    """Where an integrator wants events posted (Standard Webhooks), and whether it still answers."""

    __tablename__ = "webhook_endpoint"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    topics: str = Field(max_length=400)  # the wanted event types, comma-separated
    secret: str = Field(max_length=80)  # whsec_<base64>: shown once; kept because signing needs it
    enabled: bool = True
    failures: int = 0  # failed attempts in a row (any success sets it back to 0)
    created_at: datetime = Moment()
    disabled_reason: str = Field(default="", max_length=300)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: queued with the event's fan-out, posted by the worker, retried, logged."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_learner", "endpoint_id", "learner_id", "event_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    event_id: int = Field(foreign_key="outbox_event.id")
    learner_id: int  # copied from the event: a learner's deliveries go out one after another, in order
    status: str = Field(default="pending", max_length=16)  # pending, working, delivered, failed
    attempts: int = 0
    next_attempt_at: datetime = Moment()
    response_code: int | None = None
    latency_ms: int | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Moment()
    delivered_at: datetime | None = Moment(optional=True)


class XapiStatement(SQLModel, table=True):
    """One xAPI statement for one event, built once (a retry or a backfill sends the same body), sent to the LRS."""

    __tablename__ = "xapi_statement"
    __table_args__ = (Index("ix_xapi_statement_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outbox_event.id", unique=True)
    statement_id: str = Field(max_length=36)  # the event's UUID: the LRS keeps one statement per id
    statement: str  # JSON
    status: str = Field(default="pending", max_length=16)  # pending, working, sent, failed
    attempts: int = 0
    next_attempt_at: datetime = Moment()
    response_code: int | None = None
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = Moment(optional=True)

"""Persistence: webhook endpoints, one delivery row per endpoint and event, claimed with a lease, logged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.handles import LEARNER
from learnapp.persistence.handles import WEBHOOK_DELIVERY as DELIVERY
from learnapp.persistence.handles import WEBHOOK_ENDPOINT as ENDPOINT
from learnapp.persistence.lease import Lease
from learnapp.persistence.outbox import EVENT, Event

_LEASE = Lease(DELIVERY, DELIVERY.c.status, "working")
UNFINISHED = ("pending", "working")


@dataclass(frozen=True)
class EndpointRow:
    id: int
    url: str
    topics: str
    secret: str
    enabled: bool
    failures: int
    created_at: datetime
    disabled_reason: str

    @property
    def topic_list(self) -> list[str]:
        return [t for t in self.topics.split(",") if t]


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed delivery with what posting it needs: the endpoint and the event."""

    id: int
    endpoint_id: int
    attempts: int  # before this claim
    url: str
    secret: str
    event_uid: str
    topic: str
    occurred_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class DeliveryLog:
    id: int
    event_id: str  # the event's UUID (the webhook-id header)
    type: str
    learner_id: int
    version: int
    status: str
    attempts: int
    response_code: int | None
    latency_ms: int | None
    last_error: str
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


_ENDPOINT_COLUMNS = [ENDPOINT.c[name] for name in EndpointRow.__dataclass_fields__]


def add_endpoint(conn: Connection, url: str, topics: list[str], secret: str, now: datetime) -> int:
    values = {"url": url, "topics": ",".join(topics), "secret": secret, "enabled": True, "failures": 0}
    added = insert(ENDPOINT).values(**values, created_at=now, disabled_reason="").returning(ENDPOINT.c.id)
    return int(conn.execute(added).scalar_one())


def endpoints(conn: Connection, endpoint_id: int | None = None, enabled_only: bool = False) -> list[EndpointRow]:
    query = select(*_ENDPOINT_COLUMNS).order_by(ENDPOINT.c.id)
    if endpoint_id is not None:
        query = query.where(ENDPOINT.c.id == endpoint_id)
    if enabled_only:
        query = query.where(ENDPOINT.c.enabled.is_(True))
    return [EndpointRow(*row) for row in conn.execute(query)]


def delete_endpoint(conn: Connection, endpoint_id: int) -> bool:
    conn.execute(delete(DELIVERY).where(DELIVERY.c.endpoint_id == endpoint_id))
    return bool(conn.execute(delete(ENDPOINT).where(ENDPOINT.c.id == endpoint_id)).rowcount)  # type: ignore[attr-defined]


def set_enabled(conn: Connection, endpoint_id: int, enabled: bool, reason: str = "") -> bool:
    values: dict[str, Any] = {"enabled": enabled, "disabled_reason": reason[:300]}
    if enabled:
        values["failures"] = 0
    result = conn.execute(update(ENDPOINT).where(ENDPOINT.c.id == endpoint_id).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def queue_deliveries(conn: Connection, events: list[Event], wanted: list[EndpointRow], now: datetime) -> int:
    """One pending delivery per endpoint and event it wants (a repeat inserts nothing); returns how many."""
    rows = [
        {"endpoint_id": e.id, "event_id": ev.id, "learner_id": ev.learner_id, "next_attempt_at": now, "created_at": now}
        for ev in events
        for e in wanted
        if ev.topic in e.topic_list
    ]
    if not rows:
        return 0
    builder: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    defaults = {"status": "pending", "attempts": 0, "last_error": ""}
    conn.execute(builder(DELIVERY).on_conflict_do_nothing(), [{**defaults, **r} for r in rows])
    return len(rows)


def claim_due(conn: Connection, now: datetime, lease: timedelta) -> DeliveryJob | None:
    """The oldest due delivery of an enabled endpoint whose learner has no earlier one unfinished.

    A learner's deliveries to one endpoint go out in the order of the events (so by progress version): a later
    one waits while an earlier one is retried. A 'working' row whose lease ran out is due again.
    """
    earlier = DELIVERY.alias("earlier")
    blocked = (
        select(earlier.c.id)
        .where(
            earlier.c.endpoint_id == DELIVERY.c.endpoint_id,
            earlier.c.learner_id == DELIVERY.c.learner_id,
            earlier.c.event_id < DELIVERY.c.event_id,
            earlier.c.status.in_(UNFINISHED),
        )
        .exists()
    )
    query = (
        select(DELIVERY.c.id, DELIVERY.c.status, DELIVERY.c.attempts, DELIVERY.c.endpoint_id, ENDPOINT.c.url)
        .add_columns(ENDPOINT.c.secret, EVENT.c.event_id, EVENT.c.topic, EVENT.c.occurred_at, EVENT.c.payload)
        .join(ENDPOINT, ENDPOINT.c.id == DELIVERY.c.endpoint_id)
        .join(EVENT, EVENT.c.id == DELIVERY.c.event_id)
        .where(
            DELIVERY.c.status.in_(UNFINISHED),
            DELIVERY.c.next_attempt_at <= now,
            ENDPOINT.c.enabled.is_(True),
            ~blocked,
        )
        .order_by(DELIVERY.c.next_attempt_at, DELIVERY.c.id)
        .limit(1)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    if not _LEASE.claim(conn, row.id, row.status, row.attempts, now, lease):
        return None
    return DeliveryJob(
        row.id,
        row.endpoint_id,
        row.attempts,
        row.url,
        row.secret,
        row.event_id,
        row.topic,
        row.occurred_at,
        json.loads(row.payload),
    )


def finish(
    conn: Connection,
    job: DeliveryJob,
    code: int | None,
    latency_ms: int,
    error: str,
    when: datetime | None,
    now: datetime,
) -> bool:
    """Record an attempt: delivered (no error), pending again at `when`, or failed for good (`when` None)."""
    values: dict[str, Any] = {"response_code": code, "latency_ms": latency_ms, "last_error": error[:500]}
    if not error:
        values.update(status="delivered", delivered_at=now)
    elif when is None:
        values.update(status="failed")
    else:
        values.update(status="pending", next_attempt_at=when)
    held = _LEASE.settle(conn, job.id, job.attempts, values)
    if held:
        failures = 0 if not error else ENDPOINT.c.failures + 1
        conn.execute(update(ENDPOINT).where(ENDPOINT.c.id == job.endpoint_id).values(failures=failures))
    return held


def deliveries(conn: Connection, endpoint_id: int, limit: int = 100) -> list[DeliveryLog]:
    """An endpoint's delivery log, newest first."""
    query = (
        select(DELIVERY.c.id, EVENT.c.event_id, EVENT.c.topic, EVENT.c.learner_id, EVENT.c.version, DELIVERY.c.status)
        .add_columns(DELIVERY.c.attempts, DELIVERY.c.response_code, DELIVERY.c.latency_ms, DELIVERY.c.last_error)
        .add_columns(DELIVERY.c.next_attempt_at, DELIVERY.c.created_at, DELIVERY.c.delivered_at)
        .join(EVENT, EVENT.c.id == DELIVERY.c.event_id)
        .where(DELIVERY.c.endpoint_id == endpoint_id)
        .order_by(DELIVERY.c.id.desc())
        .limit(limit)
    )
    return [DeliveryLog(*row) for row in conn.execute(query)]


def resend(conn: Connection, endpoint_id: int, delivery_id: int, now: datetime) -> bool:
    """Queue a delivery again now, with a fresh retry budget (it keeps its event id: receivers dedupe)."""
    result = conn.execute(
        update(DELIVERY)
        .where(DELIVERY.c.id == delivery_id, DELIVERY.c.endpoint_id == endpoint_id, DELIVERY.c.status != "working")
        .values(status="pending", attempts=0, next_attempt_at=now, last_error="")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def counts(conn: Connection, endpoint_id: int) -> dict[str, int]:
    """How many deliveries of the endpoint are in each status."""
    query = (
        select(DELIVERY.c.status, func.count()).where(DELIVERY.c.endpoint_id == endpoint_id).group_by(DELIVERY.c.status)
    )
    return {status: int(n) for status, n in conn.execute(query)}


def admin_ids(conn: Connection) -> list[int]:
    return list(conn.execute(select(LEARNER.c.id).where(LEARNER.c.role == "admin").order_by(LEARNER.c.id)).scalars())

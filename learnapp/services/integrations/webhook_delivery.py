"""Services: webhook delivery: outbox events fanned out to endpoints, posted signed (Standard Webhooks), retried."""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks.webhooks import Webhook

from learnapp.domain import routes
from learnapp.domain.clock import utcnow
from learnapp.persistence import webhooks as store
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.notices import notify_once
from learnapp.persistence.outbox import take_events
from learnapp.services.integrations.webhook_urls import RefusedUrl, Target, resolve_target

log = logging.getLogger("learnapp.webhooks")
CONSUMER = "webhooks"
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
# After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 6 h (each +-20 %): about a day, then "failed".
RETRY_DELAYS = [timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 21600)]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@dataclass(frozen=True)
class Attempt:
    code: int | None
    latency_ms: int
    error: str  # empty: delivered


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once the day of retries is over."""
    if attempts >= MAX_ATTEMPTS:
        return None
    # Jitter spreads the retries of many deliveries that failed together (an endpoint down) over time.
    return now + RETRY_DELAYS[attempts - 1] * random.uniform(0.8, 1.2)  # noqa: S311 - not for security


def fan_out(db: Database, now: datetime | None = None, limit: int = 200) -> int:
    """Take new outbox events and queue one delivery per enabled endpoint wanting each, in one transaction."""
    moment = now or utcnow()
    with db.transaction() as conn:
        events = take_events(conn, CONSUMER, moment, limit)
        wanted = store.endpoints(conn, enabled_only=True) if events else []
        return store.queue_deliveries(conn, events, wanted, moment)


def body_of(job: store.DeliveryJob) -> str:
    """{type, timestamp, data}: data is the event's payload, with the learner's id and progress version."""
    stamp = job.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": job.topic, "timestamp": stamp, "data": job.payload}, separators=(",", ":"))


def signed_headers(secret: str, event_uid: str, body: str, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers: the event's stable id, the send time, the HMAC-SHA256 signature."""
    return {
        "webhook-id": event_uid,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_uid, at, body),
        "content-type": "application/json",
        "user-agent": "learnapp-webhooks/1",
    }


def post(target: Target, body: str, headers: dict[str, str]) -> Attempt:
    """POST to the checked address itself (the name is not looked up again), redirects not followed."""
    pinned = httpx.URL(target.url).copy_with(host=target.address, port=target.port)
    default_port = 443 if target.scheme == "https" else 80
    named = target.host if target.port == default_port else f"{target.host}:{target.port}"
    started = time.perf_counter()
    try:
        with httpx.Client(follow_redirects=False, timeout=TIMEOUT_SECONDS, trust_env=False) as client:
            response = client.post(
                pinned,
                content=body.encode(),
                headers={**headers, "host": named},
                extensions={"sni_hostname": target.host},
            )
    except httpx.HTTPError as error:
        return Attempt(None, _ms(started), f"{type(error).__name__}: {error}")
    ok = 200 <= response.status_code < 300
    return Attempt(response.status_code, _ms(started), "" if ok else f"HTTP {response.status_code}")


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def deliver_due(db: Database, now: datetime | None = None, limit: int = 50) -> int:
    """Post due deliveries, one at a time (at most `limit`); returns how many were delivered."""
    delivered = 0
    for _ in range(limit):
        moment = now or utcnow()
        with db.transaction() as conn:
            job = store.claim_due(conn, moment, LEASE)
        if job is None:
            break
        attempt = _attempt(job)
        delivered += _record(db, job, attempt, moment)
    return delivered


def _attempt(job: store.DeliveryJob) -> Attempt:
    try:
        target = resolve_target(job.url)  # again at delivery: the name may point elsewhere since it was added
    except RefusedUrl as refused:
        return Attempt(None, 0, refused.message)
    body = body_of(job)
    return post(target, body, signed_headers(job.secret, job.event_uid, body, utcnow()))


def _record(db: Database, job: store.DeliveryJob, attempt: Attempt, now: datetime) -> int:
    attempts = job.attempts + 1
    when = retry_at(attempts, now) if attempt.error else None
    with db.transaction() as conn:
        held = store.finish(conn, job, attempt.code, attempt.latency_ms, attempt.error, when, now)
        if held and attempt.error and when is None:
            _disable(conn, job, attempts)
    extra = {"delivery": job.id, "endpoint": job.endpoint_id, "event": job.event_uid, "attempt": attempts}
    if attempt.error:
        log.warning("webhook failed", extra={**extra, "error": attempt.error, "code": attempt.code})
    return int(held and not attempt.error)


def _disable(conn: Connection, job: store.DeliveryJob, attempts: int) -> None:
    """A delivery failed for a day: the endpoint stops receiving (until re-enabled) and every admin is told."""
    reason = f"a delivery failed {attempts} times over about a day (event {job.event_uid})"
    store.set_enabled(conn, job.endpoint_id, False, reason)
    title = f"Webhook endpoint {job.url[:80]} was disabled: it kept failing"
    for admin in store.admin_ids(conn):
        notify_once(conn, admin, f"webhook-disabled:{job.endpoint_id}:{job.id}", title, routes.ADMIN)
    log.warning("webhook endpoint disabled", extra={"endpoint": job.endpoint_id, "reason": reason})


def run_round(db: Database, now: datetime | None = None) -> int:
    """One worker round: fan out new events, then post what is due."""
    fan_out(db, now)
    return deliver_due(db, now)

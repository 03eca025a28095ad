"""Services: xAPI out: statements queued from outbox events, sent to the LRS with retries, backfilled on demand."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from learnapp.domain.clock import utcnow
from learnapp.persistence import xapi as store
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.outbox import Event, take_events
from learnapp.services.errors import InvalidRequest
from learnapp.services.integrations.webhook_delivery import retry_at
from learnapp.services.integrations.xapi_statements import statement_for
from learnapp.settings import allowed_origins, get_settings

log = logging.getLogger("learnapp.xapi")
CONSUMER = "xapi"
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
VERSION_HEADER = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Lrs:
    url: str
    user: str
    password: str

    @property
    def statements(self) -> str:
        return f"{self.url.rstrip('/')}/xAPI/statements"


def configured_lrs() -> Lrs | None:
    settings = get_settings()
    return Lrs(settings.xapi_url, settings.xapi_user, settings.xapi_password) if settings.xapi_url else None


def _origin() -> str:
    return allowed_origins()[0]


def statements_for(conn: Connection, events: list[Event]) -> list[dict[str, object]]:
    """Queue rows for the events that make a statement (built now: a retry resends the same body)."""
    catalog = current_catalog(conn)
    send_email = get_settings().xapi_send_email
    identities = store.identities(conn, {e.learner_id for e in events}) if send_email else {}
    rows: list[dict[str, object]] = []
    for event in events:
        statement = statement_for(event, catalog, _origin(), identities.get(event.learner_id))
        if statement is not None:
            rows.append({"event_id": event.id, "statement_id": event.event_id, "statement": json.dumps(statement)})
    return rows


def queue_new(db: Database, now: datetime | None = None, limit: int = 200) -> int:
    """Take new outbox events and queue their statements, in one transaction."""
    moment = now or utcnow()
    with db.transaction() as conn:
        events = take_events(conn, CONSUMER, moment, limit)
        return store.queue(conn, statements_for(conn, events), moment)


def send_due(db: Database, lrs: Lrs, now: datetime | None = None, limit: int = 50) -> tuple[int, int]:
    """Send due statements one at a time (at most `limit`); returns how many the LRS accepted, and were tried."""
    sent = tried = 0
    with httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=False, auth=(lrs.user, lrs.password)) as client:
        for _ in range(limit):
            moment = now or utcnow()
            with db.transaction() as conn:
                job = store.claim_due(conn, moment, LEASE)
            if job is None:
                break
            tried += 1
            code, error, retry = _send(client, lrs, job)
            when = retry_at(job.attempts + 1, moment) if error and retry else None
            with db.transaction() as conn:
                held = store.finish(conn, job, code, error, when, moment)
            if error:
                log.warning("xapi statement failed", extra={"statement": job.statement_id, "error": error})
            sent += int(held and not error)
    return sent, tried


def _send(client: httpx.Client, lrs: Lrs, job: store.StatementJob) -> tuple[int | None, str, bool]:
    """(status code, error or "", whether to retry). The LRS keeps one statement per id: the same again is fine."""
    try:
        response = client.post(lrs.statements, content=job.statement.encode(), headers=VERSION_HEADER)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}", True
    code = response.status_code
    if code in (200, 204):
        return code, "", False
    # 409: the LRS holds another statement with this id; 400/422: it refused the statement. Retrying cannot help.
    retry = code >= 500 or code in (401, 403, 408, 429)
    return code, f"HTTP {code}: {response.text[:300]}", retry


def run_round(db: Database, now: datetime | None = None) -> int:
    """One worker round; nothing at all (events wait in the outbox) until LEARNAPP_XAPI_URL is set."""
    lrs = configured_lrs()
    if lrs is None:
        return 0
    queue_new(db, now)
    return send_due(db, lrs, now)[0]


@dataclass(frozen=True)
class Backfill:
    queued: int
    requeued: int
    sent: int
    failed: int


def backfill(
    db: Database, since: datetime | None = None, progress: Callable[[int], None] | None = None, batch: int = 500
) -> Backfill:
    """Replay the outbox to the LRS: every statement since `since` queued (or queued again) and sent now."""
    lrs = configured_lrs()
    if lrs is None:
        raise InvalidRequest("Set LEARNAPP_XAPI_URL (and LEARNAPP_XAPI_USER, LEARNAPP_XAPI_PASSWORD) first")
    now = utcnow()
    with db.transaction() as conn:
        requeued = store.requeue_since(conn, since, now)
    queued = after = 0
    while True:
        with db.transaction() as conn:
            events = store.events_since(conn, since, after, batch)
            if not events:
                break
            have = store.queued_events(conn, [e.id for e in events])
            queued += store.queue(conn, statements_for(conn, [e for e in events if e.id not in have]), now)
            after = events[-1].id
    sent = 0
    while True:
        done, tried = send_due(db, lrs, now, batch)
        sent += done
        if progress is not None:
            progress(sent)
        if tried == 0:
            break
    with db.snapshot() as conn:
        failed = store.counts(conn).get("failed", 0)
    return Backfill(queued, requeued, sent, failed)

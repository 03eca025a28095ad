"""Services: webhook endpoints an admin manages: add (secret shown once), list, delete, enable, delivery log, resend."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime

from learnapp.domain.clock import utcnow
from learnapp.persistence import webhooks as store
from learnapp.persistence.db import Connection, Database
from learnapp.services.errors import InvalidRequest, NotFound
from learnapp.services.integrations.webhook_urls import check_url

TOPICS = (
    "lesson.completed",
    "lesson.uncompleted",
    "course.completed",
    "pathway.completed",
    "certificate.issued",
    "enrollment.created",
    "progress.reset",
)
MAX_ENDPOINTS = 50


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    topics: list[str]
    enabled: bool
    failures: int
    disabled_reason: str
    created_at: datetime
    deliveries: dict[str, int]  # how many in each status


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def add_endpoint(db: Database, url: str, topics: list[str]) -> tuple[EndpointView, str]:
    """A new endpoint and its signing secret (returned once: the admin stores it at the receiver)."""
    wanted = list(dict.fromkeys(topics))
    unknown = [t for t in wanted if t not in TOPICS]
    if not wanted or unknown:
        raise InvalidRequest("Choose event types from the list", {"unknown": unknown, "allowed": list(TOPICS)})
    checked = check_url(url.strip())
    secret = new_secret()
    with db.transaction() as conn:
        if len(store.endpoints(conn)) >= MAX_ENDPOINTS:
            raise InvalidRequest(f"At most {MAX_ENDPOINTS} endpoints")
        endpoint_id = store.add_endpoint(conn, checked, wanted, secret, utcnow())
        return _view(conn, store.endpoints(conn, endpoint_id)[0]), secret


def list_endpoints(db: Database) -> list[EndpointView]:
    with db.snapshot() as conn:
        return [_view(conn, row) for row in store.endpoints(conn)]


def get_endpoint(db: Database, endpoint_id: int) -> EndpointView:
    with db.snapshot() as conn:
        found = store.endpoints(conn, endpoint_id)
        if not found:
            raise NotFound("Unknown webhook endpoint")
        return _view(conn, found[0])


def remove_endpoint(db: Database, endpoint_id: int) -> None:
    """The endpoint and its delivery log; events not yet posted to it are not posted."""
    with db.transaction() as conn:
        if not store.delete_endpoint(conn, endpoint_id):
            raise NotFound("Unknown webhook endpoint")


def set_endpoint_enabled(db: Database, endpoint_id: int, enabled: bool) -> EndpointView:
    """Enable again (its pending deliveries resume, failures count from 0) or pause an endpoint."""
    with db.transaction() as conn:
        if not store.set_enabled(conn, endpoint_id, enabled, "" if enabled else "disabled by an admin"):
            raise NotFound("Unknown webhook endpoint")
        return _view(conn, store.endpoints(conn, endpoint_id)[0])


def delivery_log(db: Database, endpoint_id: int, limit: int = 100) -> list[store.DeliveryLog]:
    get_endpoint(db, endpoint_id)
    with db.snapshot() as conn:
        return store.deliveries(conn, endpoint_id, limit)


def resend(db: Database, endpoint_id: int, delivery_id: int) -> None:
    """Queue one delivery again now (same webhook-id, so a receiver that has it already can ignore it)."""
    with db.transaction() as conn:
        if not store.resend(conn, endpoint_id, delivery_id, utcnow()):
            raise NotFound("Unknown delivery, or it is being sent right now")


def _view(conn: Connection, row: store.EndpointRow) -> EndpointView:
    return EndpointView(
        row.id,
        row.url,
        row.topic_list,
        row.enabled,
        row.failures,
        row.disabled_reason,
        row.created_at,
        store.counts(conn, row.id),
    )

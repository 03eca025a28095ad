"""API: admin endpoints for webhooks (add with a secret shown once, list, pause, delete, delivery log, resend)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from learnapp.api.deps import DB
from learnapp.api.v1.deps import Admin
from learnapp.api.v1.errors import responses
from learnapp.api.v1.schemas import MAX_ID
from learnapp.api.v1.webhook_schemas import (
    DeliveryPublic,
    Topic,
    WebhookBody,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)
from learnapp.services.integrations import webhooks as service
from learnapp.services.integrations.webhooks import TOPICS, EndpointView

EndpointId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]


router = APIRouter(prefix="/admin/webhooks", tags=["webhooks"], responses=responses(400, 401, 403, 413, 422, 429))


@router.post("", status_code=201)
async def add(request: Annotated[WebhookCreate, Body()], _admin: Admin, db: DB) -> WebhookCreated:
    """Add an endpoint: events of the chosen types are posted to it from now on. The secret is shown once."""
    # In a thread: the URL's host name is resolved and checked (no private or loopback address).
    view, secret = await run_in_threadpool(service.add_endpoint, db, request.url, list(request.events))
    return WebhookCreated(**_public(view).model_dump(), secret=secret)


@router.get("")
def endpoints(_admin: Admin, db: DB) -> list[WebhookPublic]:
    """Every endpoint with its state and how many deliveries are in each status (never the secret)."""
    return [_public(view) for view in service.list_endpoints(db)]


@router.get("/{endpoint_id}", responses=responses(404))
def endpoint(endpoint_id: EndpointId, _admin: Admin, db: DB) -> WebhookPublic:
    return _public(service.get_endpoint(db, endpoint_id))


@router.patch("/{endpoint_id}", responses=responses(404))
def update(endpoint_id: EndpointId, request: WebhookUpdate, _admin: Admin, db: DB) -> WebhookPublic:
    """Enable again an endpoint disabled for failing (or pause one)."""
    return _public(service.set_endpoint_enabled(db, endpoint_id, request.enabled))


@router.delete("/{endpoint_id}", status_code=204, responses=responses(404))
def remove(endpoint_id: EndpointId, _admin: Admin, db: DB) -> Response:
    """Delete the endpoint and its delivery log."""
    service.remove_endpoint(db, endpoint_id)
    return Response(status_code=204)


@router.get("/{endpoint_id}/deliveries", responses=responses(404))
def deliveries(
    endpoint_id: EndpointId,
    _admin: Admin,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryPublic]:
    """The delivery log, newest first: status, response code, latency, attempts, last error."""
    return [DeliveryPublic(**vars(row)) for row in service.delivery_log(db, endpoint_id, limit)]


@router.post("/{endpoint_id}/deliveries/{delivery_id}/resend", status_code=202, responses=responses(404))
def resend(endpoint_id: EndpointId, delivery_id: DeliveryId, _admin: Admin, db: DB) -> Response:
    """Post this delivery again soon, with the same webhook-id and body (a fresh day of retries)."""
    service.resend(db, endpoint_id, delivery_id)
    return Response(status_code=202)


def _public(view: EndpointView) -> WebhookPublic:
    fields = vars(view) | {"events": view.topics}
    del fields["topics"]
    return WebhookPublic(**fields)


def document_webhooks(api: FastAPI) -> None:
    """The bodies learnapp posts, in the OpenAPI document's `webhooks` section (one entry per event type)."""
    assert set(TOPICS) == set(Topic.__args__)  # type: ignore[attr-defined]
    for topic in TOPICS:

        @api.webhooks.post(topic, tags=["webhooks"], name=topic)
        def event(body: WebhookBody) -> None:
            """Signed with the endpoint's secret per Standard Webhooks; answer 2xx within 10 s, or it is retried."""

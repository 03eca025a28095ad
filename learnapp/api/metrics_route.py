"""API: GET /metrics, the Prometheus text exposition, behind a bearer token when LEARNAPP_METRICS_TOKEN is set."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from learnapp.api.v1.errors import Unauthorized
from learnapp.metrics import CONTENT_TYPE_LATEST, scrape
from learnapp.settings import get_settings

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    token = get_settings().metrics_token
    sent = request.headers.get("Authorization", "")
    if token and not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("The metrics need 'Authorization: Bearer <LEARNAPP_METRICS_TOKEN>'")
    return Response(scrape(), media_type=CONTENT_TYPE_LATEST)

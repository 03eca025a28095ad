"""API v1: the REST API under /api/v1 for integrators (bearer tokens, JSON errors, OpenAPI)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from learnapp.api.v1 import admin, docs, events, learners, tokens, webhooks
from learnapp.api.v1.deps import bind_token_limiter
from learnapp.api.v1.errors import register_error_handlers
from learnapp.api.v1.limits import PREFIX, BodyLimitMiddleware
from learnapp.api.v1.routing import add_fallback

__all__ = ["BodyLimitMiddleware", "include_v1", "register_error_handlers"]


def include_v1(api: FastAPI) -> None:
    """Call it after the app's other /api/v1 routes: its fallback answers every other path there (JSON 404 or 405)."""
    bind_token_limiter(api)
    router = APIRouter(prefix=PREFIX)
    parts = [module.router for module in (tokens, learners, events, admin, webhooks, docs)]
    for part in parts:
        router.include_router(part)
    api.include_router(router)
    add_fallback(api, parts)
    webhooks.document_webhooks(api)

"""API v1: the REST API under /api/v1 for integrators (bearer tokens, JSON errors, OpenAPI)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI

from learnapp.api.v1.admin import admin_router
from learnapp.api.v1.deps import guards
from learnapp.api.v1.docs import docs_router
from learnapp.api.v1.errors import register_error_handlers
from learnapp.api.v1.events import events_router
from learnapp.api.v1.learners import learners_router
from learnapp.api.v1.limits import PREFIX, BodyLimitMiddleware
from learnapp.api.v1.routing import add_fallback
from learnapp.api.v1.tokens import tokens_router
from learnapp.api.v1.webhooks import document_webhooks, webhooks_router
from learnapp.persistence.db import Database

__all__ = ["BodyLimitMiddleware", "include_v1", "register_error_handlers"]


def include_v1(api: FastAPI, get_db: Callable[[], Database]) -> None:
    """Call it after the app's other /api/v1 routes: its fallback answers every other path there (JSON 404 or 405)."""
    bound = guards(get_db)
    router = APIRouter(prefix=PREFIX)
    parts = [part(bound) for part in (tokens_router, learners_router, events_router, admin_router, webhooks_router)]
    parts.append(docs_router())
    for part in parts:
        router.include_router(part)
    api.include_router(router)
    add_fallback(api, parts)
    document_webhooks(api)

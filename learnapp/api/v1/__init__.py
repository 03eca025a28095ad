"""API v1: the REST API under /api/v1 for integrators (bearer tokens, JSON errors, OpenAPI)."""

from __future__ import annotations

from collections.abc import Callable
from re import Pattern

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import Route, compile_path

from learnapp.api.v1.admin import admin_router
from learnapp.api.v1.deps import guards
from learnapp.api.v1.errors import error_response, register_error_handlers
from learnapp.api.v1.events import events_router
from learnapp.api.v1.learners import learners_router
from learnapp.api.v1.limits import PREFIX, BodyLimitMiddleware
from learnapp.api.v1.tokens import tokens_router
from learnapp.persistence.db import Database

__all__ = ["BodyLimitMiddleware", "register_error_handlers", "v1_router"]
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def v1_router(get_db: Callable[[], Database]) -> APIRouter:
    """Include it last: its fallback answers every other /api/v1 path with a JSON 404 (or 405)."""
    bound = guards(get_db)
    router = APIRouter(prefix=PREFIX)
    parts = [part(bound) for part in (tokens_router, learners_router, events_router, admin_router)]
    known = [
        (compile_path(PREFIX + r.path)[0], r.methods or set())
        for p in parts
        for r in p.routes
        if isinstance(r, APIRoute)
    ]
    for part in parts:
        router.include_router(part)
    router.add_api_route("/{path:path}", _fallback(known), methods=_METHODS, include_in_schema=False)
    return router


def _fallback(known: list[tuple[Pattern[str], set[str]]]) -> Callable[[Request], JSONResponse]:
    """Unknown paths keep the API's error shape instead of falling through to the web app."""

    def fallback(request: Request) -> JSONResponse:
        path = request.url.path
        top = [(r.path_regex, r.methods or set()) for r in request.app.router.routes if isinstance(r, Route)]
        allowed = sorted({m for regex, methods in known + top if regex.fullmatch(path) for m in methods})
        if allowed:
            message = f"{request.method} is not allowed here; use {', '.join(allowed)}"
            return error_response(405, "method_not_allowed", message, {"allowed": allowed}, Allow=", ".join(allowed))
        return error_response(404, "not_found", f"No endpoint at {path}")

    return fallback

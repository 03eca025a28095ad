"""API: the FastAPI application factory; routes are thin and call one service each."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from learnapp.api import admin_files, content_file, files, metrics_route, unsubscribe
from learnapp.api.auth import auth_router
from learnapp.api.deps import bind_database
from learnapp.api.sign_in_limits import Clock
from learnapp.api.v1 import BodyLimitMiddleware, include_v1, register_error_handlers
from learnapp.persistence.catalog import catalog_version
from learnapp.persistence.db import Database, default_database


def create_api(db: Database | None = None, now: Clock = time.time) -> FastAPI:
    """A new app per call: a FastAPI app that already served cannot take middleware again.

    `now`: the clock of the sign-in account delay (tests move theirs instead of sleeping).
    """
    api = FastAPI(
        title="learnapp API",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by the v1 router from a package, not from a CDN (api/v1/docs.py)
        redoc_url=None,
    )

    def database() -> Database:
        return db or default_database()

    bind_database(api, database)
    api.include_router(auth_router(db, default_database, now))
    for module in (files, admin_files, content_file, metrics_route, unsubscribe):
        api.include_router(module.router)

    @api.get("/api/v1/health", tags=["operations"])
    def health() -> JSONResponse:
        """Liveness with the database checked: 200 when it answers, 503 when it does not."""
        try:
            with database().read() as session:
                session.execute(text("SELECT 1"))
                version = catalog_version(session)
        except Exception as error:  # any database failure means "not healthy", reported as such
            return JSONResponse(
                {"status": "error", "database": "unreachable", "detail": type(error).__name__}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok", "catalog_version": version})

    include_v1(api)  # last: its fallback keeps unknown /api/v1 paths in the API
    register_error_handlers(api)
    api.add_middleware(BodyLimitMiddleware)
    return api

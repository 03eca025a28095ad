"""API: the published catalog as a content file (admins only; anyone else gets the same 404 as an unknown path)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from learnapp.api.auth import COOKIE
from learnapp.persistence.db import Database
from learnapp.services.content_export import EXPORT_NAME, export_catalog
from learnapp.services.sessions import session_account

EXPORT_PATH = f"/admin-files/content/{EXPORT_NAME}"  # linked from ui/pages/admin_content.py


def content_file_router(get_db: Callable[[], Database]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(EXPORT_PATH)
    def catalog_file(request: Request) -> Response:
        account = session_account(get_db(), request.cookies.get(COOKIE))
        if account is None or account.role != "admin":
            return JSONResponse({"error": {"code": "not_found", "message": "Not found", "details": None}}, 404)
        headers = {"Content-Disposition": f'attachment; filename="{EXPORT_NAME}"', "Cache-Control": "no-store"}
        return Response(export_catalog(get_db()), media_type="application/yaml; charset=utf-8", headers=headers)

    return router

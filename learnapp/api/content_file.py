"""API: the published catalog as a content file (admins only; anyone else gets the same 404 as an unknown path)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from learnapp.api.deps import DB, Visitor
from learnapp.services.content.export import EXPORT_NAME, export_catalog

EXPORT_PATH = f"/admin-files/content/{EXPORT_NAME}"  # linked from ui/pages/admin_content.py

router = APIRouter(include_in_schema=False)


@router.get(EXPORT_PATH)
def catalog_file(account: Visitor, db: DB) -> Response:
    if account is None or account.role != "admin":
        return JSONResponse({"error": {"code": "not_found", "message": "Not found", "details": None}}, 404)
    headers = {"Content-Disposition": f'attachment; filename="{EXPORT_NAME}"', "Cache-Control": "no-store"}
    return Response(export_catalog(db), media_type="application/yaml; charset=utf-8", headers=headers)

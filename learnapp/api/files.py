"""API: certificate PDF downloads for the signed-in owner (or an admin); others get 404."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from learnapp.api.auth import COOKIE
from learnapp.persistence.db import Database
from learnapp.services.certificates import certificate_pdf
from learnapp.services.errors import NotFound
from learnapp.services.sessions import session_account


def files_router(get_db: Callable[[], Database]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/certificates/{code}.pdf")
    def download(code: str, request: Request) -> Response:
        account = session_account(get_db(), request.cookies.get(COOKIE))
        missing = JSONResponse(
            {"error": {"code": "not_found", "message": "Unknown certificate", "details": None}}, status_code=404
        )
        if account is None:
            return missing
        try:
            pdf = certificate_pdf(get_db(), code, account.id, account.role == "admin")
        except NotFound:
            return missing
        headers = {"Content-Disposition": f'attachment; filename="learnapp-certificate-{code}.pdf"'}
        return Response(pdf, media_type="application/pdf", headers=headers)

    return router

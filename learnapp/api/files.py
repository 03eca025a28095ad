"""API: certificate PDF downloads for the signed-in owner (or an admin); others get 404."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from learnapp.api.auth import COOKIE
from learnapp.persistence.db import Database
from learnapp.services.certificates import certificate_pdf
from learnapp.services.errors import NotFound
from learnapp.services.export import learner_data, to_json
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

    @router.get("/me/export.json")
    def my_data(request: Request) -> Response:
        """A learner's own data (profile, enrollments, every completion) as a JSON download."""
        account = session_account(get_db(), request.cookies.get(COOKIE))
        if account is None:
            return JSONResponse(
                {"error": {"code": "unauthorized", "message": "Log in first", "details": None}}, status_code=401
            )
        headers = {"Content-Disposition": 'attachment; filename="learnapp-my-data.json"'}
        return Response(to_json(learner_data(get_db(), account.id)), media_type="application/json", headers=headers)

    return router

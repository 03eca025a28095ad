"""API: certificate PDF downloads for the signed-in owner (or an admin); others get 404."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from learnapp.api.deps import DB, Visitor
from learnapp.services.errors import NotFound
from learnapp.services.notices.certificates import certificate_pdf
from learnapp.services.operations.export import learner_data, to_json

router = APIRouter(include_in_schema=False)


@router.get("/certificates/{code}.pdf")
def download(code: str, account: Visitor, db: DB) -> Response:
    missing = JSONResponse(
        {"error": {"code": "not_found", "message": "Unknown certificate", "details": None}}, status_code=404
    )
    if account is None:
        return missing
    try:
        pdf = certificate_pdf(db, code, account.id, account.role == "admin")
    except NotFound:
        return missing
    headers = {"Content-Disposition": f'attachment; filename="learnapp-certificate-{code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/me/export.json")
def my_data(account: Visitor, db: DB) -> Response:
    """A learner's own data (profile, enrollments, every completion) as a JSON download."""
    if account is None:
        return JSONResponse(
            {"error": {"code": "unauthorized", "message": "Log in first", "details": None}}, status_code=401
        )
    headers = {"Content-Disposition": 'attachment; filename="learnapp-my-data.json"'}
    return Response(to_json(learner_data(db, account.id)), media_type="application/json", headers=headers)

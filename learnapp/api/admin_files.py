"""API: admin downloads (course progress as CSV, operation runs' report files); anyone but an admin gets 404."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from learnapp.api.deps import DB, Visitor
from learnapp.services.admin.operations_view import run_file
from learnapp.services.admin.stats import course_progress_csv
from learnapp.services.errors import NotFound

router = APIRouter(include_in_schema=False)


@router.get("/admin-files/courses/{slug}/progress.csv")  # linked from ui/pages/admin_course.py
def course_csv(slug: str, account: Visitor, db: DB) -> Response:
    missing = JSONResponse({"error": {"code": "not_found", "message": "Not found", "details": None}}, 404)
    # A learner must not learn that this route exists: the same 404 as an unknown path.
    if account is None or account.role != "admin":
        return missing
    try:
        body = course_progress_csv(db, slug)
    except NotFound:
        return missing
    headers = {
        "Content-Disposition": f'attachment; filename="{slug}-progress.csv"',
        "Cache-Control": "no-store",
    }
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/admin-files/runs/{run_id}/{name}")  # linked from ui/pages/admin_operations.py
def run_report(run_id: str, name: str, account: Visitor, db: DB) -> Response:
    missing = JSONResponse({"error": {"code": "not_found", "message": "Not found", "details": None}}, 404)
    # Checked before the id is parsed: a learner gets the same 404 for any spelling, never a 422.
    number = run_id.isascii() and run_id.isdigit() and len(run_id) <= 12
    if account is None or account.role != "admin" or not number:
        return missing
    try:
        path, media = run_file(db, int(run_id), name)
    except NotFound:
        return missing
    return FileResponse(path, media_type=media, filename=f"run-{run_id}-{name}", headers={"Cache-Control": "no-store"})

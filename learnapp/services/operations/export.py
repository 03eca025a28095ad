"""Services: export progress as CSV or JSON, for one learner (their own data) or everyone (operators)."""

from __future__ import annotations

import json
from typing import Any

from learnapp.domain.spreadsheet import csv_text
from learnapp.persistence import export_progress
from learnapp.persistence.db import Database
from learnapp.services.errors import NotFound

COLUMNS = (
    "email",
    "name",
    "course",
    "course_title",
    "enrolled_at",
    "completed",
    "total",
    "percent",
    "complete",
    "completed_at",
    "first_completed_at",
    "last_accessed_at",
)


def enrollment_rows(db: Database, learner_id: int | None = None) -> list[dict[str, Any]]:
    """One row per learner and course enrollment, in learner then course order."""
    with db.snapshot() as conn:
        return [dict(zip(COLUMNS, row, strict=True)) for row in export_progress.enrollment_rows(conn, learner_id)]


def learner_data(db: Database, learner_id: int) -> dict[str, Any]:
    """Everything learnapp holds about a learner's learning: profile, enrollments, completions."""
    with db.snapshot() as conn:
        found = export_progress.profile(conn, learner_id)
        if found is None:
            raise NotFound("Unknown learner")
        completions = export_progress.completions(conn, learner_id)
    email, name, time_zone = found
    profile = {"email": email, "name": name, "time_zone": time_zone}
    return {
        "learner": profile,
        "enrollments": [
            {k: v for k, v in r.items() if k not in ("email", "name")} for r in enrollment_rows(db, learner_id)
        ],
        "completions": [{"lesson": s, "completed_at": at, "source": src} for s, at, src in completions],
    }


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=lambda value: value.isoformat())


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The same writer as the admin's CSV download: a learner's name must never run as a formula."""
    return csv_text(COLUMNS, ([_text(row[column]) for column in COLUMNS] for row in rows))


def _text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value

"""Services: export progress as CSV or JSON, for one learner (their own data) or everyone (operators)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from learnapp.domain.spreadsheet import csv_text
from learnapp.persistence.db import Database
from learnapp.persistence.tables import CourseRow, Enrollment, Learner, LessonCompletion, LessonRow
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
    query = (
        select(
            col(Learner.email),
            col(Learner.name),
            col(CourseRow.slug),
            col(CourseRow.title),
            col(Enrollment.enrolled_at),
            col(Enrollment.completed),
            col(Enrollment.total),
            col(Enrollment.percent),
            col(Enrollment.is_complete),
            col(Enrollment.completed_at),
            col(Enrollment.first_completed_at),
            col(Enrollment.last_accessed_at),
        )
        .join(Learner, col(Learner.id) == col(Enrollment.learner_id))
        .join(CourseRow, col(CourseRow.id) == col(Enrollment.course_id))
        .order_by(col(Learner.id), col(CourseRow.position))
    )
    if learner_id is not None:
        query = query.where(col(Enrollment.learner_id) == learner_id)
    with db.read() as session:
        return [dict(zip(COLUMNS, row, strict=True)) for row in session.execute(query)]


def learner_data(db: Database, learner_id: int) -> dict[str, Any]:
    """Everything learnapp holds about a learner's learning: profile, enrollments, completions."""
    with db.read() as session:
        learner = session.get(Learner, learner_id)
        if learner is None:
            raise NotFound("Unknown learner")
        completions = session.execute(
            select(col(LessonRow.slug), col(LessonCompletion.completed_at), col(LessonCompletion.source))
            .join(LessonRow, col(LessonRow.id) == col(LessonCompletion.lesson_id))
            .where(col(LessonCompletion.learner_id) == learner_id)
            .order_by(col(LessonCompletion.completed_at))
        ).all()
        profile = {"email": learner.email, "name": learner.name, "time_zone": learner.time_zone}
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

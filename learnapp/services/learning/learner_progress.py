"""Services: one learner's account and every enrollment (courses and pathways) with its progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnapp.domain import progress as rules
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import done_ids
from learnapp.persistence.learners import PathwayEnrollmentRow, learner_row, pathway_enrollment_rows
from learnapp.services.accounts.learners import Account
from learnapp.services.errors import NotFound
from learnapp.services.learning.progress import enrollments
from learnapp.services.learning.views import EnrollmentView


@dataclass(frozen=True)
class CourseEnrollment:
    enrollment: EnrollmentView
    next_lesson: str | None


@dataclass(frozen=True)
class PathwayEnrollmentView:
    slug: str
    title: str
    row: PathwayEnrollmentRow
    next_lesson: tuple[str, str] | None


@dataclass(frozen=True)
class LearnerProgress:
    courses: tuple[CourseEnrollment, ...]
    pathways: tuple[PathwayEnrollmentView, ...]


def learner_account(db: Database, learner_id: int) -> Account:
    with db.snapshot() as conn:
        row = learner_row(conn, learner_id)
    if row is None:
        raise NotFound("Unknown learner")
    return Account(row.id, row.email, row.name, row.role, row.time_zone)


def learner_progress(db: Database, learner_id: int) -> LearnerProgress:
    """Stored progress of every enrollment, most recently opened first, with where to continue."""
    listed = enrollments(db, learner_id)
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        done = done_ids(conn, learner_id)
        pathway_rows = pathway_enrollment_rows(conn, learner_id)
    courses = []
    for item in listed:
        course = catalog.course(item.course_slug)
        lesson = rules.next_lesson(course, done) if course else None
        courses.append(CourseEnrollment(item, lesson.slug if lesson else None))
    pathways = []
    for row in pathway_rows:
        pathway = catalog.pathway(row.pathway_id)
        if pathway is not None:
            nxt = rules.next_pathway_lesson(pathway, done)
            pathways.append(
                PathwayEnrollmentView(pathway.slug, pathway.title, row, (nxt[0].slug, nxt[1].slug) if nxt else None)
            )
    pathways.sort(key=_recency, reverse=True)
    return LearnerProgress(tuple(courses), tuple(pathways))


def _recency(view: PathwayEnrollmentView) -> datetime:
    return view.row.last_accessed_at or view.row.enrolled_at

"""Services: everything My Learning shows, read for one learner in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from learnapp.domain import progress as rules
from learnapp.persistence.activity import learner_zone
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import done_ids
from learnapp.persistence.learners import pathway_enrollment_rows
from learnapp.services.learning.my_stats import Achievement, LearnerStats, achievements, learner_stats
from learnapp.services.learning.progress import enrollments
from learnapp.services.learning.views import EnrollmentView
from learnapp.services.notices.certificates import certificates_of


@dataclass(frozen=True)
class EnrollmentCard:
    enrollment: EnrollmentView
    next_lesson: str | None
    next_title: str | None
    completed_on: date | None = None  # first completion, the learner's local date


@dataclass(frozen=True)
class PathwayCard:
    """A pathway enrollment as My Learning lists it, its certificate beside it like a course's."""

    slug: str
    title: str
    completed: int
    total: int
    percent: int
    complete: bool
    courses_completed: int
    courses_total: int
    completed_on: date | None  # first completion, the learner's local date
    next_lesson: tuple[str, str] | None  # (course, lesson)


@dataclass(frozen=True)
class Dashboard:
    cards: tuple[EnrollmentCard, ...]
    stats: LearnerStats
    achievements: tuple[Achievement, ...]
    # The Continue Learning target: the most recently opened unfinished course.
    resume: EnrollmentCard | None
    certificates_earned: int = 0
    pathways: tuple[PathwayCard, ...] = ()


def dashboard(db: Database, learner_id: int, now: datetime | None = None) -> Dashboard:
    listed = enrollments(db, learner_id)
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        done = done_ids(conn, learner_id)
        zone = learner_zone(conn, learner_id)
        pathway_rows = pathway_enrollment_rows(conn, learner_id)
    cards = []
    for item in listed:
        course = catalog.course(item.course_slug)
        lesson = rules.next_lesson(course, done) if course else None
        cards.append(
            EnrollmentCard(
                item,
                lesson.slug if lesson else None,
                lesson.title if lesson else None,
                local_date(item.first_completed_at, zone),
            )
        )
    pathways = []
    for row in sorted(pathway_rows, key=lambda r: r.last_accessed_at or r.enrolled_at, reverse=True):
        pathway = catalog.pathway(row.pathway_id)
        if pathway is None:
            continue
        nxt = rules.next_pathway_lesson(pathway, done)
        pathways.append(
            PathwayCard(
                pathway.slug,
                pathway.title,
                row.completed,
                row.total,
                row.percent,
                row.is_complete,
                row.courses_completed,
                row.courses_total,
                local_date(row.first_completed_at, zone),
                (nxt[0].slug, nxt[1].slug) if nxt else None,
            )
        )
    stats = learner_stats(db, learner_id, now)
    resume = next((c for c in cards if not c.enrollment.complete and c.next_lesson), None)
    earned = sum(1 for c in certificates_of(db, learner_id) if c.status == "issued")
    return Dashboard(tuple(cards), stats, tuple(achievements(stats)), resume, earned, tuple(pathways))


def local_date(moment: datetime | None, zone: tzinfo) -> date | None:
    """The calendar day of a stored UTC moment where the learner lives."""
    return moment.astimezone(zone).date() if moment else None

"""Services: everything My Learning shows, read for one learner in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnapp.domain import progress as rules
from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import done_ids
from learnapp.services.certificates import certificates_of
from learnapp.services.progress import enrollments
from learnapp.services.stats import Achievement, LearnerStats, achievements, learner_stats
from learnapp.services.views import EnrollmentView


@dataclass(frozen=True)
class EnrollmentCard:
    enrollment: EnrollmentView
    next_lesson: str | None
    next_title: str | None


@dataclass(frozen=True)
class Dashboard:
    cards: tuple[EnrollmentCard, ...]
    stats: LearnerStats
    achievements: tuple[Achievement, ...]
    # The Continue Learning target: the most recently opened unfinished course.
    resume: EnrollmentCard | None
    certificates_earned: int = 0


def dashboard(db: Database, learner_id: int, now: datetime | None = None) -> Dashboard:
    listed = enrollments(db, learner_id)
    with db.snapshot() as conn:
        catalog = current_catalog(conn)
        done = done_ids(conn, learner_id)
    cards = []
    for item in listed:
        course = catalog.course(item.course_slug)
        lesson = rules.next_lesson(course, done) if course else None
        cards.append(EnrollmentCard(item, lesson.slug if lesson else None, lesson.title if lesson else None))
    stats = learner_stats(db, learner_id, now)
    resume = next((c for c in cards if not c.enrollment.complete and c.next_lesson), None)
    earned = sum(1 for c in certificates_of(db, learner_id) if c.status == "issued")
    return Dashboard(tuple(cards), stats, tuple(achievements(stats)), resume, earned)

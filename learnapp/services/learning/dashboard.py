"""Services: everything My Learning shows, read for one learner in one read transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from learnapp.persistence.db import Database
from learnapp.persistence.learner_read import LearnerRead, Part, read_learner
from learnapp.services.learning import read_model
from learnapp.services.learning.my_stats import Achievement, LearnerStats, achievements, stats_of
from learnapp.services.learning.views import NodeView

READ = Part.ACCESS | Part.STATS | Part.CERTIFICATES


@dataclass(frozen=True)
class Dashboard:
    cards: tuple[NodeView, ...]  # course enrollments, most recently opened first
    stats: LearnerStats
    achievements: tuple[Achievement, ...]
    resume: NodeView | None  # Continue Learning
    certificates_earned: int = 0
    pathways: tuple[NodeView, ...] = ()


def dashboard(db: Database, learner_id: int, now: datetime | None = None) -> Dashboard:
    return dashboard_of(read_learner(db, learner_id, READ), now)


def dashboard_of(read: LearnerRead, now: datetime | None = None) -> Dashboard:
    """My Learning from a read holding READ; `now` (the learner's today) defaults to the clock."""
    cards = read_model.course_enrollments(read)
    stats = stats_of(read, now)
    earned = sum(1 for c in read.certificates if c.status == "issued")
    return Dashboard(
        cards,
        stats,
        tuple(achievements(stats)),
        read_model.continue_learning(cards),
        earned,
        read_model.pathway_enrollments(read),
    )

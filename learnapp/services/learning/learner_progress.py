"""Services: one learner's account and every enrollment (courses and pathways) with its progress."""

from __future__ import annotations

from dataclasses import dataclass

from learnapp.persistence.db import Database
from learnapp.persistence.learner_read import LearnerRead, Part, read_learner
from learnapp.persistence.learners import learner_row
from learnapp.services.accounts.learners import Account
from learnapp.services.errors import NotFound
from learnapp.services.learning import read_model
from learnapp.services.learning.my_stats import LearnerStats, stats_of
from learnapp.services.learning.views import NodeView


@dataclass(frozen=True)
class LearnerProgress:
    courses: tuple[NodeView, ...]
    pathways: tuple[NodeView, ...]


def learner_account(db: Database, learner_id: int) -> Account:
    with db.snapshot() as conn:
        row = learner_row(conn, learner_id)
    if row is None:
        raise NotFound("Unknown learner")
    return Account(row.id, row.email, row.name, row.role, row.time_zone)


def learner_progress(db: Database, learner_id: int) -> LearnerProgress:
    """Stored progress of every enrollment, most recently opened first, with where to continue (one read)."""
    return progress_of(read_learner(db, learner_id, Part.ACCESS))


def progress_and_stats(db: Database, learner_id: int) -> tuple[LearnerProgress, LearnerStats]:
    """learner_progress and learner_stats from one read (an admin's view of a learner)."""
    read = read_learner(db, learner_id, Part.ACCESS | Part.STATS)
    return progress_of(read), stats_of(read)


def progress_of(read: LearnerRead) -> LearnerProgress:
    return LearnerProgress(read_model.course_enrollments(read), read_model.pathway_enrollments(read))

"""Services: a learner's own statistics for My Learning (counts, streaks, time spent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import col

from learnapp.domain.streaks import streaks
from learnapp.persistence.db import Database
from learnapp.persistence.tables import Enrollment, Learner, LessonCompletion, LessonTime


@dataclass(frozen=True)
class LearnerStats:
    courses_enrolled: int
    courses_completed: int
    courses_in_progress: int
    lessons_completed: int
    average_percent: int
    current_streak: int
    longest_streak: int
    seconds_spent: int
    days_active: tuple[date, ...]


def learner_stats(db: Database, learner_id: int, now: datetime | None = None) -> LearnerStats:
    """Streak days are calendar days in the learner's own time zone."""
    with db.read() as session:
        learner = session.get(Learner, learner_id)
        zone = ZoneInfo(learner.time_zone if learner else "UTC")
        rows = session.execute(
            select(col(Enrollment.percent), col(Enrollment.is_complete), col(Enrollment.completed)).where(
                col(Enrollment.learner_id) == learner_id
            )
        ).all()
        stamps = (
            session.execute(
                select(col(LessonCompletion.completed_at)).where(col(LessonCompletion.learner_id) == learner_id)
            )
            .scalars()
            .all()
        )
        seconds = session.execute(
            select(func.coalesce(func.sum(col(LessonTime.seconds)), 0)).where(col(LessonTime.learner_id) == learner_id)
        ).scalar()
    days = {stamp.astimezone(zone).date() for stamp in stamps}
    today = (now or datetime.now(zone)).astimezone(zone).date()
    run = streaks(days, today)
    return LearnerStats(
        courses_enrolled=len(rows),
        courses_completed=sum(1 for r in rows if r.is_complete),
        courses_in_progress=sum(1 for r in rows if not r.is_complete and r.completed > 0),
        lessons_completed=len(stamps),
        average_percent=sum(r.percent for r in rows) // len(rows) if rows else 0,
        current_streak=run.current,
        longest_streak=run.longest,
        seconds_spent=int(seconds or 0),
        days_active=tuple(sorted(days)),
    )

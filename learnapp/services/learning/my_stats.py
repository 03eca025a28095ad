"""Services: a learner's own statistics for My Learning (counts, streaks, time spent)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from learnapp.domain.streaks import streaks
from learnapp.persistence.db import Database
from learnapp.persistence.learner_read import LearnerRead, Part, read_learner

WEEKS = 12


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
    # Completions per local week, oldest first: (Monday of the week, count).
    weekly: tuple[tuple[date, int], ...] = ()


def learner_stats(db: Database, learner_id: int, now: datetime | None = None) -> LearnerStats:
    return stats_of(read_learner(db, learner_id, Part.STATS), now)


def stats_of(read: LearnerRead, now: datetime | None = None) -> LearnerStats:
    """From a STATS read. Streak days are calendar days in the learner's own time zone.

    Streaks and the weekly chart read the activity days, which an undo or a Start over leaves in place: the
    past stays as it happened. The lesson count is what the learner holds complete now; the course counts are
    every stored enrollment, a retired course's too.
    """
    rows = list(read.courses.values())
    local_days = [day for day, _lesson in read.activity]
    days = set(local_days)
    today = (now or datetime.now(read.zone)).astimezone(read.zone).date()
    run = streaks(days, today)
    return LearnerStats(
        courses_enrolled=len(rows),
        courses_completed=sum(1 for r in rows if r.is_complete),
        courses_in_progress=sum(1 for r in rows if not r.is_complete and r.completed > 0),
        lessons_completed=len(read.done),
        average_percent=sum(r.percent for r in rows) // len(rows) if rows else 0,
        current_streak=run.current,
        longest_streak=run.longest,
        seconds_spent=read.seconds_spent,
        days_active=tuple(sorted(days)),
        weekly=weekly_counts(local_days, today),
    )


def weekly_counts(days: list[date], today: date, weeks: int = WEEKS) -> tuple[tuple[date, int], ...]:
    """Lessons completed per week (Monday first) for the last `weeks` weeks, including empty ones.

    One entry per lesson and day it was completed on: a lesson completed again on another day counts again.
    """
    this_monday = today - timedelta(days=today.weekday())
    starts = [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    counts = Counter(day - timedelta(days=day.weekday()) for day in days)
    return tuple((start, counts.get(start, 0)) for start in starts)


@dataclass(frozen=True)
class Achievement:
    key: str
    title: str
    description: str
    earned: bool


def achievements(stats: LearnerStats) -> list[Achievement]:
    """Milestones a learner can see coming; earned ones first in the UI."""
    rules = [
        ("first-lesson", "First step", "Complete your first lesson", stats.lessons_completed >= 1),
        ("ten-lessons", "Ten down", "Complete 10 lessons", stats.lessons_completed >= 10),
        ("first-course", "Course finisher", "Complete a whole course", stats.courses_completed >= 1),
        ("streak-3", "On a roll", "Learn 3 days in a row", stats.longest_streak >= 3),
        ("streak-7", "Week streak", "Learn 7 days in a row", stats.longest_streak >= 7),
        ("hundred-lessons", "Centurion", "Complete 100 lessons", stats.lessons_completed >= 100),
    ]
    return [Achievement(key, title, text, earned) for key, title, text, earned in rules]

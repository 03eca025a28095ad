"""Persistence: activity days, the lessons a learner completed on each local day, never erased by an undo."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, and_, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite

from learnapp.persistence.handles import ACTIVITY
from learnapp.persistence.handles import COMPLETION as _COMPLETION
from learnapp.persistence.handles import LEARNER as _LEARNER

_ZONE = select(_LEARNER.c.time_zone).where(_LEARNER.c.id == bindparam("learner"))
_KEPT = select(ACTIVITY.c.day, ACTIVITY.c.lesson_id).where(ACTIVITY.c.learner_id == bindparam("learner"))
_FACTS = select(_COMPLETION.c.completed_at, _COMPLETION.c.lesson_id).where(
    _COMPLETION.c.learner_id == bindparam("learner")
)


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The zone of that name; a name this machine does not know counts as UTC rather than failing a write."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def learner_zone(conn: Connection, learner_id: int) -> tzinfo:
    return zone(conn.execute(_ZONE, {"learner": learner_id}).scalar() or "UTC")


def _keep_day(builder: Any) -> Any:
    day = bindparam("day", type_=ACTIVITY.c.day.type)
    insert = builder(ACTIVITY).values(learner_id=bindparam("learner"), day=day, lesson_id=bindparam("lesson"))
    # A row comes back when the day is newly kept: the rowcount of this Core insert reads -1 on PostgreSQL (psycopg).
    return insert.on_conflict_do_nothing().returning(ACTIVITY.c.day)


# Built once per dialect: building an insert per click cost more than running it (it is on every click's path).
_KEEP_DAY = {"postgresql": _keep_day(postgresql.insert), "sqlite": _keep_day(sqlite.insert)}


# The learner's latest kept day but the row just kept: their PK's range, read backward, a row or two.
_ON_DAY = bindparam("day", type_=ACTIVITY.c.day.type)
_LATEST_OTHER = (
    select(ACTIVITY.c.day)
    .where(
        ACTIVITY.c.learner_id == bindparam("learner"),
        ~and_(ACTIVITY.c.day == _ON_DAY, ACTIVITY.c.lesson_id == bindparam("lesson")),
    )
    .order_by(ACTIVITY.c.day.desc())
    .limit(1)
)


def record_activity(conn: Connection, learner_id: int, lesson_id: int, completed_at: datetime) -> dict[date, int]:
    """The day (in the learner's zone) this lesson was completed; again on the same day is a no-op.

    Returns how the learner's latest day moved (the site's "a<day>" counters: learners by latest day): {day: 1} for
    a first day, {old: -1, day: 1} for a later one, nothing when the row was kept already or an as late day is.
    """
    day = completed_at.astimezone(learner_zone(conn, learner_id)).date()
    values = {"learner": learner_id, "day": day, "lesson": lesson_id}
    if conn.execute(_KEEP_DAY[conn.dialect.name], values).first() is None:  # kept already
        return {}
    latest = conn.execute(_LATEST_OTHER, values).scalar()
    if latest is None:
        return {day: 1}
    latest = latest if isinstance(latest, date) else date.fromisoformat(latest)
    return {latest: -1, day: 1} if latest < day else {}


# The UTC day of each fact of the learners in a range whose zone is UTC.
_DAY_OF_FACT = {
    "sqlite": "date(f.completed_at / 1000000, 'unixepoch')",
    "postgresql": "(f.completed_at AT TIME ZONE 'UTC')::date",
}
_DAYS_OF = (
    "INSERT INTO activity_day (learner_id, day, lesson_id) SELECT f.learner_id, {day}, f.lesson_id"
    " FROM lesson_completion f WHERE f.learner_id BETWEEN :lo AND :hi"
    " AND f.learner_id IN (SELECT id FROM learner WHERE id BETWEEN :lo AND :hi AND time_zone = 'UTC')"
)


def keep_new_days(conn: Connection, lo: int, hi: int) -> None:
    """record_activity for every fact of learners lo..hi whose zone is UTC, in one statement: for learners with no
    kept day yet (new ones loaded in bulk, such as generated learners; a day already kept fails its unique key, and
    a check for it cost PostgreSQL half as much again). Learners in another zone are left to record_activity."""
    day = _DAY_OF_FACT[conn.dialect.name]
    conn.execute(text(_DAYS_OF.format(day=day)), {"lo": lo, "hi": hi})  # nosec B608 - the day is a constant above


def activity(conn: Connection, learner_id: int) -> set[tuple[date, int]]:
    """(local day, lesson) the learner completed: the kept days, and the completions they hold now.

    The completions now held are read too, so a fact written by a path that keeps no day (a legacy import, a
    population generated before keep_new_days) still counts while it exists.
    """
    where = learner_zone(conn, learner_id)
    kept = {(day, lesson) for day, lesson in conn.execute(_KEPT, {"learner": learner_id})}
    held = {(at.astimezone(where).date(), lesson) for at, lesson in conn.execute(_FACTS, {"learner": learner_id})}
    return kept | held

"""Persistence: the table of statistics counters kept with the changes that move them (admin numbers)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, SmallInteger, Table, func
from sqlmodel import Field, SQLModel

from learnapp.persistence.tables import Enrollment, PathwayEnrollment


class StatCounter(SQLModel, table=True):
    """One share of one counter of a course or pathway: its value is the sum of its shards.

    Changes add to the shard of their learner (learner id modulo the shard count) with an atomic upsert, so
    concurrent clicks in one course seldom wait on the same row; a recount writes shard 0 alone. Names:
    "enrolled", "started", "complete", "percent" (the sum, for the average), "p0".."p11" (progress histogram
    buckets), "l<lesson id>" (learners who completed the lesson: the funnel), "c<course id>" (a pathway's
    learners who completed the course), "t<i>" (first completions per fine bucket of time to complete),
    "m<i>.<part>" (the same per 64th of bucket i, for the median's walk), "d<YYYYMMDD>" and
    "d<YYYYMMDD>.b<4-hour block>", ".h<hour>", ".q<quarter hour>" (first completions per UTC day and part of it:
    stats_finishers.py). The site's node ("site", 0) counts "learners" and, per day,
    "a<YYYYMMDD>": the learners whose latest activity day (in their own zone) is that day.
    """

    __tablename__ = "stat_counter"
    node_kind: str = Field(max_length=8, primary_key=True)  # "course" or "pathway"
    node_id: int = Field(primary_key=True)
    name: str = Field(max_length=24, primary_key=True)
    shard: int = Field(sa_type=SmallInteger, primary_key=True)
    n: int = Field(default=0, sa_type=BigInteger)


# A node's finishers by first completion (covering).
_COURSES: Table = Enrollment.__table__  # type: ignore[attr-defined]
_PATHWAYS: Table = PathwayEnrollment.__table__  # type: ignore[attr-defined]
Index("ix_enrollment_course_finished", _COURSES.c.course_id, _COURSES.c.first_completed_at, _COURSES.c.enrolled_at)
Index(
    "ix_pathway_enrollment_pathway_finished",
    _PATHWAYS.c.pathway_id,
    _PATHWAYS.c.first_completed_at,
    _PATHWAYS.c.enrolled_at,
)
# A node's finishers by time to complete, for the median's walk. The expression is each dialect's (the migration
# writes both); the models carry PostgreSQL's so that it compares equal (SQLite does not reflect expressions).
for _table, _node in ((_COURSES, _COURSES.c.course_id), (_PATHWAYS, _PATHWAYS.c.pathway_id)):
    Index(
        f"ix_{_table.name}_time_to_complete",
        _node,
        func.extract("epoch", _table.c.first_completed_at - _table.c.enrolled_at),
        postgresql_where=_table.c.first_completed_at.is_not(None),
    )

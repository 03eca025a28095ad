"""Persistence: the table of statistics counters kept with the changes that move them (admin numbers)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, SmallInteger, Table
from sqlmodel import Field, SQLModel

from learnapp.persistence.tables import Enrollment, PathwayEnrollment


class StatCounter(SQLModel, table=True):
    """One share of one counter of a course or pathway: its value is the sum of its shards.

    Changes add to the shard of their learner (learner id modulo the shard count) with an atomic upsert, so
    concurrent clicks in one course seldom wait on the same row; a recount writes shard 0 alone. Names:
    "enrolled", "started", "complete", "percent" (the sum, for the average), "p0".."p11" (progress histogram
    buckets), "l<lesson id>" (learners who completed the lesson: the funnel), "c<course id>" (a pathway's
    learners who completed the course).
    """

    __tablename__ = "stat_counter"
    node_kind: str = Field(max_length=8, primary_key=True)  # "course" or "pathway"
    node_id: int = Field(primary_key=True)
    name: str = Field(max_length=24, primary_key=True)
    shard: int = Field(sa_type=SmallInteger, primary_key=True)
    n: int = Field(default=0, sa_type=BigInteger)


# The admin numbers that stay queries (time to complete, its median, first completions per day in the viewer's
# zone) read a node's finishers only, from these covering indexes: never the node's other learners.
_COURSES: Table = Enrollment.__table__  # type: ignore[attr-defined]
_PATHWAYS: Table = PathwayEnrollment.__table__  # type: ignore[attr-defined]
Index("ix_enrollment_course_finished", _COURSES.c.course_id, _COURSES.c.first_completed_at, _COURSES.c.enrolled_at)
Index(
    "ix_pathway_enrollment_pathway_finished",
    _PATHWAYS.c.pathway_id,
    _PATHWAYS.c.first_completed_at,
    _PATHWAYS.c.enrolled_at,
)

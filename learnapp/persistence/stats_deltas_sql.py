"""Persistence: the reads a unit's statistics deltas need at flush (which nodes learners are enrolled in)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, literal, select, union_all

from learnapp.persistence.handles import ENROLLMENT, PATHWAY_ENROLLMENT
from learnapp.persistence.stats_counters import placeholder

_MEMBERSHIP = union_all(
    select(literal("course"), ENROLLMENT.c.learner_id, ENROLLMENT.c.course_id).where(
        ENROLLMENT.c.learner_id.in_(bindparam("learners", expanding=True))
    ),
    select(literal("pathway"), PATHWAY_ENROLLMENT.c.learner_id, PATHWAY_ENROLLMENT.c.pathway_id).where(
        PATHWAY_ENROLLMENT.c.learner_id.in_(bindparam("learners", expanding=True))
    ),
)
# One learner (a click): a statement for the driver, with no SQL compilation per call.
_MEMBERSHIP_ONE = (
    "SELECT 'course', learner_id, course_id FROM enrollment WHERE learner_id = {0} "
    "UNION ALL SELECT 'pathway', learner_id, pathway_id FROM pathway_enrollment WHERE learner_id = {0}"
)


def memberships(conn: Connection, learner_ids: list[int]) -> set[tuple[int, str, int]]:
    """(learner, kind, node) for every course and pathway these learners are enrolled in, in one read."""
    if len(learner_ids) == 1:
        found = conn.exec_driver_sql(_MEMBERSHIP_ONE.format(placeholder(conn)), (learner_ids[0], learner_ids[0]))
        return {(i, k, n) for k, i, n in found}
    return {(i, k, n) for k, i, n in conn.execute(_MEMBERSHIP, {"learners": learner_ids})}


def complete_courses(conn: Connection, learner_id: int, course_ids: list[int]) -> list[int]:
    """Those of these courses the learner's stored rows say are complete."""
    return list(
        conn.execute(
            select(ENROLLMENT.c.course_id).where(
                ENROLLMENT.c.learner_id == learner_id, ENROLLMENT.c.course_id.in_(course_ids), ENROLLMENT.c.is_complete
            )
        ).scalars()
    )

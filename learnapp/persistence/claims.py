"""Persistence: an accepted claim's time written onto the node's stored row and its not yet rendered certificate."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, select, update

from learnapp.domain.claims import within_tolerance
from learnapp.persistence.certs import CERTIFICATE
from learnapp.persistence.facts import ENROLLMENT, PATHWAY_ENROLLMENT

_ROWS: dict[str, tuple[Table, str]] = {
    "course": (ENROLLMENT, "course_id"),
    "pathway": (PATHWAY_ENROLLMENT, "pathway_id"),
}
UNRENDERED = ("pending", "failed")  # a rendered (or rendering) certificate keeps the date it shows


def keep_claimed_time(
    conn: Connection, learner_id: int, kind: str, node_id: int, inferred: datetime, claimed: datetime
) -> bool:
    """The node's completion time becomes `claimed`, and its first completion time and certificate date when
    this completion is the first. False when the stored row does not show the node complete (nothing written)."""
    table, key = _ROWS[kind]
    mine = (table.c.learner_id == learner_id, table.c[key] == node_id)
    row = conn.execute(select(table.c.id, table.c.is_complete, table.c.first_completed_at).where(*mine)).first()
    if row is None or not row.is_complete:
        return False
    values: dict[str, datetime] = {"completed_at": claimed, "claimed_at": claimed}
    # The first completion is this one when it was stamped with (a time near) this completion's inferred time.
    first = within_tolerance(row.first_completed_at, inferred)
    if first:
        values["first_completed_at"] = claimed
    conn.execute(update(table).where(table.c.id == row.id).values(values))
    if first:
        conn.execute(
            update(CERTIFICATE)
            .where(
                CERTIFICATE.c.learner_id == learner_id,
                CERTIFICATE.c.node_kind == kind,
                CERTIFICATE.c.node_id == node_id,
                CERTIFICATE.c.status.in_(UNRENDERED),
            )
            .values(completed_at=claimed)
        )
    return True

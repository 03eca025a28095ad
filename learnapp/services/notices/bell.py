"""Services: a learner's notices as the bell shows them: the unread count, the most recent, all marked read."""

from __future__ import annotations

from learnapp.persistence.db import Database
from learnapp.persistence.notices import Notice, mark_all_read, recent_notices, unread_count
from learnapp.services.engine.unit_of_work import unit_of_work


def notifications(db: Database, learner_id: int) -> tuple[int, list[Notice]]:
    """(unread count, the most recent notices)."""
    with db.snapshot() as conn:
        return unread_count(conn, learner_id), recent_notices(conn, learner_id)


def read_all(db: Database, learner_id: int, origin: str | None = None) -> None:
    """Mark every notice read; the learner's other tabs are told after commit (their bells change too)."""
    with unit_of_work(db, origin=origin) as work:
        mark_all_read(work.conn, learner_id)
        work.touch(learner_id)

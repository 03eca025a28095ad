"""Statistics counters under concurrent clicks in one course: every counter still equals its recount."""

from __future__ import annotations

import threading

from learnapp.persistence.db import Database
from learnapp.persistence.stats_counters import SHARDS
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.stats_verify import verify
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_pathway

LESSONS = ("b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2")  # every countable lesson of ac-course


def test_two_threads_clicking_in_one_course_leave_every_counter_equal_to_its_recount(db: Database) -> None:
    """On PostgreSQL the two writers really overlap (SQLite serializes them): the same course, the same pathway,
    learners in the same shard and in different ones, completions that finish the course and undos that reopen it."""
    ids = [create_learner(db, f"racer{i}@example.com", f"Racer {i}", "racer-password").id for i in range(2 * SHARDS)]
    for learner in ids:
        enroll_pathway(db, learner, "path")
    mine = {0: ids[0::2], 1: ids[1::2]}  # ids i and i + SHARDS land in the same shard, in different threads
    start, failures = threading.Barrier(2), []

    def clicks(side: int) -> None:
        try:
            start.wait()
            for lesson in LESSONS:
                for learner in mine[side]:
                    record_completion(db, learner, lesson)
            for learner in mine[side][::3]:
                revoke_completion(db, learner, "w2")  # a finished course reopened
        except Exception as error:  # noqa: BLE001 - reported below, with the thread that hit it
            failures.append((side, error))

    threads = [threading.Thread(target=clicks, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    checked, differences = verify(db)
    assert checked > 0 and not differences, "\n".join(map(str, differences))

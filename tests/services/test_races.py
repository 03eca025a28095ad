"""Races on a real file database: separate engines, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from learnapp.persistence.db import Database
from learnapp.services.engine.completion import CompletionView, record_completion
from learnapp.services.engine.enrollment import enroll_course
from tests.conftest import ALICE
from tests.services.helpers import assert_stored_equals_recomputed, stored_course
from tests.services.test_completion import completions


def race(url: str, calls: list[Callable[[Database], Any]]) -> list[Any]:
    """Run each call on its own engine (its own connection), all starting at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        own = Database(url)
        try:
            with own.read() as session:  # open the connection before the start line
                session.connection()
            barrier.wait()
            results[index] = calls[index](own)
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_concurrent_recordings_of_one_lesson_leave_one_completion(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for _round in range(5):
        results: list[CompletionView] = race(db.url, [lambda d: record_completion(d, ALICE, "c1")] * 2)
        assert sorted(r.created for r in results) == [False, True]
        assert results[0].completed_at == results[1].completed_at
        assert completions(db, ALICE) == 1
        assert stored_course(db, ALICE, "ac-course").completed == 1
        from learnapp.services.engine.completion import revoke_completion

        revoke_completion(db, ALICE, "c1")


def test_concurrent_completions_of_different_lessons_all_count(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    slugs = ["b1", "b2", "b3", "c1", "c2", "c3"]
    race(db.url, [lambda d, s=s: record_completion(d, ALICE, s) for s in slugs])  # type: ignore[misc]
    assert stored_course(db, ALICE, "ac-course").completed == len(slugs)
    assert_stored_equals_recomputed(db)

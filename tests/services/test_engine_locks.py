"""Bulk recomputes lock their learners before reading facts: a click that lands mid-operation waits, never lost."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_content
from learnapp.services.engine.completion import CompletionView, record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_pathway
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ALICE, BOB, FIXTURE_CONTENT
from tests.services.helpers import assert_stored_equals_recomputed

pytestmark = pytest.mark.slow  # threads held mid-operation: `make test` runs it, `make test-fast` does not

ROUNDS = 5
# How long the operation holds its window open for the click. Unlocked, a click commits in a few
# milliseconds; locked, it waits for the operation's commit and the window simply runs out.
WINDOW_SECONDS = 0.4
CLICKED = ["b1", "b2", "b3", "c1", "c2"]  # ac-course lessons no operation below writes as facts
Operation = Callable[[Database, Path, int], Any]


@contextmanager
def click_in_the_window(db: Database, learner_id: int, lesson: str) -> Iterator[list[CompletionView]]:
    """While the operation on `db` is about to write stored progress (its facts already read), click from
    another connection and give that click the window to commit: the race made certain, not hoped for."""
    clicker = Database(db.url)
    acknowledged: list[CompletionView] = []
    errors: list[BaseException] = []
    threads: list[threading.Thread] = []

    def click() -> None:
        try:
            acknowledged.append(record_completion(clicker, learner_id, lesson))
        except BaseException as error:  # reported by the test
            errors.append(error)

    def before_write(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threads or not statement.lstrip().upper().startswith(("UPDATE ENROLLMENT", "UPDATE PATHWAY_ENROLLMENT")):
            return
        threads.append(threading.Thread(target=click))
        threads[0].start()
        threads[0].join(WINDOW_SECONDS)

    event.listen(db.engine, "before_cursor_execute", before_write)
    try:
        yield acknowledged
    finally:
        event.remove(db.engine, "before_cursor_execute", before_write)
        for thread in threads:
            thread.join(60)
        clicker.dispose()
        assert not errors, errors
        assert threads, "the operation wrote no stored progress: the window never opened"


def corrupt(db: Database, learner_id: int) -> None:
    """A stored row (ac-course, the clicked course) that disagrees with the facts: every operation writes it."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE enrollment SET completed = 99, percent = 1 WHERE learner_id = :id"
                " AND course_id = (SELECT id FROM course WHERE slug = 'ac-course')"
            ),
            {"id": learner_id},
        )


def has_fact(db: Database, learner_id: int, lesson: str) -> bool:
    with db.engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT count(*) FROM lesson_completion c JOIN lesson l ON l.id = c.lesson_id"
                " WHERE c.learner_id = :id AND l.slug = :slug"
            ),
            {"id": learner_id, "slug": lesson},
        )
        return found.scalar() == 1


def recalculate_all(db: Database, folder: Path, _round: int) -> Any:
    return recalculate(db, RecalcOptions(batch_size=2), folder / "runs", "ops")


def recalculate_one(db: Database, folder: Path, _round: int) -> Any:
    return recalculate(db, RecalcOptions(learner_id=ALICE), folder / "runs", "ops")


def legacy_import(db: Database, folder: Path, _round: int) -> Any:
    rows = [
        {"email": "alice@example.com", "pathway": "path", "module": "m-shared", "completed_at": "2026-03-01T10:00:00Z"},
        {"email": "bob@example.com", "pathway": "path", "module": "m-extra", "completed_at": "2026-03-01T10:00:00Z"},
    ]
    path = folder / "legacy.json"
    path.write_text(json.dumps(rows))
    return import_progress(db, path, "ops")


def content_import(db: Database, folder: Path, round_number: int) -> Any:
    """Every round a different catalog (w2 in, then out of ac-course), so the import recomputes the learners."""
    content = FIXTURE_CONTENT
    if round_number % 2 == 0:
        content = content.replace("      - {slug: w2, title: Wrap two}\n", "")
    catalog = folder / f"content-{round_number % 2}"
    catalog.mkdir(exist_ok=True)
    (catalog / "catalog.yaml").write_text(content)
    return import_content(db, catalog)


@pytest.mark.parametrize("operation", [recalculate_all, recalculate_one, legacy_import, content_import])
def test_a_click_during_a_bulk_operation_is_kept_and_counted(
    db: Database, tmp_path: Path, operation: Operation
) -> None:
    for learner in (ALICE, BOB):
        enroll_pathway(db, learner, "path")
    for round_number in range(ROUNDS):
        lesson = CLICKED[round_number % len(CLICKED)]
        corrupt(db, ALICE)
        with click_in_the_window(db, ALICE, lesson) as acknowledged:
            operation(db, tmp_path, round_number)
        assert [view.lesson_slug for view in acknowledged] == [lesson]  # the click was answered...
        assert has_fact(db, ALICE, lesson)
        assert_stored_equals_recomputed(db)  # ...and the operation did not write over it
        revoke_completion(db, ALICE, lesson)  # the next round clicks a lesson that is not done
        assert_stored_equals_recomputed(db)

"""The unit of work: what a change earns is written with it (outbox, version) and told after its commit, once."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.outbox import Event, events_of, progress_version, take_events
from learnapp.services.content.apply import import_plan
from learnapp.services.content.files import read_content
from learnapp.services.engine import live
from learnapp.services.engine.completion import record_completion, reset_course, revoke_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.engine.events import ClientEventIn, apply_events
from learnapp.services.errors import LearnappError
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.ui.live.tab_state import older_than_shown
from tests.conftest import ALICE, BOB
from tests.services.helpers import moment_text


def topics(db: Database, learner_id: int = ALICE) -> list[tuple[str, int]]:
    with db.snapshot() as conn:
        return [(e.topic, e.version) for e in events_of(conn, learner_id)]


def version(db: Database, learner_id: int = ALICE) -> int:
    with db.snapshot() as conn:
        return progress_version(conn, learner_id)


def test_each_change_writes_its_events_with_the_version_it_made(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    record_completion(db, ALICE, "s2")  # the last lesson: the course is first completed by the same change
    assert topics(db) == [
        ("enrollment.created", 1),
        ("lesson.completed", 2),
        ("course.milestone", 2),  # 1 of 2: the learner's own completion crossed 50%
        ("lesson.completed", 3),
        ("course.completed", 3),
    ]
    assert version(db) == 3
    with db.snapshot() as conn:
        *_, done, finished = events_of(conn, ALICE)
    assert done.payload["lesson"] == "s2" and done.payload["module"] == "m-shared"
    assert sorted(done.payload["courses"]) == ["course-a", "course-b"]
    assert (done.payload["learner_id"], done.payload["version"], done.payload["source"]) == (ALICE, 3, "ui")
    assert finished.payload["slug"] == "course-b" and finished.payload["completed_at"]
    assert uuid.UUID(finished.event_id).version == 5
    with db.snapshot() as conn:
        milestone = events_of(conn, ALICE)[2]
    assert (milestone.payload["slug"], milestone.payload["percent"]) == ("course-b", 50)


def test_a_repeat_changes_nothing_so_it_tells_nothing(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    before = (topics(db), version(db))
    record_completion(db, ALICE, "s1")
    enroll_course(db, ALICE, "course-b")
    revoke_completion(db, ALICE, "s2")  # was not complete
    assert (topics(db), version(db)) == before


def test_undo_start_over_and_a_pathway_say_what_happened(db: Database) -> None:
    enroll_pathway(db, ALICE, "path")
    record_completion(db, ALICE, "b1")
    record_completion(db, ALICE, "b2")
    revoke_completion(db, ALICE, "b2")
    reset_course(db, ALICE, "ac-course")
    names = [topic for topic, _ in topics(db)]
    assert names.count("enrollment.created") == 4  # the pathway and its three courses
    assert names[-3:] == ["lesson.completed", "lesson.uncompleted", "progress.reset"]
    with db.snapshot() as conn:
        reset = events_of(conn, ALICE)[-1]
    assert (reset.payload["course"], reset.payload["lesson_ids"]) == ("ac-course", [reset.payload["lesson_ids"][0]])


def test_a_failed_batch_leaves_no_event_and_no_version(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    before = (topics(db), version(db))
    good = ClientEventIn(id="e-1", type="lesson_completed", slug="s1")
    bad = ClientEventIn(id="e-2", type="lesson_completed", slug="no-such-lesson")
    with pytest.raises(LearnappError):
        apply_events(db, ALICE, [good, bad])
    assert (topics(db), version(db)) == before


def test_dry_runs_leave_no_event_and_no_version(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    with db.transaction() as conn:  # stale stored progress: a recalculation has work to do
        conn.exec_driver_sql("UPDATE enrollment SET completed = 0, percent = 0")
    before = (topics(db), version(db))
    report = recalculate(db, RecalcOptions(dry_run=True), tmp_path / "runs", "ops")
    assert report.updated == 1
    content = tmp_path / "content"
    content.mkdir()
    (content / "catalog.yaml").write_text(
        "modules:\n  - {slug: m-shared, title: Shared, lessons: [{slug: s1, title: One}]}\n"
        "courses:\n  - {slug: course-b, title: Course B, modules: [m-shared]}\n"
    )
    assert import_plan(db, read_content(content), dry_run=True).learners_gaining == 1
    assert (topics(db), version(db)) == before


def test_a_recalculation_that_finds_a_first_completion_tells_it(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    with db.transaction() as conn:  # the second fact arrived behind the engine's back (a restore, say)
        now = {"now": utcnow()}
        insert = (
            "INSERT INTO lesson_completion (learner_id, lesson_id, completed_at, source) "
            "SELECT 1, id, :now, 'import' FROM lesson WHERE slug = 's2'"
        )
        conn.execute(moment_text(insert, now), now)
    recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")
    assert topics(db)[-1] == ("course.completed", 3)


def test_each_consumer_takes_each_event_once(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    now = utcnow()
    with db.transaction() as conn:
        first = take_events(conn, "webhooks", now, limit=2)
    with db.transaction() as conn:
        rest = take_events(conn, "webhooks", now)
        again = take_events(conn, "webhooks", now)
        other = take_events(conn, "email", now)
    assert [e.topic for e in first + rest] == ["enrollment.created", "lesson.completed", "course.milestone"]
    assert again == [] and [e.id for e in other] == [e.id for e in first + rest]


def test_an_event_taken_in_a_rolled_back_transaction_is_taken_again(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        assert take_events(conn, "xapi", utcnow())
        raise RuntimeError("the consumer failed before queueing its work")
    with db.transaction() as conn:
        assert [e.topic for e in take_events(conn, "xapi", utcnow())] == ["enrollment.created"]


def test_two_workers_taking_at_once_take_each_event_once(db: Database) -> None:
    for learner in (ALICE, BOB):
        enroll_course(db, learner, "course-b")
        for lesson in ("s1", "s2"):
            record_completion(db, learner, lesson)
    taken: list[list[Event]] = [[], []]
    start = threading.Barrier(2)

    def worker(index: int) -> None:
        start.wait()
        for _ in range(6):
            with db.transaction() as conn:
                taken[index] += take_events(conn, "webhooks", utcnow(), limit=2)

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [e.id for e in taken[0] + taken[1]]
    with db.snapshot() as conn:
        assert sorted(ids) == [e.id for e in events_of(conn)]  # every event, none twice


@pytest.fixture
def heard() -> Iterator[list[tuple[int, str | None]]]:
    calls: list[tuple[int, str | None]] = []

    def listener(change: live.ProgressChanged) -> None:
        calls.append((change.learner_id, change.origin))

    remove = live.on_progress_changed(listener)
    yield calls
    remove()
    live._loop = None


def serve(work: Any) -> None:
    """Run `work` in a worker thread of a serving loop, as the app's handlers do, and let the loop catch up."""

    async def main() -> None:
        await live.bind_loop()
        await asyncio.to_thread(work)
        # The thread handed its changes to the loop before its own end was, so the listeners' tasks exist: wait for
        # them to finish rather than for a while.
        await asyncio.gather(*list(live._running))

    asyncio.run(main())


def record_from_tab(db: Database, tab: str) -> None:
    with live.writing_from(tab, live.Scope.PROGRESS):
        record_completion(db, ALICE, "s1")


def test_tabs_are_told_after_commit_except_the_one_that_made_it(
    db: Database, heard: list[tuple[int, str | None]]
) -> None:
    serve(lambda: enroll_course(db, ALICE, "course-b", origin="tab-1"))
    serve(lambda: record_from_tab(db, "tab-2"))  # the tab a change is made from is its origin
    serve(lambda: record_completion(db, ALICE, "s1"))  # nothing changed: no one told
    serve(lambda: enroll_course(db, BOB, "course-b"))
    assert heard == [(ALICE, "tab-1"), (ALICE, "tab-2"), (BOB, None)]


def test_failed_and_dry_changes_tell_no_one(db: Database, heard: list[tuple[int, str | None]], tmp_path: Path) -> None:
    def failing() -> None:
        with pytest.raises(LearnappError):
            record_completion(db, ALICE, "s1")  # not enrolled

    serve(failing)
    serve(lambda: recalculate(db, RecalcOptions(dry_run=True), tmp_path / "runs", "ops"))
    assert heard == []


def test_a_tab_ignores_a_read_older_than_what_it_shows() -> None:
    assert older_than_shown(ALICE, 5, ALICE, 4)
    assert not older_than_shown(ALICE, 5, ALICE, 5)  # a reload of the same state
    assert not older_than_shown(ALICE, 5, ALICE, 6)
    assert not older_than_shown(ALICE, 5, BOB, 1)  # signed in as someone else: never older
    assert not older_than_shown(0, -1, ALICE, 0)  # a fresh tab


def test_versions_only_grow_and_every_event_is_within_them(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    for lesson in ("s1", "s2"):
        record_completion(db, ALICE, lesson)
    revoke_completion(db, ALICE, "s1")
    seen = [v for _, v in topics(db)]
    assert seen == sorted(seen) and seen[-1] == version(db) == 4

"""The WAL checkpointer: commits leave their pages in the WAL, a background thread copies them into the database."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from learnapp.persistence.checkpoint import Checkpointer, checkpoint
from learnapp.persistence.db import WAL_AUTOCHECKPOINT_PAGES, Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from tests.conftest import ALICE


def _in_main_file(db: Database, folder: Path) -> int | None:
    """Alice's completions as the database file alone holds them (a copy without its WAL); None mid-write."""
    copy = folder / "main-only.db"
    shutil.copyfile(db.url.split("///", 1)[1], copy)
    try:
        with sqlite3.connect(copy) as conn:
            query = "SELECT count(*) FROM lesson_completion WHERE learner_id = ?"
            return int(conn.execute(query, (ALICE,)).fetchone()[0])
    except sqlite3.DatabaseError:  # copied while a checkpoint was writing pages: ask again
        return None
    finally:
        copy.unlink()


def _click_three(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    for slug in ("b1", "b2", "b3"):
        record_completion(db, ALICE, slug)


def test_a_commit_leaves_its_pages_in_the_wal_and_the_checkpointer_copies_them(db: Database, tmp_path: Path) -> None:
    if not db.is_sqlite:
        assert checkpoint(db) == 0  # PostgreSQL checkpoints itself; no thread is started
        assert not Checkpointer(db).start()._thread.is_alive()
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT_PAGES
    _click_three(db)
    assert _in_main_file(db, tmp_path) == 0  # the clicks paid for no checkpoint: their rows are only in the WAL
    checkpointer = Checkpointer(db, interval=0.05).start()
    try:
        deadline = time.monotonic() + 15
        while _in_main_file(db, tmp_path) != 3:
            assert time.monotonic() < deadline, "the checkpointer never copied the WAL into the database"
            time.sleep(0.05)
    finally:
        checkpointer.stop()
    assert not checkpointer._thread.is_alive()
    record_completion(db, ALICE, "c1")  # writing goes on after the copy (the WAL restarts from its beginning)
    assert checkpoint(db) > 0
    assert _in_main_file(db, tmp_path) == 4


def test_checkpoint_reports_the_frames_it_copied(db: Database) -> None:
    if not db.is_sqlite:
        return
    _click_three(db)
    copied = checkpoint(db)
    assert copied > 0
    assert checkpoint(db) == copied  # nothing new since: the same frames, already in the database

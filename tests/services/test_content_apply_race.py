"""Two admins apply different uploads previewed on the same catalog at the same moment: one applies, one is refused."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from learnapp.persistence.db import Database
from learnapp.services.content import updates as admin_content
from learnapp.services.content.updates import CatalogChanged, apply_upload, preview_upload
from learnapp.services.content.upload import upload_source
from tests.conftest import ADMIN, FIXTURE_CONTENT


def _upload(db: Database, old: str, new: str) -> object:
    files = [("catalog.yaml", FIXTURE_CONTENT.replace(f"title: {old}", f"title: {new}").encode())]
    return preview_upload(db, upload_source(files)).previewed


def _someone_waits_on_a_lock(db: Database) -> bool:
    with db.engine.connect() as conn:
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(conn.execute(text(waiting)).scalar())


def test_two_applies_on_the_same_preview_version_apply_once(db: Database) -> None:
    """On PostgreSQL the second apply waits for the first and then finds the catalog changed (it was a lost update:
    both read version v, both wrote v + 1, and both passed the check). SQLite serializes writers anyway."""
    # Different lessons: nothing but the catalog's version row is written by both.
    first, second = _upload(db, "Extra one", "Extra by Ann"), _upload(db, "Core one", "Core by Ben")
    outcomes: dict[str, str] = {}
    holding = threading.Event()

    def apply(name: str, previewed: object) -> None:
        try:
            apply_upload(db, previewed, ADMIN)  # type: ignore[arg-type]
            outcomes[name] = "applied"
        except CatalogChanged:
            outcomes[name] = "refused"

    if db.is_sqlite:
        apply("ann", first)
        apply("ben", second)
    else:
        original = admin_content._record_recalculated

        def slow_record(conn, started, actor_id):  # type: ignore[no-untyped-def]
            # Ann holds her transaction open until Ben is blocked behind it: a positive signal, not a sleep.
            if threading.current_thread().name == "ann":
                holding.set()
                deadline = time.monotonic() + 20
                while not _someone_waits_on_a_lock(db):
                    assert time.monotonic() < deadline, "Ben never waited for Ann"
                    time.sleep(0.02)
            return original(conn, started, actor_id)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(admin_content, "_record_recalculated", slow_record)
            ann = threading.Thread(target=apply, args=("ann", first), name="ann")
            ann.start()
            assert holding.wait(20)
            ben = threading.Thread(target=apply, args=("ben", second), name="ben")
            ben.start()
            ann.join(30)
            ben.join(30)
    assert outcomes == {"ann": "applied", "ben": "refused"}
    assert "Extra by Ann" in _titles(db) and "Core by Ben" not in _titles(db)


def _titles(db: Database) -> str:
    with db.snapshot() as conn:
        return " ".join(r[0] for r in conn.execute(text("SELECT title FROM lesson WHERE retired = false")))

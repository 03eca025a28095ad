"""Consequences follow from what the recompute changed, whoever called it: one notice, one certificate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.persistence.facts import insert_completion
from learnapp.services.content.apply import import_content
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from tests.conftest import ALICE, BOB, FIXTURE_CONTENT
from tests.dbdump import dump
from tests.services.helpers import assert_stored_equals_recomputed

CONSEQUENCES = ("certificate", "notification")


def certificates(db: Database, learner_id: int) -> list[tuple[str, str]]:
    """(kind, slug) of every certificate of the learner, repeats included."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.node_kind, COALESCE(co.slug, p.slug) FROM certificate c"
                " LEFT JOIN course co ON c.node_kind = 'course' AND co.id = c.node_id"
                " LEFT JOIN pathway p ON c.node_kind = 'pathway' AND p.id = c.node_id"
                " WHERE c.learner_id = :learner ORDER BY 1, 2"
            ),
            {"learner": learner_id},
        )
        return [(kind, slug) for kind, slug in rows]


def notices(db: Database, learner_id: int) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT dedupe_key FROM notification WHERE learner_id = :learner ORDER BY dedupe_key"),
            {"learner": learner_id},
        )
        return [key for (key,) in rows]


def completed_notices(db: Database, learner_id: int) -> list[str]:
    return [key for key in notices(db, learner_id) if key.endswith(":completed")]


def raw_completions(db: Database, learner_id: int, slugs: list[str]) -> None:
    """Facts written behind the engine's back (a data migration): stored rows still say incomplete."""
    with db.transaction() as conn:
        catalog = current_catalog(conn)
        for slug in slugs:
            found = catalog.lesson(slug)
            assert found is not None
            insert_completion(conn, learner_id, found[0].id, datetime(2026, 2, 1, 9, 0, tzinfo=UTC), "import")


def test_enrolling_in_a_course_whose_shared_module_is_done_earns_its_certificate_and_notice(db: Database) -> None:
    enroll_course(db, ALICE, "course-a")
    for slug in ("s1", "s2"):
        record_completion(db, ALICE, slug)  # m-shared done; course-a still misses e1
    assert certificates(db, ALICE) == []
    enroll_course(db, ALICE, "course-b")  # course-b is m-shared only: complete the moment it is enrolled
    assert certificates(db, ALICE) == [("course", "course-b")]
    assert completed_notices(db, ALICE) == ["course:course-b:completed"]
    # Progress made earlier is no news: enrolling announces the completion, no milestone of course-b.
    assert not [k for k in notices(db, ALICE) if k.startswith("course:course-b:") and not k.endswith("completed")]
    enroll_course(db, ALICE, "course-b")  # a repeat earns nothing more
    assert certificates(db, ALICE) == [("course", "course-b")]
    assert_stored_equals_recomputed(db)


def test_enrolling_in_a_pathway_whose_courses_are_all_done_earns_the_pathway_certificate(db: Database) -> None:
    for course in ("ac-course", "course-a", "course-b"):
        enroll_course(db, ALICE, course)
    for slug in ("b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1", "w2", "s1", "s2", "e1"):
        record_completion(db, ALICE, slug)
    assert ("pathway", "path") not in certificates(db, ALICE)
    enroll_pathway(db, ALICE, "path")
    assert certificates(db, ALICE) == [
        ("course", "ac-course"),
        ("course", "course-a"),
        ("course", "course-b"),
        ("pathway", "path"),
    ]
    assert "pathway:path:completed" in completed_notices(db, ALICE)
    assert_stored_equals_recomputed(db)


def test_a_content_import_that_removes_the_last_missing_lesson_earns_the_certificate(
    db: Database, tmp_path: Path
) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    (tmp_path / "catalog.yaml").write_text(FIXTURE_CONTENT.replace("      - {slug: s2, title: Shared two}\n", ""))
    import_content(db, tmp_path)
    assert certificates(db, ALICE) == [("course", "course-b")]
    assert completed_notices(db, ALICE) == ["course:course-b:completed"]
    assert_stored_equals_recomputed(db)


def test_a_legacy_import_that_completes_a_course_earns_its_certificate_and_notice(db: Database, tmp_path: Path) -> None:
    rows = [
        {"email": "bob@example.com", "pathway": "path", "module": "m-shared", "completed_at": "2026-03-03T09:00:00Z"}
    ]
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(rows))
    import_progress(db, path, "ops")
    assert certificates(db, BOB) == [("course", "course-b")]
    assert completed_notices(db, BOB) == ["course:course-b:completed"]
    # Imported history is old progress: no milestone floods the bell (course-a went to 66%).
    assert notices(db, BOB) == ["course:course-b:completed"]
    assert_stored_equals_recomputed(db)


@pytest.mark.parametrize(
    "options", [RecalcOptions(), RecalcOptions(learner_id=ALICE), RecalcOptions(course="course-b")]
)
def test_recalculate_repairing_an_incomplete_row_earns_the_certificate_exactly_once(
    db: Database, tmp_path: Path, options: RecalcOptions
) -> None:
    enroll_course(db, ALICE, "course-b")
    enroll_course(db, BOB, "course-b")
    for slug in ("s1", "s2"):
        record_completion(db, BOB, slug)  # Bob completed by clicks: his certificate is already queued
    with db.engine.begin() as conn:  # both stored rows corrupted to "never completed"
        conn.execute(
            text(
                "UPDATE enrollment SET completed = 0, percent = 0, is_complete = :no, completed_at = NULL,"
                " first_completed_at = NULL"
            ),
            {"no": False},
        )
    raw_completions(db, ALICE, ["s1", "s2"])
    for _run in range(2):
        recalculate(db, options, tmp_path / "runs", "ops")
        assert certificates(db, ALICE) == [("course", "course-b")]
        assert completed_notices(db, ALICE) == ["course:course-b:completed"]
        assert notices(db, ALICE) == ["course:course-b:completed"]  # no milestone for old progress
    recalculate(db, RecalcOptions(), tmp_path / "runs", "ops")  # every learner, Bob too
    assert certificates(db, BOB) == [("course", "course-b")]  # repaired again: still one of each
    assert completed_notices(db, BOB) == ["course:course-b:completed"]
    assert_stored_equals_recomputed(db)


def test_dry_runs_write_no_certificate_and_no_notice(db: Database, tmp_path: Path) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1")
    enroll_course(db, BOB, "course-b")
    raw_completions(db, BOB, ["s1", "s2"])  # Bob's stored row says 0 of 2: a recalculation would complete it
    before = dump(db, skip=("operation_run",))
    before_consequences = [line for line in before if line.split(":")[0] in CONSEQUENCES]

    assert recalculate(db, RecalcOptions(dry_run=True), tmp_path / "runs", "ops").updated == 1
    legacy = tmp_path / "legacy.json"
    legacy.write_text(
        json.dumps(
            [
                {
                    "email": "bob@example.com",
                    "pathway": "path",
                    "module": "m-extra",
                    "completed_at": "2026-03-03T09:00:00Z",
                }
            ]
        )
    )
    assert import_progress(db, legacy, "ops", dry_run=True).learners == 1
    changed = tmp_path / "content"
    changed.mkdir()
    (changed / "catalog.yaml").write_text(FIXTURE_CONTENT.replace("      - {slug: s2, title: Shared two}\n", ""))
    assert import_content(db, changed, dry_run=True).learners_gaining == 2  # Alice's course-b, and Bob's

    after = dump(db, skip=("operation_run",))
    assert [line for line in after if line.split(":")[0] in CONSEQUENCES] == before_consequences
    assert after == before

"""Admin views of learners: search, the learner's record and history, re-issue, CSV export, content impact."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.admin.learners import CSV_COLUMNS, find_learners, reissue_certificate
from learnapp.services.admin.stats import course_progress_csv, course_stats, learner_detail
from learnapp.services.content.updates import apply_content, preview_content
from learnapp.services.engine.completion import record_completion, reset_course
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import NotFound
from learnapp.services.notices.certificates import certificates_of
from tests.conftest import ADMIN, ALICE, BOB, FIXTURE_CONTENT
from tests.services.helpers import assert_stored_equals_recomputed, stored_course


def finish_course_b(db: Database, learner: int) -> None:
    enroll_course(db, learner, "course-b")
    record_completion(db, learner, "s1")
    record_completion(db, learner, "s2")


def test_find_learners_by_name_email_or_id(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    assert [(r.id, r.enrollments) for r in find_learners(db, "ALI")] == [(ALICE, 1)]
    assert [r.id for r in find_learners(db, "bob@example")] == [BOB]
    assert [r.id for r in find_learners(db, str(BOB))] == [BOB]
    assert [r.id for r in find_learners(db)] == [ADMIN, BOB, ALICE]  # newest first
    assert find_learners(db, "%") == find_learners(db, "") and find_learners(db, "nobody") == []


def test_learner_detail_lists_enrollments_history_and_certificates(db: Database) -> None:
    finish_course_b(db, ALICE)
    enroll_course(db, ALICE, "ac-course")
    record_completion(db, ALICE, "b1")
    detail = learner_detail(db, ALICE)
    assert (detail.name, detail.email, detail.role, detail.lessons_completed) == (
        "Alice",
        "alice@example.com",
        "learner",
        3,
    )
    rows = {e.slug: (e.completed, e.total, e.percent, e.complete) for e in detail.enrollments}
    assert rows == {"ac-course": (1, 10, 10, False), "course-b": (2, 2, 100, True)}
    assert [h.action for h in detail.history][:3] == ["completed", "enrolled", "completed"]
    assert detail.history[0].lesson == "Basics one" and detail.history[0].actor == "Alice"
    assert [(c.slug, c.status) for c in detail.certificates] == [("course-b", "pending")]
    with pytest.raises(NotFound):
        learner_detail(db, 999)


def test_admin_reset_and_reissue_are_recorded_as_admin_actions(db: Database) -> None:
    finish_course_b(db, ALICE)
    cert = certificates_of(db, ALICE)[0]
    reset_course(db, ALICE, "course-b", source="admin", actor_id=ADMIN)
    reissue_certificate(db, ALICE, cert.id, ADMIN)
    history = learner_detail(db, ALICE).history
    assert [(h.action, h.source, h.actor) for h in history[:3]] == [
        ("certificate reissued", "admin", "Ada Admin"),
        ("reset", "admin", "Ada Admin"),
        ("reset", "admin", "Ada Admin"),
    ]
    assert stored_course(db, ALICE, "course-b").percent == 0
    assert_stored_equals_recomputed(db)
    assert certificates_of(db, ALICE)[0].code == cert.code  # never revoked, same code
    with pytest.raises(NotFound):
        reissue_certificate(db, BOB, cert.id, ADMIN)  # not Bob's certificate


def test_csv_has_one_row_per_enrolled_learner_and_defuses_formulas(db: Database) -> None:
    dan = create_learner(db, "dan@example.com", "=HYPERLINK(1)", "dan-password").id
    finish_course_b(db, ALICE)
    enroll_course(db, dan, "course-b")
    rows = list(csv.DictReader(io.StringIO(course_progress_csv(db, "course-b"))))
    assert [(r["learner_id"], r["completed_lessons"], r["percent"], r["complete"]) for r in rows] == [
        (str(ALICE), "2", "100", "yes"),
        (str(dan), "0", "0", "no"),
    ]
    assert rows[1]["name"] == "'=HYPERLINK(1)" and rows[0]["completed_at"].endswith("+00:00")
    assert course_progress_csv(db, "course-a").splitlines() == [",".join(CSV_COLUMNS)]  # nobody enrolled
    with pytest.raises(NotFound):
        course_progress_csv(db, "nope")


def _content_with_new_lesson(tmp_path: Path) -> Path:
    folder = tmp_path / "changed"
    folder.mkdir()
    s2 = "      - {slug: s2, title: Shared two}\n"
    changed = FIXTURE_CONTENT.replace(s2, s2 + "      - {slug: s3, title: Shared three}\n")
    (folder / "catalog.yaml").write_text(changed)
    return folder


def test_content_preview_counts_the_impact_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    """A lesson added to the shared module reopens course-a and course-b; Alice had both, Bob only course-b."""
    finish_course_b(db, ALICE)
    enroll_course(db, ALICE, "course-a")
    record_completion(db, ALICE, "e1")
    finish_course_b(db, BOB)
    impact = preview_content(db, _content_with_new_lesson(tmp_path), root=tmp_path)
    report = impact.report
    assert report.dry_run and report.changed_courses == ["course-a", "course-b"]
    assert (report.learners_dropping, report.learners_gaining, report.completions_reopened) == (2, 0, 3)
    assert sorted((c.learner, c.title) for c in impact.certificates) == [
        ("Alice", "Course A"),
        ("Alice", "Course B"),
        ("Bob", "Course B"),
    ]
    assert stored_course(db, ALICE, "course-b").is_complete  # nothing written
    assert course_stats(db, "course-b").summary.completed == 2


def test_applying_content_recomputes_progress_and_records_it(db: Database, tmp_path: Path) -> None:
    finish_course_b(db, ALICE)
    finish_course_b(db, BOB)
    folder = _content_with_new_lesson(tmp_path)
    impact = apply_content(db, folder, ADMIN, preview_content(db, folder, tmp_path).digest, tmp_path)
    assert (impact.report.learners_dropping, len(impact.certificates)) == (2, 2)
    row = stored_course(db, ALICE, "course-b")
    assert (row.completed, row.total, row.percent, row.is_complete) == (2, 3, 66, False)
    assert row.first_completed_at is not None
    assert_stored_equals_recomputed(db)
    entry = learner_detail(db, BOB).history[0]
    assert (entry.action, entry.source, entry.actor, entry.node) == ("recalculated", "admin", "Ada Admin", "Course B")
    assert entry.lesson == "" and course_stats(db, "course-b").summary.completed == 0
    assert [c.status for c in certificates_of(db, ALICE)] == ["pending"]  # still there: never revoked

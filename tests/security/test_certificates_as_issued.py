"""Certificates keep the holder's name and the title as issued; codes carry 80 bits; a taken code is retried."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from learnapp.domain.clock import utcnow
from learnapp.persistence import certs
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import update_profile
from learnapp.services.content.apply import import_content
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.notices.certificates import certificate_pdf, certificates_of, issue_due, verify
from tests.conftest import ALICE, BOB


def finish_course_b(db: Database, learner: int = ALICE) -> None:
    enroll_course(db, learner, "course-b")
    record_completion(db, learner, "s1")
    record_completion(db, learner, "s2")


def retitle(content_dir: Path, tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "renamed"
    folder.mkdir()
    text = (content_dir / "catalog.yaml").read_text()
    assert old in text
    (folder / "catalog.yaml").write_text(text.replace(old, new))
    return folder


def test_verify_pdf_and_listing_keep_the_name_and_title_as_issued(
    db: Database, content_dir: Path, tmp_path: Path
) -> None:
    finish_course_b(db)
    assert issue_due(db) == 1
    [issued] = certificates_of(db, ALICE)
    update_profile(db, ALICE, "Alice Renamed", "Europe/Paris")
    import_content(db, retitle(content_dir, tmp_path, "title: Course B", "title: Course B Reloaded"))

    found = verify(db, issued.code)
    assert found is not None
    name, cert = found
    assert (name, cert.title) == ("Alice", "Course B")
    assert [c.title for c in certificates_of(db, ALICE)] == ["Course B"]
    # Rendered again (an admin retry), the PDF still says what was issued.
    with db.transaction() as conn:
        assert certs.requeue(conn, issued.id)
    assert issue_due(db) == 1
    pdf = certificate_pdf(db, issued.code, ALICE, is_admin=False)
    page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Alice" in page and "Course B" in page
    assert "Renamed" not in page and "Reloaded" not in page


def test_a_certificate_queued_before_the_rename_keeps_the_name_it_was_earned_under(
    db: Database, content_dir: Path, tmp_path: Path
) -> None:
    finish_course_b(db)  # queued, not rendered yet
    update_profile(db, ALICE, "Alice Later", "Europe/Paris")
    import_content(db, retitle(content_dir, tmp_path, "title: Course B", "title: Course B Later"))
    assert issue_due(db) == 1
    [cert] = certificates_of(db, ALICE)
    found = verify(db, cert.code)
    assert found is not None and found[0] == "Alice" and found[1].title == "Course B"


def test_codes_carry_at_least_80_bits() -> None:
    codes = {certs.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-7]{16}", code), code  # 16 base32 characters = 80 bits
    assert certs.CODE_BYTES * 8 >= 80


def planned(monkeypatch: pytest.MonkeyPatch, codes: list[str]) -> list[str]:
    """The generator hands out `codes` in order; returns the list of codes handed out."""
    handed: list[str] = []

    def next_code() -> str:
        handed.append(codes[len(handed)])
        return handed[-1]

    monkeypatch.setattr(certs, "new_code", next_code)
    return handed


def test_a_code_already_taken_is_retried_and_the_completion_succeeds(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken, fresh = "TAKENTAKENTAKEN2", "FRESHFRESHFRESH2"
    finish_course_b(db, BOB)
    with db.transaction() as conn:  # Bob's certificate already holds the code the generator gives next
        conn.execute(certs.CERTIFICATE.update().values(code=taken))
    handed = planned(monkeypatch, [taken, fresh])

    finish_course_b(db, ALICE)  # the completion does not fail

    assert handed == [taken, fresh]
    [alice] = certificates_of(db, ALICE)
    [bob] = certificates_of(db, BOB)
    assert (alice.code, bob.code) == (fresh, taken)
    assert (alice.status, alice.title) == ("pending", "Course B")


def test_a_second_queue_for_the_same_course_adds_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    finish_course_b(db)
    [first] = certificates_of(db, ALICE)
    planned(monkeypatch, ["ONEMORECODEXXXX2"])
    with db.transaction() as conn:
        course_b = conn.execute(select(certs.COURSE.c.id).where(certs.COURSE.c.slug == "course-b")).scalar_one()
        certs.queue(conn, ALICE, "course", course_b, utcnow())
    assert [c.code for c in certificates_of(db, ALICE)] == [first.code]

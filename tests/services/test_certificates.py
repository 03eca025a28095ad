"""Certificates: exactly once, off the click path, retried with backoff, real PDF, QR to the verify page."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion, revoke_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.errors import NotFound
from learnapp.services.notices.bell import notifications
from learnapp.services.notices.certificate_pdf import CertificateText, render_certificate
from learnapp.services.notices.certificates import (
    MAX_ATTEMPTS,
    backoff,
    certificate_pdf,
    certificates_of,
    issue_due,
    retrigger,
    verify,
)
from learnapp.settings import ROOT
from tests.conftest import ADMIN, ALICE, BOB
from tests.services.test_races import race


def finish_course_b(db: Database, learner: int = ALICE) -> None:
    enroll_course(db, learner, "course-b")
    record_completion(db, learner, "s1")
    record_completion(db, learner, "s2")


def test_completing_a_course_queues_one_pending_certificate_without_rendering_it(db: Database) -> None:
    finish_course_b(db)
    [cert] = certificates_of(db, ALICE)
    assert (cert.kind, cert.slug, cert.status, cert.attempts) == ("course", "course-b", "pending", 0)


def test_two_concurrent_last_lessons_give_one_certificate_and_one_completed_notice(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    race(db.url, [lambda d: record_completion(d, ALICE, "s1"), lambda d: record_completion(d, ALICE, "s2")])
    assert len(certificates_of(db, ALICE)) == 1
    titles = [n.title for n in notifications(db, ALICE)[1]]
    assert titles.count("You completed Course B") == 1


def test_the_worker_issues_it_and_tells_the_learner(db: Database) -> None:
    finish_course_b(db)
    told: list[int] = []
    assert issue_due(db, issued_to=told) == 1 and told == [ALICE]
    [cert] = certificates_of(db, ALICE)
    assert cert.status == "issued"
    assert any("certificate for Course B is ready" in n.title for n in notifications(db, ALICE)[1])
    assert issue_due(db) == 0


def test_a_failed_render_is_retried_with_backoff_then_issued(db: Database) -> None:
    finish_course_b(db)
    calls: list[int] = []

    def flaky(text: CertificateText) -> bytes:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return render_certificate(text)

    now = utcnow()
    assert issue_due(db, render=flaky, now=now) == 0
    [cert] = certificates_of(db, ALICE)
    assert (cert.status, cert.attempts, cert.last_error) == ("pending", 1, "OSError: disk full")
    assert issue_due(db, render=flaky, now=now + backoff(1) - timedelta(seconds=1)) == 0  # not due yet
    assert issue_due(db, render=flaky, now=now + backoff(1)) == 1
    assert certificates_of(db, ALICE)[0].status == "issued"


def test_after_the_last_attempt_it_is_failed_and_an_admin_can_retrigger(db: Database) -> None:
    finish_course_b(db)

    def broken(text: CertificateText) -> bytes:
        raise RuntimeError("renderer down")

    moment = utcnow()
    for _ in range(MAX_ATTEMPTS):
        issue_due(db, render=broken, now=moment)
        moment += timedelta(minutes=10)
    [cert] = certificates_of(db, ALICE)
    assert (cert.status, cert.attempts) == ("failed", MAX_ATTEMPTS)
    retrigger(db, cert.id)
    assert issue_due(db) == 1 and certificates_of(db, ALICE)[0].status == "issued"
    with pytest.raises(NotFound):
        retrigger(db, 999)


@pytest.mark.slow  # spawns a process: `make test` runs it, `make test-fast` does not
def test_a_pending_certificate_is_issued_by_a_fresh_process_after_a_restart(db: Database) -> None:
    finish_course_b(db)
    db.dispose()
    env = {"LEARNAPP_DATABASE_URL": db.url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "learnapp"), "certificates", "issue"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "issued 1" in done.stdout
    assert certificates_of(db, ALICE)[0].status == "issued"


def test_undo_never_revokes_and_recompleting_never_issues_a_second(db: Database) -> None:
    finish_course_b(db)
    issue_due(db)
    revoke_completion(db, ALICE, "s2")
    record_completion(db, ALICE, "s2")
    issue_due(db)
    [cert] = certificates_of(db, ALICE)
    assert cert.status == "issued"


def test_the_certificate_date_is_when_the_course_was_completed_not_when_it_was_queued(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    earlier = utcnow() - timedelta(days=9)
    record_completion(db, ALICE, "s1", source="import", completed_at=earlier - timedelta(days=1))
    record_completion(db, ALICE, "s2", source="import", completed_at=earlier)
    # The day where Alice lives (SPEC §5): near midnight UTC, Paris is already on the next one.
    assert certificates_of(db, ALICE)[0].completed_on == earlier.astimezone(ZoneInfo("Europe/Paris")).date()


def test_the_pdf_holds_name_course_date_and_code(db: Database) -> None:
    finish_course_b(db)
    issue_due(db)
    cert = certificates_of(db, ALICE)[0]
    text = PdfReader(io.BytesIO(certificate_pdf(db, cert.code, ALICE, False))).pages[0].extract_text()
    for expected in ("Alice", "Course B", cert.code, cert.completed_on.strftime("%-d %B %Y")):
        assert expected in text


def test_the_qr_code_decodes_to_the_public_verify_url(db: Database) -> None:
    finish_course_b(db)
    issue_due(db)
    cert = certificates_of(db, ALICE)[0]
    page = pypdfium2.PdfDocument(certificate_pdf(db, cert.code, ALICE, False))[0]
    image = page.render(scale=2).to_pil()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [f"http://localhost:3000/verify/{cert.code}"]


def test_verify_shows_a_known_code_and_refuses_an_unknown_one(db: Database) -> None:
    finish_course_b(db)
    code = certificates_of(db, ALICE)[0].code
    assert verify(db, code) is None  # not issued yet: nothing to vouch for
    issue_due(db)
    found = verify(db, code.lower())
    assert found is not None and found[0] == "Alice" and found[1].title == "Course B"
    assert verify(db, "NOPE00000000") is None


def test_only_the_owner_or_an_admin_downloads_the_pdf(db: Database) -> None:
    finish_course_b(db)
    issue_due(db)
    code = certificates_of(db, ALICE)[0].code
    assert certificate_pdf(db, code, ALICE, False).startswith(b"%PDF")
    assert certificate_pdf(db, code, ADMIN, True).startswith(b"%PDF")
    with pytest.raises(NotFound):
        certificate_pdf(db, code, BOB, False)

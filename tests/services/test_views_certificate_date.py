"""A certificate's date is the holder's local day at completion, the same on the PDF, /verify and the lists."""

from __future__ import annotations

from datetime import UTC, date, datetime

from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import update_profile
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.notices.certificate_pdf import CertificateText
from learnapp.services.notices.certificates import certificates_of, issue_due, verify
from tests.conftest import ADMIN, ALICE, BOB

LATE_EVENING_UTC = datetime(2025, 1, 14, 23, 30, tzinfo=UTC)  # already the 15th in Paris (UTC+1)


def finish_course_b(db: Database, learner: int) -> list[CertificateText]:
    enroll_course(db, learner, "course-b")
    for lesson in ("s1", "s2"):
        record_completion(db, learner, lesson, completed_at=LATE_EVENING_UTC, actor_id=ADMIN)
    rendered: list[CertificateText] = []

    def render(text: CertificateText) -> bytes:
        rendered.append(text)
        return b"%PDF-test"

    assert issue_due(db, render=render) == 1
    return rendered


def test_the_date_is_the_holders_local_day_everywhere(db: Database) -> None:
    [text] = finish_course_b(db, ALICE)  # Alice lives in Europe/Paris
    assert text.completed_on == date(2025, 1, 15)
    [mine] = certificates_of(db, ALICE)
    assert mine.completed_on == date(2025, 1, 15)
    found = verify(db, mine.code)
    assert found is not None and found[1].completed_on == date(2025, 1, 15)


def test_moving_later_does_not_change_the_date_of_a_certificate(db: Database) -> None:
    finish_course_b(db, ALICE)
    update_profile(db, ALICE, "Alice", "America/Los_Angeles")  # the 14th there, had she lived there then
    [mine] = certificates_of(db, ALICE)
    assert mine.completed_on == date(2025, 1, 15)


def test_a_holder_in_utc_gets_the_utc_day(db: Database) -> None:
    [text] = finish_course_b(db, BOB)
    assert text.completed_on == date(2025, 1, 14)

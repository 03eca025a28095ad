"""Notices by email from the outbox: completion and certificate emails, once per cause, as the learner chose."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.engine.unit_of_work import unit_of_work
from learnapp.services.mail.notices import queue_notices
from learnapp.services.mail.preferences import email_preferences, set_email_preference
from learnapp.services.mail.transport import SmtpTransport
from learnapp.services.mail.worker import MailWorker
from learnapp.services.notices.certificates import issue_due
from tests.clock import days_ago
from tests.conftest import ALICE, BOB
from tests.mail.conftest import SmtpServer, html_of, links, queued, text_of


def complete_course_b(db: Database, learner: int) -> None:
    enroll_course(db, learner, "course-b")
    record_completion(db, learner, "s1")
    record_completion(db, learner, "s2")


def test_a_completed_course_sends_one_email_with_one_click_unsubscribe(db: Database, smtp: SmtpServer) -> None:
    complete_course_b(db, ALICE)
    worker = MailWorker(db, SmtpTransport(smtp.url))
    assert worker.round().sent == 1
    assert worker.round().sent == 0  # the event was taken once: a second round sends nothing
    [message] = smtp.inbox.messages
    assert message["Subject"] == "You completed Course B" and message["To"] == "Alice <alice@example.com>"
    text, html = text_of(message), html_of(message)
    assert 'you completed the course "Course B"' in text and "<strong>Course B</strong>" in html
    assert "http://localhost:3000/courses/course-b" in links(text) + links(html)
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://localhost:3000/mail/unsubscribe?t=1.course_completed.")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in links(text) and unsubscribe.strip("<>") in links(html)


def test_a_ready_certificate_sends_its_link_and_the_completion_email_carries_it_once_issued(db: Database) -> None:
    complete_course_b(db, ALICE)
    assert issue_due(db, render=lambda _text: b"%PDF-1.4 test") == 1  # before the completion email is queued
    assert queue_notices(db, utcnow()) == 2
    completed, ready = queued(db)
    code_link = next(u for u in links(text_of(ready)) if "/certificates/" in u)
    assert ready["Subject"] == "Your certificate for Course B is ready" and code_link.endswith(".pdf")
    assert code_link in links(text_of(completed)) and code_link in links(html_of(ready))
    assert any("/verify/" in u for u in links(text_of(ready)))


def test_two_workers_taking_the_same_completion_queue_one_email(db: Database) -> None:
    complete_course_b(db, ALICE)
    complete_course_b(db, BOB)
    workers = [Database(db.url), Database(db.url)]
    counts: list[int] = []
    for _ in range(10):  # one event per round each: the two keep asking for the same next event
        threads = [threading.Thread(target=lambda w=w: counts.append(queue_notices(w, utcnow(), 1))) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for worker in workers:
        worker.dispose()
    subjects = sorted((str(m["To"]), str(m["Subject"])) for m in queued(db))
    assert subjects == [
        ("Alice <alice@example.com>", "You completed Course B"),
        ("Bob <bob@example.com>", "You completed Course B"),
    ]
    assert sum(counts) == 2


def test_a_notice_turned_off_is_not_sent_and_milestones_are_off_by_default(db: Database) -> None:
    assert email_preferences(db, BOB) == {
        "course_completed": True,
        "certificate_ready": True,
        "milestones": False,
        "reminders": True,
    }
    set_email_preference(db, ALICE, "course_completed", False)
    complete_course_b(db, ALICE)
    with unit_of_work(db) as work:  # what the engine emits when a learner's own completion crosses 25/50/75%
        body = {"course_id": 1, "slug": "ac-course", "title": "Three modules", "percent": 50}
        work.emit(BOB, "course.milestone", body, datetime.now(UTC) - timedelta(seconds=1))
    assert queue_notices(db, utcnow()) == 0
    set_email_preference(db, BOB, "milestones", True)
    with unit_of_work(db) as work:
        work.emit(BOB, "course.milestone", {**body, "percent": 75})
    assert queue_notices(db, utcnow()) == 1
    [message] = queued(db)
    assert message["Subject"] == "You are 75% through Three modules"
    assert "http://localhost:3000/courses/ac-course" in links(text_of(message))


def test_an_imported_completion_from_long_ago_is_history_not_news(db: Database) -> None:
    enroll_course(db, ALICE, "course-b")
    record_completion(db, ALICE, "s1", source="import", completed_at=days_ago(30))
    record_completion(db, ALICE, "s2", source="import", completed_at=days_ago(30, 1))
    assert queue_notices(db, utcnow()) == 0
    complete_course_b(db, BOB)  # today's completion is news
    assert queue_notices(db, utcnow()) == 1
    assert [str(m["To"]) for m in queued(db)] == ["Bob <bob@example.com>"]

"""The inactivity reminder: 7 quiet days, an unfinished course, a sensible local hour, once per quiet spell."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, time, timedelta

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import update_profile
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.services.mail.preferences import set_email_preference
from learnapp.services.mail.reminders import queue_reminders
from tests.conftest import ALICE, BOB
from tests.mail.conftest import html_of, links, queued, text_of


def days_ahead(days: int, hour_utc: int) -> datetime:
    """`hour_utc`:00 UTC, `days` days from today: a moment after a quiet spell that starts now."""
    today = datetime.combine(utcnow().date(), time(hour_utc), tzinfo=UTC)
    return today + timedelta(days=days)


def test_a_quiet_learner_gets_one_reminder_per_quiet_spell_at_a_local_daytime_hour(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")  # Alice is in Europe/Paris
    record_completion(db, ALICE, "b1")
    assert queue_reminders(db, days_ahead(6, 10)) == 0  # 6 days: not quiet enough
    assert queue_reminders(db, days_ahead(8, 3)) == 0  # 04:00 in Paris: not now
    assert queue_reminders(db, days_ahead(8, 10)) == 1  # 11:00 in Paris
    assert queue_reminders(db, days_ahead(8, 10) + timedelta(minutes=30)) == 0  # the same hour again
    assert queue_reminders(db, days_ahead(20, 10)) == 0  # still the same quiet spell
    [message] = queued(db)
    assert message["Subject"] == "Pick up where you left off: Three modules"
    assert "http://localhost:3000/courses/ac-course" in links(text_of(message)) + links(html_of(message))
    assert "Three modules: 10% done" in text_of(message)
    assert re.search(r"It has been [78] days since you last studied", text_of(message))  # 7.x or 8.x: clock time
    assert message["List-Unsubscribe"].startswith("<http://localhost:3000/mail/unsubscribe?t=1.reminders.")
    record_completion(db, ALICE, "b2")  # studying again: a new spell may earn a new reminder a week later
    assert queue_reminders(db, days_ahead(9, 10)) == 1
    assert len(queued(db)) == 2


def test_the_hour_is_the_learners_own(db: Database) -> None:
    update_profile(db, BOB, "Bob", "America/Los_Angeles")
    enroll_course(db, BOB, "ac-course")
    assert queue_reminders(db, days_ahead(8, 10)) == 0  # 02:00 or 03:00 in Los Angeles
    assert queue_reminders(db, days_ahead(8, 20)) == 1  # 12:00 or 13:00 there


def test_no_reminder_for_a_finished_course_or_for_a_learner_who_turned_them_off(db: Database) -> None:
    enroll_course(db, BOB, "course-b")
    record_completion(db, BOB, "s1")
    record_completion(db, BOB, "s2")  # course-b finished, nothing else open
    enroll_course(db, ALICE, "ac-course")
    set_email_preference(db, ALICE, "reminders", False)
    assert queue_reminders(db, days_ahead(8, 10)) == 0 and queued(db) == []


def test_two_workers_running_the_reminder_job_in_the_same_hour_queue_one(db: Database) -> None:
    enroll_course(db, ALICE, "ac-course")
    workers = [Database(db.url), Database(db.url)]
    counts: list[int] = []
    moment = days_ahead(8, 10)
    threads = [threading.Thread(target=lambda w=w: counts.append(queue_reminders(w, moment))) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.dispose()
    assert sorted(counts) == [0, 1] and len(queued(db)) == 1

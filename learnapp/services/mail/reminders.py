"""Services: the inactivity reminder: a learner with an unfinished course and 7 quiet days hears from us once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.mail_prefs import preferences
from learnapp.persistence.mail_queue import has_cause, queue
from learnapp.persistence.mail_reminders import QuietLearner, open_courses, quiet_learners
from learnapp.services.mail.compose import compose
from learnapp.services.mail.preferences import REASONS, unsubscribe_url
from learnapp.settings import public_url

QUIET = timedelta(days=7)
# Local hours (in the learner's zone) a reminder may go out: not at night, not at dawn.
SENDING_HOURS = range(9, 20)


def send_hour(learner: QuietLearner, now: datetime) -> bool:
    try:
        zone = ZoneInfo(learner.time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).hour in SENDING_HOURS


def queue_reminders(db: Database, now: datetime | None = None) -> int:
    """Queue a reminder for every learner quiet for 7 days, at a sensible local hour; how many were queued.

    One per quiet spell: the cause is the learner and the moment of their last activity, so running this again (in
    the same hour, on another worker, tomorrow) finds the message there; studying again starts a new spell.
    """
    now = now or utcnow()
    queued = 0
    with db.snapshot() as conn:
        quiet = [learner for learner in quiet_learners(conn, now - QUIET) if send_hour(learner, now)]
    for learner in quiet:
        cause = f"reminder:{learner.learner_id}:{learner.last_active.isoformat()}"
        with db.transaction() as conn:
            prefs = preferences(conn, learner.learner_id, now)
            courses = open_courses(conn, learner.learner_id)
            if not prefs.wants("reminders") or not courses or has_cause(conn, cause):
                continue
            context = {
                "days": (now - learner.last_active).days,
                "courses": [
                    {"title": c.title, "percent": c.percent, "link": f"{public_url()}/courses/{c.slug}"}
                    for c in courses[:3]
                ],
                "reason": REASONS["reminders"],
            }
            to = (learner.name, learner.email)
            message = compose("reminder", to, cause, context, now, unsubscribe_url(prefs, "reminders"))
            queued += queue(
                conn,
                {
                    "cause_key": cause,
                    "kind": "reminders",
                    "learner_id": learner.learner_id,
                    "to_address": learner.email,
                    "subject": str(message["Subject"])[:300],
                    "message_id": str(message["Message-ID"]),
                    "raw": message.as_string(),
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
    return queued

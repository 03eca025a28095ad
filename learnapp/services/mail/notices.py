"""Services: notices by email, queued from the outbox: one message per event, in the transaction that takes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from learnapp.persistence import certs
from learnapp.persistence.accounts_learners import addressee
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.mail_prefs import preferences
from learnapp.persistence.mail_queue import queue
from learnapp.persistence.outbox import Event, take_events
from learnapp.services.mail.compose import compose
from learnapp.services.mail.preferences import REASONS, unsubscribe_url
from learnapp.settings import public_url

CONSUMER = "email"
# Outbox topic -> (the preference that allows it, its template).
NOTICES = {
    "course.completed": ("course_completed", "course_completed"),
    "pathway.completed": ("course_completed", "course_completed"),
    "certificate.issued": ("certificate_ready", "certificate_ready"),
    "course.milestone": ("milestones", "milestone"),
}
# Progress older than this is history, not news: an import of last year's completions (or a worker that was off for
# a week) sends no "You completed" mail. A certificate issued now is news whenever its course was completed.
NEWS_FOR = timedelta(days=2)
HISTORY_TOPICS = ("course.completed", "pathway.completed", "course.milestone")


def queue_notices(db: Database, now: datetime, limit: int = 100) -> int:
    """Take the email consumer's next events and queue their messages, all in one transaction; how many queued.

    Events of no interest to email (and notices a learner turned off) are taken too: taking is what moves on.
    """
    queued = 0
    with db.transaction() as conn:
        for event in take_events(conn, CONSUMER, now, limit):
            row = _notice(conn, event, now)
            if row is not None and queue(conn, row):
                queued += 1
    return queued


def _notice(conn: Connection, event: Event, now: datetime) -> dict[str, Any] | None:
    if event.topic not in NOTICES or (event.topic in HISTORY_TOPICS and now - event.occurred_at > NEWS_FOR):
        return None
    kind, template = NOTICES[event.topic]
    learner = addressee(conn, event.learner_id)
    prefs = preferences(conn, event.learner_id, now)
    if learner is None or not prefs.wants(kind):
        return None
    cause = f"event:{event.event_id}"
    context = {**_context(conn, event), "reason": REASONS[kind]}
    message = compose(template, (learner.name, learner.email), cause, context, now, unsubscribe_url(prefs, kind))
    return {
        "cause_key": cause,
        "kind": kind,
        "learner_id": event.learner_id,
        "to_address": learner.email,
        "subject": str(message["Subject"])[:300],
        "message_id": str(message["Message-ID"]),
        "raw": message.as_string(),
        "next_attempt_at": now,
        "created_at": now,
    }


def _context(conn: Connection, event: Event) -> dict[str, Any]:
    payload, base = event.payload, public_url()
    if event.topic == "certificate.issued":
        return {
            "title": payload["title"],
            "certificate_url": f"{base}/certificates/{payload['code']}.pdf",
            "verify_url": payload["url"],
        }
    node = event.topic.split(".")[0]
    link = f"{base}/{node}s/{payload['slug']}" if node in ("course", "pathway") else base
    if event.topic == "course.milestone":
        return {"title": payload["title"], "percent": payload["percent"], "link": link}
    issued = [
        cert
        for cert in certs.find(conn, learner_id=event.learner_id, node_kind=node, node_id=payload[f"{node}_id"])
        if cert.status == "issued"
    ]
    certificate_url = f"{base}/certificates/{issued[0].code}.pdf" if issued else ""
    return {"title": payload["title"], "node": node, "link": link, "certificate_url": certificate_url}
